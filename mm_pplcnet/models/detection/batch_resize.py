"""PaddleDetection's ``BatchRandomResize`` as an mmdet batch augment."""
import random
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import BaseBoxes
from torch import Tensor, nn

# cv2's NEAREST, LINEAR, CUBIC and AREA (Paddle also draws LANCZOS4,
# which torch lacks); torch's bicubic uses cv2's a = -0.75
INTERPOLATIONS = ('nearest', 'bilinear', 'bicubic', 'area')


def _rescale_(bboxes: Union[Tensor, BaseBoxes], sx: float, sy: float) -> None:
    """Scale boxes in place (x by ``sx``, y by ``sy``)."""
    if isinstance(bboxes, BaseBoxes):
        bboxes.rescale_((sx, sy))
    else:
        bboxes[..., 0::2] *= sx
        bboxes[..., 1::2] *= sy


@MODELS.register_module()
class PicoBatchRandomResize(nn.Module):
    """Stretch every image of a batch to one random size.

    This is Paddle's ``BatchRandomResize(target_size=sizes,
    random_size=True, random_interp=True, keep_ratio=False)``: per batch a
    size is drawn from ``sizes`` and an interpolation from
    ``interpolations``; each image's valid region (``img_shape``, without
    the padding) is resized to that square without keeping its aspect
    ratio, and its boxes follow. Resizing after the normalization gives the
    same result as before it (both are affine per channel; Paddle does not
    clip either). Each process draws its own size, as each Paddle reader
    does. Use it in ``data_preprocessor.batch_augments``.

    Args:
        sizes (Sequence[int | Sequence[int]]): Candidate sizes (multiples
            of 32): ``S`` for a square, ``(H, W)`` otherwise (Paddle's
            ``[[768, 576], [800, 608], ...]`` of the layout models).
        interpolations (Sequence[str]): Candidate ``F.interpolate`` modes.
            Defaults to nearest, bilinear, bicubic and area.
    """

    def __init__(self,
                 sizes: Sequence[int],
                 interpolations: Sequence[str] = INTERPOLATIONS) -> None:
        super().__init__()

        def as_hw(size) -> Tuple[int, int]:
            hw = (size, size) if isinstance(size, (int, float)) else size
            if (len(hw) != 2 or any(int(v) != v or v <= 0 for v in hw)):
                raise ValueError(
                    f'sizes must be positive ints (squares) or (H, W) pairs'
                    f' of positive ints, got {sizes!r}')
            return int(hw[0]), int(hw[1])

        if not sizes:
            raise ValueError('sizes must not be empty')
        unknown = [m for m in interpolations if m not in INTERPOLATIONS]
        if not interpolations or unknown:
            raise ValueError(f'interpolations must be among '
                             f'{INTERPOLATIONS}, got {interpolations!r}')
        self.sizes = [as_hw(s) for s in sizes]
        self.interpolations = list(interpolations)

    def forward(
        self, inputs: Tensor, data_samples: List[DetDataSample]
    ) -> Tuple[Tensor, List[DetDataSample]]:
        """Resize a padded batch ``(B, 3, H, W)`` and its boxes.

        Args:
            inputs (Tensor): The normalized, padded batch.
            data_samples (list[DetDataSample]): Their samples.

        Returns:
            tuple: The resized batch and the updated samples.
        """
        out_h, out_w = random.choice(self.sizes)
        mode = random.choice(self.interpolations)
        kwargs = dict(align_corners=False) if mode in ('bilinear',
                                                       'bicubic') else {}
        out = []
        for img, sample in zip(inputs, data_samples):
            h, w = sample.img_shape[:2]
            out.append(
                F.interpolate(
                    img[None, :, :h, :w],
                    size=(out_h, out_w),
                    mode=mode,
                    **kwargs)[0])
            sx, sy = out_w / w, out_h / h
            for key in ('gt_instances', 'ignored_instances'):
                if key in sample and 'bboxes' in sample.get(key):
                    _rescale_(sample.get(key).bboxes, sx, sy)
            scale = sample.metainfo.get('scale_factor', (1.0, 1.0))
            sample.set_metainfo(
                dict(
                    img_shape=(out_h, out_w),
                    pad_shape=(out_h, out_w),
                    batch_input_shape=(out_h, out_w),
                    scale_factor=(scale[0] * sx, scale[1] * sy)))
        return torch.stack(out), data_samples
