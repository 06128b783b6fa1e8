"""Render document-like pages (title, paragraphs, a table) with Pillow,
for the real-model tests: the orientation classifier and the layout
detector see pages whose regions are known."""
import os.path as osp
from typing import List, Tuple

import numpy as np

WORDS = ('the model results table section method data training network '
         'image layer value shows paper first using based average each '
         'feature which these from with more than were into also time '
         'performance accuracy experiments proposed approach different '
         'between input output small large number parameters report '
         'analysis computed figure test evaluation system structure page '
         'document system year company annual revenue growth market').split()
Region = Tuple[str, Tuple[int, int, int, int]]


def _font(size: int, bold: bool = False):
    import matplotlib
    from PIL import ImageFont
    name = 'DejaVuSans-Bold.ttf' if bold else 'DejaVuSans.ttf'
    path = osp.join(
        osp.dirname(matplotlib.__file__), 'mpl-data', 'fonts', 'ttf', name)
    return ImageFont.truetype(path, size)


def _sentence(rng, n: int) -> str:
    words = [WORDS[i] for i in rng.integers(0, len(WORDS), n)]
    return ' '.join(words).capitalize() + '.'


def _paragraph(draw, rng, x0: int, y: int, x1: int, font, lines: int,
               line_h: int) -> int:
    """Justified-looking text lines from x0 to about x1; returns the y
    after the paragraph."""
    for i in range(lines):
        text, indent = '', 20 if i == 0 else 0
        while True:
            word = WORDS[rng.integers(0, len(WORDS))]
            trial = (text + ' ' + word).strip()
            if draw.textlength(trial, font=font) > x1 - x0 - indent:
                break
            text = trial
        if i == lines - 1:  # a shorter last line
            text = ' '.join(text.split()[:max(2, len(text.split()) // 2)])
        draw.text((x0 + indent, y), text, fill=0, font=font)
        y += line_h
    return y


def render_page(
    seed: int, size: Tuple[int, int] = (600, 800)
) -> Tuple[np.ndarray, List[Region]]:
    """One page: a bold title, paragraphs and a ruled table.

    Args:
        seed (int): Picks the words, the paragraph lengths and the table.
        size (tuple): ``(width, height)`` in pixels.

    Returns:
        tuple: The page as a BGR uint8 array ``(H, W, 3)`` and its regions
        ``(label, (x1, y1, x2, y2))`` with labels ``title``, ``text`` and
        ``table``.
    """
    from PIL import Image, ImageDraw
    rng = np.random.default_rng(seed)
    w, h = size
    page = Image.new('L', size, 255)
    draw = ImageDraw.Draw(page)
    margin = int(0.09 * w)
    regions: List[Region] = []
    body, line_h = _font(13), 19
    title_font = _font(24, bold=True)
    y = int(0.07 * h)
    title = _sentence(rng, int(rng.integers(3, 6)))[:-1].title()
    box = draw.textbbox((margin, y), title, font=title_font)
    draw.text((margin, y), title, fill=0, font=title_font)
    regions.append(('title', box))
    y = box[3] + 28
    table_at = int(rng.integers(1, 3))
    for block in range(3):
        if block == table_at:
            rows, cols = int(rng.integers(4, 7)), int(rng.integers(3, 5))
            cell_w, cell_h = (w - 2 * margin) // cols, 24
            top = y
            for r in range(rows + 1):
                draw.line([(margin, y + r * cell_h),
                           (margin + cols * cell_w, y + r * cell_h)],
                          fill=0,
                          width=2 if r in (0, 1, rows) else 1)
            for c in range(cols + 1):
                x = margin + c * cell_w
                draw.line([(x, top), (x, top + rows * cell_h)], fill=0)
            for r in range(rows):
                for c in range(cols):
                    text = (
                        WORDS[rng.integers(0, len(WORDS))].title()
                        if r == 0 else f'{rng.uniform(0, 100):.2f}')
                    draw.text((margin + c * cell_w + 6, y + r * cell_h + 5),
                              text,
                              fill=0,
                              font=body)
            regions.append(('table', (margin, top, margin + cols * cell_w,
                                      top + rows * cell_h)))
            y = top + rows * cell_h + 30
            continue
        lines = int(rng.integers(5, 9))
        if y + lines * line_h > h - margin:
            break
        top = y
        y = _paragraph(draw, rng, margin, y, w - margin, body, lines, line_h)
        regions.append(('text', (margin, top, w - margin, y - 4)))
        y += 18
    rgb = np.asarray(page.convert('RGB'))
    return np.ascontiguousarray(rgb[:, :, ::-1]), regions


def turn(image: np.ndarray, degrees: int) -> np.ndarray:
    """The page turned counter-clockwise by ``degrees`` (0, 90, 180, 270).

    The orientation model's label is the clockwise angle by which the page
    was turned, i.e. (360 - degrees) % 360 for a counter-clockwise turn.
    """
    return np.ascontiguousarray(np.rot90(image, degrees // 90))
