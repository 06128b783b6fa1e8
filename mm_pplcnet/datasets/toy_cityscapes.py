"""A small generated Cityscapes-format dataset for segmentation smoke runs.

Street scenes drawn from a few shapes, written in Cityscapes' layout so
that mmseg's ``CityscapesDataset`` (19 classes, 255 ignored) and its
pipeline read them unchanged::

    root/leftImg8bit/{train,val}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    root/gtFine/{train,val}/<city>/<city>_<seq>_<frame>_gtFine_labelTrainIds.png
"""
from pathlib import Path
from typing import Callable, Dict, Tuple

import numpy as np
from PIL import Image, ImageDraw

# Cityscapes trainIds of the classes drawn, and their base colour (RGB)
ROAD, SIDEWALK, BUILDING, POLE, TRAFFIC_SIGN = 0, 1, 2, 5, 7
VEGETATION, SKY, PERSON, CAR, IGNORE = 8, 10, 11, 13, 255
TOY_SEG_COLOURS = {
    ROAD: (80, 80, 85),
    SIDEWALK: (200, 150, 180),
    BUILDING: (140, 105, 80),
    POLE: (175, 175, 175),
    TRAFFIC_SIGN: (240, 210, 30),
    VEGETATION: (60, 150, 45),
    SKY: (110, 170, 240),
    PERSON: (210, 40, 50),
    CAR: (30, 60, 210),
    IGNORE: (15, 15, 15),  # the ego vehicle, as in Cityscapes
}
TOY_CITIES = {'train': ('aachen', 'bremen'), 'val': ('frankfurt', )}


def jitter_colour(rng: np.random.Generator,
                  colour: Tuple[int, int, int],
                  amount: int = 25) -> Tuple[int, ...]:
    """``colour`` with each channel moved by up to ``amount``, in 0..255.

    Args:
        rng (np.random.Generator): Random generator.
        colour (tuple[int, int, int]): Base RGB colour.
        amount (int): Largest shift of a channel. Defaults to 25.

    Returns:
        tuple[int, ...]: The jittered colour, clipped to 0..255.
    """
    shift = rng.integers(-amount, amount + 1, 3)
    return tuple(int(np.clip(c + s, 0, 255)) for c, s in zip(colour, shift))


class _Painter:
    """Draws each shape on the image and, with its trainId, on the label
    map, so that both always agree.

    Args:
        rng (np.random.Generator): Random generator (colour jitter).
        height (int): Image height.
        width (int): Image width.
    """

    def __init__(self, rng: np.random.Generator, height: int,
                 width: int) -> None:
        self.rng = rng
        self.image = Image.new('RGB', (width, height))
        self.label = Image.new('L', (width, height), IGNORE)
        self._image = ImageDraw.Draw(self.image)
        self._label = ImageDraw.Draw(self.label)

    def __call__(self, shape: str, xy, class_id: int) -> None:
        """Fill ``xy`` (a box, or points for 'polygon') with the class.

        Args:
            shape (str): 'rectangle', 'ellipse' or 'polygon'.
            xy (Sequence): Box ``(x0, y0, x1, y1)`` or a list of points.
            class_id (int): Cityscapes trainId (or 255).
        """
        colour = jitter_colour(self.rng, TOY_SEG_COLOURS[class_id])
        getattr(self._image, shape)(xy, fill=colour)
        getattr(self._label, shape)(xy, fill=class_id)


def draw_street_scene(rng: np.random.Generator,
                      height: int = 256,
                      width: int = 512) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one street scene and its label map.

    Sky at the top, a row of buildings (with windows) and trees up to the
    horizon, a road narrowing towards it between two sidewalks, cars on
    the road, pedestrians and poles with traffic signs on the sidewalks,
    and an ignored (255) ego-vehicle strip at the bottom; colours are
    jittered per shape and the image gets pixel noise.

    Args:
        rng (np.random.Generator): Random generator.
        height (int): Image height. Defaults to 256.
        width (int): Image width. Defaults to 512.

    Returns:
        tuple[np.ndarray, np.ndarray]: The (H, W, 3) uint8 RGB image and
        the (H, W) uint8 trainId map.
    """
    h, w = height, width
    paint = _Painter(rng, h, w)

    def uniform(low: float, high: float) -> int:
        """A uniform random number in [low, high), truncated to int."""
        return int(rng.uniform(low, high))

    horizon = uniform(0.45 * h, 0.58 * h)
    paint('rectangle', (0, 0, w, horizon), SKY)
    x = uniform(-0.05 * w, 0)
    while x < w:  # buildings with a few rows of windows
        bw, top = uniform(0.1 * w, 0.25 * w), uniform(0.08 * h, 0.35 * h)
        paint('rectangle', (x, top, x + bw, horizon), BUILDING)
        step = max(6, bw // 5)
        for wy in range(top + step // 2, horizon - step, step):
            for wx in range(x + step // 3, x + bw - step // 2, step):
                paint('rectangle', (wx, wy, wx + step // 2, wy + step // 2),
                      BUILDING)
        x += bw + uniform(0, 0.06 * w)
    for _ in range(int(rng.integers(1, 4))):  # tree crowns
        cx, r = uniform(0, w), uniform(0.08 * h, 0.15 * h)
        cy = horizon - uniform(0.5 * r, 1.5 * r)
        paint('ellipse', (cx - r, cy - r, cx + r, cy + r), VEGETATION)
    paint('rectangle', (0, horizon, w, h), SIDEWALK)
    centre = uniform(0.35 * w, 0.65 * w)
    paint('polygon', [(centre - 0.1 * w, horizon), (centre + 0.1 * w, horizon),
                      (w + 0.2 * w, h), (-0.2 * w, h)], ROAD)
    for _ in range(int(rng.integers(1, 4))):  # cars on the road, wheels
        y1 = uniform(horizon + 0.15 * h, 0.88 * h)
        cw = int(0.08 * w + 0.17 * w * (y1 - horizon) / (h - horizon))
        x0 = uniform(centre - 0.3 * w, centre + 0.3 * w - cw)
        ch = cw * 45 // 100
        paint('rectangle', (x0, y1 - ch, x0 + cw, y1 - ch // 4), CAR)
        paint('rectangle',
              (x0 + cw // 5, y1 - ch * 3 // 2, x0 + cw * 4 // 5, y1 - ch), CAR)
        for wx in (x0 + cw // 5, x0 + cw * 4 // 5):
            r = ch // 4
            paint('ellipse', (wx - r, y1 - 2 * r, wx + r, y1), CAR)
    for side in (0, 1):  # on each sidewalk: a pole with a sign, a person
        x = uniform(0.02 * w, 0.15
                    * w) if side == 0 else uniform(0.85 * w, 0.97 * w)
        top, bottom = uniform(0.2 * h,
                              0.35 * h), horizon + uniform(0.05 * h, 0.15 * h)
        pw, r = max(3, w // 64), uniform(0.06 * h, 0.09 * h)
        paint('rectangle', (x - pw, top, x + pw, bottom), POLE)
        if rng.random() < 0.5:
            paint('ellipse', (x - r, top - r, x + r, top + r), TRAFFIC_SIGN)
        else:
            paint('polygon', [(x, top - r), (x + r, top + r),
                              (x - r, top + r)], TRAFFIC_SIGN)
        px = x + (1 if side == 0 else -1) * uniform(0.04 * w, 0.1 * w)
        feet, ph = uniform(horizon + 0.1 * h,
                           0.85 * h), uniform(0.15 * h, 0.25 * h)
        pw = ph // 5
        paint('ellipse', (px - pw, feet - ph * 0.8, px + pw, feet), PERSON)
        paint('ellipse',
              (px - pw * 0.6, feet - ph, px + pw * 0.6, feet - ph * 0.75),
              PERSON)
    paint('rectangle', (0, uniform(0.9 * h, 0.95 * h), w, h), IGNORE)
    image = np.asarray(paint.image, dtype=np.int16)
    image = image + rng.integers(-12, 13, image.shape)
    return (np.clip(image, 0, 255).astype(np.uint8),
            np.asarray(paint.label, dtype=np.uint8))


def make_toy_cityscapes(root: str,
                        num_train: int = 32,
                        num_val: int = 16,
                        height: int = 256,
                        width: int = 512,
                        seed: int = 0,
                        draw: Callable = draw_street_scene) -> Dict[str, int]:
    """Write a small Cityscapes-format dataset (mmseg ``CityscapesDataset``).

    ``leftImg8bit/{train,val}/<city>/*_leftImg8bit.png`` images and
    ``gtFine/{train,val}/<city>/*_gtFine_labelTrainIds.png`` trainId maps
    of generated street scenes (:func:`draw_street_scene`): 9 of the 19
    Cityscapes classes (road, sidewalk, building, pole, traffic sign,
    vegetation, sky, person, car) and 255 (ignored) on the ego vehicle.
    A DeepLabV3+ learns it in a few hundred iterations on a CPU.

    Args:
        root (str): Output folder (created).
        num_train (int): Training images. Defaults to 32.
        num_val (int): Validation images. Defaults to 16.
        height (int): Image height. Defaults to 256.
        width (int): Image width (Cityscapes frames are 2:1). Defaults to
            512.
        seed (int): Random seed. Defaults to 0.
        draw (Callable): ``draw(rng, height, width)`` returning the image
            and the trainId map. Defaults to :func:`draw_street_scene`.

    Returns:
        dict: Number of images written per split.
    """
    if height < 64 or width < 64:
        raise ValueError('height and width must be at least 64 pixels, got '
                         f'{height}x{width}')
    rng = np.random.default_rng(seed)
    counts = {}
    for split, total in (('train', num_train), ('val', num_val)):
        cities = TOY_CITIES[split]
        for i in range(total):
            city = cities[i % len(cities)]
            stem = f'{city}_{i:06d}_000019'
            image, label = draw(rng, height, width)
            for folder, suffix, array in (('leftImg8bit', 'leftImg8bit',
                                           image),
                                          ('gtFine', 'gtFine_labelTrainIds',
                                           label)):
                out = Path(root) / folder / split / city
                out.mkdir(parents=True, exist_ok=True)
                Image.fromarray(array).save(out / f'{stem}_{suffix}.png')
        counts[split] = total
    return counts
