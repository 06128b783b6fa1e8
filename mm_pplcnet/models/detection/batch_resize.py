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
    """Stretch every image of a batch to one random square size.

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
        sizes (Sequence[int]): Candidate square sizes (multiples of 32).
        interpolations (Sequence[str]): Candidate ``F.interpolate`` modes.
            Defaults to nearest, bilinear, bicubic and area.
    """

    def __init__(self,
                 sizes: Sequence[int],
                 interpolations: Sequence[str] = INTERPOLATIONS) -> None:
        super().__init__()
        if not sizes or any(int(s) <= 0 for s in sizes):
            raise ValueError(f'sizes must be positive ints, got {sizes!r}')
        unknown = [m for m in interpolations if m not in INTERPOLATIONS]
        if not interpolations or unknown:
            raise ValueError(f'interpolations must be among '
                             f'{INTERPOLATIONS}, got {interpolations!r}')
        self.sizes = [int(s) for s in sizes]
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
        size = random.choice(self.sizes)
        mode = random.choice(self.interpolations)
        kwargs = dict(align_corners=False) if mode in ('bilinear',
                                                       'bicubic') else {}
        out = []
        for img, sample in zip(inputs, data_samples):
            h, w = sample.img_shape[:2]
            out.append(
                F.interpolate(
                    img[None, :, :h, :w],
                    size=(size, size),
                    mode=mode,
                    **kwargs)[0])
            sx, sy = size / w, size / h
            for key in ('gt_instances', 'ignored_instances'):
                if key in sample and 'bboxes' in sample.get(key):
                    _rescale_(sample.get(key).bboxes, sx, sy)
            scale = sample.metainfo.get('scale_factor', (1.0, 1.0))
            sample.set_metainfo(
                dict(
                    img_shape=(size, size),
                    pad_shape=(size, size),
                    batch_input_shape=(size, size),
                    scale_factor=(scale[0] * sx, scale[1] * sy)))
        return torch.stack(out), data_samples
