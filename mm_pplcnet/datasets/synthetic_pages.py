"""Rendered document pages (OpenCV only), upright or turned by 90 degree
steps: calibration and accuracy data for the real text-orientation and
layout models when no document dataset can be downloaded.

A page is white with a title, paragraphs of text lines (random words in
OpenCV's Hershey fonts), and optionally a ruled table and a figure; the
regions are returned with their CDLA class names (``title``, ``text``,
``table``, ``figure``) so layout models can be checked on them.
"""
from typing import Dict, List, Tuple

import numpy as np

# clockwise angle by which a page was turned -> cv2.rotate code name
TURNS = (0, 90, 180, 270)
_LETTERS = 'abcdefghijklmnopqrstuvwxyz'


def _words(rng: np.random.Generator, n: int) -> str:
    lengths = rng.integers(2, 10, n)
    return ' '.join(''.join(rng.choice(list(_LETTERS), k)) for k in lengths)


def render_page(seed: int,
                size: Tuple[int, int] = (1600, 1216),
                tables: bool = True) -> Tuple[np.ndarray, List[Dict]]:
    """Render one upright page.

    Args:
        seed (int): Seed of the layout and the words.
        size (tuple[int, int]): ``(H, W)`` in pixels. Defaults to a
            1600 x 1216 page.
        tables (bool): Add a table and a figure on some pages. Defaults to
            True.

    Returns:
        tuple: The ``(H, W, 3)`` uint8 BGR page and its regions, dicts
        with ``label`` and ``bbox`` ``[x1, y1, x2, y2]``.
    """
    import cv2
    rng = np.random.default_rng(seed)
    h, w = size
    page = np.full((h, w, 3), 255, np.uint8)
    unit = w / 1216
    margin = int(rng.uniform(0.07, 0.12) * w)
    font = [
        cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX,
        cv2.FONT_HERSHEY_COMPLEX
    ][seed % 3]
    regions = []
    y = margin

    def text_block(y: int, lines: int, scale: float, thick: int,
                   label: str) -> int:
        (_, th), base = cv2.getTextSize('Ag', font, scale, thick)
        step = int((th + base) * rng.uniform(1.5, 1.9))
        # the region is the ink: from the first line's cap height down
        top, right = y + step - th, margin
        for i in range(lines):
            words = _words(rng, 40)
            # cut to the column width
            while cv2.getTextSize(words, font, scale, thick)[0][0] > \
                    w - 2 * margin and ' ' in words:
                words = words.rsplit(' ', 1)[0]
            if i == lines - 1 and lines > 1:
                words = words[:max(3, int(len(words) * rng.uniform(.3, .8)))]
            y += step
            cv2.putText(page, words, (margin, y), font, scale, (20, 20, 20),
                        thick, cv2.LINE_AA)
            right = max(
                right,
                margin + cv2.getTextSize(words, font, scale, thick)[0][0])
        regions.append(dict(label=label, bbox=[margin, top, right, y + base]))
        return y + base

    y = text_block(y, 1, 1.3 * unit, max(2, int(2 * unit)), 'title')
    y += int(30 * unit)
    while y < h - margin - 150 * unit:
        kind = rng.uniform()
        if tables and kind < 0.15 and y < h - margin - 400 * unit:
            th_, tw_ = int(rng.uniform(180, 320) * unit), w - 2 * margin
            rows, cols = int(rng.integers(3, 7)), int(rng.integers(2, 5))
            for r in range(rows + 1):
                yy = y + r * th_ // rows
                cv2.line(page, (margin, yy), (margin + tw_, yy), (0, 0, 0),
                         max(1, int(unit)))
            for c in range(cols + 1):
                xx = margin + c * tw_ // cols
                cv2.line(page, (xx, y), (xx, y + th_), (0, 0, 0),
                         max(1, int(unit)))
            for r in range(rows):
                for c in range(cols):
                    cv2.putText(page, _words(rng, 1),
                                (margin + c * tw_ // cols + 8, y +
                                 (r + 1) * th_ // rows - 10), font, 0.6 * unit,
                                (20, 20, 20), 1, cv2.LINE_AA)
            regions.append(
                dict(label='table', bbox=[margin, y, margin + tw_, y + th_]))
            y += th_ + int(40 * unit)
        elif tables and kind < 0.25 and y < h - margin - 400 * unit:
            fh, fw = int(rng.uniform(200, 330) * unit), int(
                rng.uniform(0.4, 0.7) * (w - 2 * margin))
            x0 = (w - fw) // 2
            colour = tuple(int(c) for c in rng.integers(60, 200, 3))
            cv2.rectangle(page, (x0, y), (x0 + fw, y + fh), colour, -1)
            cv2.circle(page, (x0 + fw // 3, y + fh // 2), fh // 4,
                       (255, 255, 255), -1)
            regions.append(dict(label='figure', bbox=[x0, y, x0 + fw, y + fh]))
            y += fh + int(40 * unit)
        else:
            lines = int(rng.integers(3, 9))
            y = text_block(y, lines,
                           rng.uniform(0.65, 0.9) * unit,
                           max(1, int(round(unit))), 'text')
            y += int(rng.uniform(25, 45) * unit)
    return page, regions


def turn(page: np.ndarray, angle: int) -> np.ndarray:
    """Turn a page clockwise by ``angle`` (0, 90, 180 or 270) degrees.

    Args:
        page (np.ndarray): ``(H, W, 3)`` image.
        angle (int): Clockwise angle; the orientation label of the result
            (PULC text_image_orientation's convention).

    Returns:
        np.ndarray: The turned image.
    """
    import cv2
    if angle not in TURNS:
        raise ValueError(f'angle must be one of {TURNS}, got {angle}')
    if angle == 0:
        return page.copy()
    code = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE
    }[angle]
    return cv2.rotate(page, code)


def turned_pages(
    n: int,
    seed: int = 0,
    size: Tuple[int, int] = (800, 608)
) -> List[Tuple[np.ndarray, int]]:
    """``n`` rendered pages, each turned by all four angles.

    Args:
        n (int): Pages.
        seed (int): First page's seed. Defaults to 0.
        size (tuple[int, int]): ``(H, W)`` of the upright pages. Defaults
            to 800 x 608.

    Returns:
        list[tuple]: ``(image, clockwise angle)``, ``4 n`` of them.
    """
    out = []
    for i in range(n):
        page, _ = render_page(seed + i, size)
        out += [(turn(page, a), a) for a in TURNS]
    return out


def write_pages(out: str,
                seed: int = 0,
                count: int = 48,
                size: Tuple[int, int] = (1600, 1216)) -> int:
    """Write rendered upright pages as PNG files (``page_<seed>.png``):
    calibration, fine-tuning or test images for a layout model.

    Args:
        out (str): Output folder (created).
        seed (int): First page's seed. Defaults to 0.
        count (int): Pages. Defaults to 48.
        size (tuple[int, int]): ``(H, W)`` in pixels. Defaults to 1600 x
            1216.

    Returns:
        int: Pages written.

    Raises:
        ValueError: ``count`` is not positive.
    """
    import os

    import cv2
    if count < 1:
        raise ValueError(f'count must be positive, got {count}')
    os.makedirs(out, exist_ok=True)
    for s in range(seed, seed + count):
        cv2.imwrite(
            os.path.join(out, f'page_{s}.png'),
            render_page(s, size)[0])
    return count
