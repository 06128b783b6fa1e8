"""PaddleDetection's PicoDet training transforms for mmdet pipelines.

mmdet has transforms of the same purpose that compute other things:
``MinIoURandomCrop`` requires *every* gt to reach the IoU threshold with
the crop (Paddle's ``RandomCrop``: the *best* gt) and draws width and
height independently; ``PhotoMetricDistortion`` shifts brightness by
+-32, works in HSV and clips to [0, 255] (Paddle's ``RandomDistort``:
``+U(0.5, 1.5)`` brightness, contrast and saturation by scaling, hue by a
rotation in YIQ, random order, no clipping). These follow Paddle.
Importing needs mmdet.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes

_GT_KEYS = ('gt_bboxes_labels', 'gt_ignore_flags')


def _iou_with_box(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    """IoU of ``(N, 4)`` boxes with one box (Paddle's ``_iou_matrix``)."""
    lt = np.maximum(boxes[:, :2], box[:2])
    rb = np.minimum(boxes[:, 2:], box[2:])
    inter = np.prod(rb - lt, axis=1) * (lt < rb).all(axis=1)
    area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    union = area + np.prod(box[2:] - box[:2]) - inter
    return inter / (union + 1e-10)


@TRANSFORMS.register_module()
class PaddleRandomCrop(BaseTransform):
    """SSD-style random crop, as PaddleDetection's ``RandomCrop``.

    The thresholds (and "no crop") are tried in random order; for each,
    up to ``num_attempts`` crops of area ``scale ** 2`` of the image
    (``scale ~ U(scaling)``) and aspect ratio within ``aspect_ratio`` are
    drawn; a crop is taken when the best IoU of a gt with it reaches the
    threshold and at least one gt centre lies inside it. Gts whose centre
    is outside are dropped, the others clipped. Images without gts are
    left alone.

    Required keys: ``img``, ``gt_bboxes``; modified: ``img``,
    ``img_shape``, ``gt_bboxes``, ``gt_bboxes_labels``,
    ``gt_ignore_flags``.

    Args:
        aspect_ratio (Sequence[float]): Range of ``w / h`` of the crop.
            Defaults to (0.5, 2.0).
        thresholds (Sequence[float]): IoU thresholds. Defaults to
            (0.0, 0.1, 0.3, 0.5, 0.7, 0.9).
        scaling (Sequence[float]): Range of the side ratio of the crop.
            Defaults to (0.3, 1.0).
        num_attempts (int): Crops drawn per threshold. Defaults to 50.
        allow_no_crop (bool): "No crop" is one of the choices. Defaults to
            True.
        cover_all_box (bool): Every gt must reach the threshold. Defaults
            to False.
    """

    def __init__(self,
                 aspect_ratio: Sequence[float] = (0.5, 2.0),
                 thresholds: Sequence[float] = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9),
                 scaling: Sequence[float] = (0.3, 1.0),
                 num_attempts: int = 50,
                 allow_no_crop: bool = True,
                 cover_all_box: bool = False) -> None:
        self.aspect_ratio = tuple(aspect_ratio)
        self.thresholds = tuple(thresholds)
        self.scaling = tuple(scaling)
        self.num_attempts = num_attempts
        self.allow_no_crop = allow_no_crop
        self.cover_all_box = cover_all_box

    def _draw_crop(self, h: int, w: int) -> np.ndarray:
        """One random crop box ``(x1, y1, x2, y2)``."""
        scale = np.random.uniform(*self.scaling)
        lo, hi = self.aspect_ratio
        ratio = np.random.uniform(max(lo, scale**2), min(hi, scale**-2))
        crop_h = int(h * scale / np.sqrt(ratio))
        crop_w = int(w * scale * np.sqrt(ratio))
        y = np.random.randint(0, h - crop_h) if h > crop_h else 0
        x = np.random.randint(0, w - crop_w) if w > crop_w else 0
        return np.array([x, y, x + crop_w, y + crop_h], dtype=np.float32)

    @staticmethod
    def _crop_boxes(boxes: np.ndarray,
                    crop: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Boxes clipped to the crop (in its coordinates) and the indices
        of those whose centre is inside it."""
        cropped = boxes.copy()
        cropped[:, :2] = np.maximum(boxes[:, :2], crop[:2]) - crop[:2]
        cropped[:, 2:] = np.minimum(boxes[:, 2:], crop[2:]) - crop[:2]
        centers = (boxes[:, :2] + boxes[:, 2:]) / 2
        valid = ((crop[:2] <= centers) & (centers < crop[2:])).all(1)
        valid &= (cropped[:, :2] < cropped[:, 2:]).all(1)
        return cropped, np.where(valid)[0]

    def _find_crop(
            self, boxes: np.ndarray, h: int,
            w: int) -> Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """A crop, the boxes it keeps (cropped) and their indices, or None
        for no crop."""
        choices = list(
            self.thresholds) + ([None] if self.allow_no_crop else [])
        np.random.shuffle(choices)
        for thresh in choices:
            if thresh is None:
                return None
            for _ in range(self.num_attempts):
                crop = self._draw_crop(h, w)
                iou = _iou_with_box(boxes, crop)
                if iou.max() < thresh or (self.cover_all_box
                                          and iou.min() < thresh):
                    continue
                cropped, keep = self._crop_boxes(boxes, crop)
                if keep.size:
                    return crop, cropped[keep], keep
        return None

    def transform(self, results: dict) -> dict:
        """Crop the image and its gts.

        Args:
            results (dict): mmdet's result dict.

        Returns:
            dict: The same dict, cropped (or unchanged).
        """
        gt_bboxes = results.get('gt_bboxes')
        if gt_bboxes is None or len(gt_bboxes) == 0:
            return results
        boxes = gt_bboxes.numpy() if isinstance(
            gt_bboxes, HorizontalBoxes) else np.asarray(gt_bboxes)
        h, w = results['img'].shape[:2]
        found = self._find_crop(boxes.astype(np.float32), h, w)
        if found is None:
            return results
        crop, kept, keep = found
        x1, y1, x2, y2 = crop.astype(int)
        results['img'] = results['img'][y1:y2, x1:x2]
        results['img_shape'] = results['img'].shape[:2]
        results['gt_bboxes'] = type(gt_bboxes)(kept) if isinstance(
            gt_bboxes, HorizontalBoxes) else kept
        for key in _GT_KEYS:
            if results.get(key) is not None:
                results[key] = results[key][keep]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(aspect_ratio={self.aspect_ratio}, '
                f'thresholds={self.thresholds}, scaling={self.scaling}, '
                f'num_attempts={self.num_attempts}, '
                f'allow_no_crop={self.allow_no_crop}, '
                f'cover_all_box={self.cover_all_box})')


# Paddle's YIQ conversion matrices for the hue rotation
_RGB2YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.321],
                     [0.211, -0.523, 0.311]])
_YIQ2RGB = np.array([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647],
                     [1.0, -1.107, 1.705]])
_GRAY = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@TRANSFORMS.register_module()
class PaddleRandomDistort(BaseTransform):
    """Random photometric distortion, as PaddleDetection's
    ``RandomDistort`` (``random_apply=True``, ``count=4``).

    Brightness, contrast, saturation and hue are applied in a random
    order, each with probability ``1 - prob`` of its setting skipped
    (0.5): brightness adds ``U(lo, hi)``, contrast multiplies by it,
    saturation blends with the gray image, hue rotates the chroma in YIQ
    by ``U(lo, hi) * pi`` radians. The result is float32 and not clipped,
    as in Paddle. The image is converted from / to BGR (mmdet's order)
    around Paddle's RGB arithmetic.

    Required and modified key: ``img``.

    Args:
        hue (Sequence[float]): ``(low, high, prob)``. Defaults to
            (-18, 18, 0.5).
        saturation (Sequence[float]): Defaults to (0.5, 1.5, 0.5).
        contrast (Sequence[float]): Defaults to (0.5, 1.5, 0.5).
        brightness (Sequence[float]): Defaults to (0.5, 1.5, 0.5).
        to_rgb (bool): The image is BGR (mmdet's loading). Defaults to
            True.
    """

    def __init__(self,
                 hue: Sequence[float] = (-18, 18, 0.5),
                 saturation: Sequence[float] = (0.5, 1.5, 0.5),
                 contrast: Sequence[float] = (0.5, 1.5, 0.5),
                 brightness: Sequence[float] = (0.5, 1.5, 0.5),
                 to_rgb: bool = True) -> None:
        for name, value in (('hue', hue), ('saturation', saturation),
                            ('contrast', contrast), ('brightness',
                                                     brightness)):
            if len(value) != 3:
                raise ValueError(f'{name} takes (low, high, prob), got '
                                 f'{value!r}')
        self.hue = tuple(hue)
        self.saturation = tuple(saturation)
        self.contrast = tuple(contrast)
        self.brightness = tuple(brightness)
        self.to_rgb = to_rgb

    @staticmethod
    def _draw(setting: Sequence[float]) -> Optional[float]:
        """The factor of one distortion, or None when it is skipped."""
        low, high, prob = setting
        if np.random.uniform(0.0, 1.0) < prob:
            return None
        return np.random.uniform(low, high)

    def _brightness(self, img: np.ndarray) -> np.ndarray:
        delta = self._draw(self.brightness)
        return img if delta is None else img + np.float32(delta)

    def _contrast(self, img: np.ndarray) -> np.ndarray:
        delta = self._draw(self.contrast)
        return img if delta is None else img * np.float32(delta)

    def _saturation(self, img: np.ndarray) -> np.ndarray:
        delta = self._draw(self.saturation)
        if delta is None:
            return img
        gray = (img * _GRAY).sum(axis=2, keepdims=True)
        return img * np.float32(delta) + gray * np.float32(1.0 - delta)

    def _hue(self, img: np.ndarray) -> np.ndarray:
        delta = self._draw(self.hue)
        if delta is None:
            return img
        u, w = np.cos(delta * np.pi), np.sin(delta * np.pi)
        rotation = np.array([[1.0, 0.0, 0.0], [0.0, u, -w], [0.0, w, u]])
        matrix = (_YIQ2RGB @ rotation @ _RGB2YIQ).T
        return (img @ matrix).astype(np.float32)

    def transform(self, results: dict) -> dict:
        """Distort ``results['img']``.

        Args:
            results (dict): mmdet's result dict.

        Returns:
            dict: The same dict with a float32 image.
        """
        img = results['img'].astype(np.float32)
        if self.to_rgb:
            img = img[..., ::-1]
        funcs = [self._brightness, self._contrast, self._saturation, self._hue]
        for i in np.random.permutation(len(funcs)):
            img = funcs[i](img)
        if self.to_rgb:
            img = img[..., ::-1]
        results['img'] = np.ascontiguousarray(img, dtype=np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(hue={self.hue}, saturation='
                f'{self.saturation}, contrast={self.contrast}, brightness='
                f'{self.brightness}, to_rgb={self.to_rgb})')
