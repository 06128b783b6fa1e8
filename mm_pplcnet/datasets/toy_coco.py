"""A small generated COCO-format detection dataset for smoke runs."""
import json
from pathlib import Path
from typing import Dict

import numpy as np
from PIL import Image, ImageDraw

from .toy_classification import TOY_CLASSES, draw_shape

# the first three toy classes (disc, square, triangle) as object classes
TOY_DET_CLASSES = tuple(name for name, _ in TOY_CLASSES[:3])


def make_toy_coco(root: str,
                  train_images: int = 96,
                  val_images: int = 24,
                  size: int = 192,
                  max_objects: int = 3,
                  seed: int = 0) -> Dict[str, int]:
    """Write a 3-class COCO-format detection set.

    Layout (as mmdet's ``CocoDataset`` expects)::

        root/train/000000.jpg ...  root/val/...
        root/annotations/train.json, root/annotations/val.json

    Every image holds 1 to ``max_objects`` non-overlapping coloured shapes
    (red disc, green square, blue triangle) of 20 % to 45 % of the image
    side on a noisy background; the box is the shape's bounding box.

    Args:
        root (str): Output folder (created).
        train_images (int): Training images. Defaults to 96.
        val_images (int): Validation images. Defaults to 24.
        size (int): Image side. Defaults to 192.
        max_objects (int): Most objects per image. Defaults to 3.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: Number of images written per split.
    """
    if size < 64:
        raise ValueError(f'size must be at least 64 pixels, got {size}')
    rng = np.random.default_rng(seed)
    categories = [
        dict(id=i + 1, name=name) for i, name in enumerate(TOY_DET_CLASSES)
    ]
    (Path(root) / 'annotations').mkdir(parents=True, exist_ok=True)
    counts = {}
    ann_id = 1
    for split, n in (('train', train_images), ('val', val_images)):
        folder = Path(root) / split
        folder.mkdir(parents=True, exist_ok=True)
        images, annotations = [], []
        for i in range(n):
            bg = rng.integers(0, 110, (size, size, 3), dtype=np.uint8)
            img = Image.fromarray(bg)
            draw = ImageDraw.Draw(img)
            boxes = []
            for _ in range(int(rng.integers(1, max_objects + 1))):
                for _attempt in range(20):
                    side = int(
                        rng.integers(size * 20 // 100, size * 45 // 100))
                    x0 = int(rng.integers(0, size - side))
                    y0 = int(rng.integers(0, size - side))
                    box = (x0, y0, x0 + side, y0 + side)
                    if all(box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1]
                           or b[3] <= box[1] for b, _ in boxes):
                        break
                else:
                    continue
                label = int(rng.integers(0, len(TOY_DET_CLASSES)))
                colour = tuple(
                    int(np.clip(c + j, 0, 255)) for c, j in zip(
                        TOY_CLASSES[label][1], rng.integers(-25, 26, 3)))
                draw_shape(draw, label, box, colour)
                boxes.append((box, label))
            name = f'{i:06d}.jpg'
            img.save(folder / name, quality=95)
            images.append(
                dict(id=i + 1, file_name=name, width=size, height=size))
            for (x0, y0, x1, y1), label in boxes:
                w, h = x1 - x0, y1 - y0
                annotations.append(
                    dict(
                        id=ann_id,
                        image_id=i + 1,
                        category_id=label + 1,
                        bbox=[x0, y0, w, h],
                        area=w * h,
                        iscrowd=0))
                ann_id += 1
        with open(Path(root) / 'annotations' / f'{split}.json', 'w') as f:
            json.dump(
                dict(
                    images=images,
                    annotations=annotations,
                    categories=categories), f)
        counts[split] = n
    return counts
