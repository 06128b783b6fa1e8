"""A small generated image-folder dataset for classification smoke runs."""
import os.path as osp
from pathlib import Path
from typing import Dict

import numpy as np
from PIL import Image, ImageDraw

# one (name, RGB colour) per class; the shape drawn differs as well
TOY_CLASSES = (('red_disc', (220, 40, 40)), ('green_square', (40, 200, 60)),
               ('blue_triangle', (40, 80, 230)), ('yellow_cross', (230, 210,
                                                                   40)))


def draw_shape(draw: ImageDraw.ImageDraw, kind: int, box, colour) -> None:
    """Fill a disc (0), square (1), triangle (2) or cross (3) in ``box``.

    Args:
        draw (ImageDraw.ImageDraw): Where to draw.
        kind (int): The shape: 0 to 3 (anything else draws a cross).
        box (Sequence[int]): ``(x0, y0, x1, y1)``.
        colour (tuple[int, int, int]): Fill colour.
    """
    x0, y0, x1, y1 = box
    if kind == 0:
        draw.ellipse(box, fill=colour)
    elif kind == 1:
        draw.rectangle(box, fill=colour)
    elif kind == 2:
        draw.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=colour)
    else:
        w = max(2, (x1 - x0) // 4)
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        draw.rectangle((cx - w, y0, cx + w, y1), fill=colour)
        draw.rectangle((x0, cy - w, x1, cy + w), fill=colour)


def make_toy_classification(root: str,
                            train_per_class: int = 48,
                            val_per_class: int = 16,
                            size: int = 64,
                            seed: int = 0) -> Dict[str, int]:
    """Write a 4-class image-folder dataset (mmpretrain ``CustomDataset``).

    Layout: ``root/{train,val}/<class>/<index>.png``. Each class is a
    coloured shape (disc, square, triangle, cross) of random size and
    position on a noisy background, so a network can learn it in a few
    dozen iterations.

    Args:
        root (str): Output folder (created).
        train_per_class (int): Training images per class. Defaults to 48.
        val_per_class (int): Validation images per class. Defaults to 16.
        size (int): Image side in pixels. Defaults to 64.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: Number of images written per split.
    """
    if size < 16:
        raise ValueError(f'size must be at least 16 pixels, got {size}')
    rng = np.random.default_rng(seed)
    counts = {}
    for split, per_class in (('train', train_per_class), ('val',
                                                          val_per_class)):
        for label, (name, colour) in enumerate(TOY_CLASSES):
            folder = Path(root) / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                bg = rng.integers(0, 120, (size, size, 3), dtype=np.uint8)
                img = Image.fromarray(bg)
                side = int(rng.integers(size // 3, size * 3 // 4))
                x0 = int(rng.integers(0, size - side))
                y0 = int(rng.integers(0, size - side))
                jitter = rng.integers(-25, 26, 3)
                fill = tuple(
                    int(np.clip(c + j, 0, 255))
                    for c, j in zip(colour, jitter))
                draw_shape(
                    ImageDraw.Draw(img), label, (x0, y0, x0 + side, y0 + side),
                    fill)
                img.save(osp.join(folder, f'{i:04d}.png'))
        counts[split] = per_class * len(TOY_CLASSES)
    return counts
