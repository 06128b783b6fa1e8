"""PicoDet network jobs with a Paddle Inference reference row.

Our PicoDet (mmdet) and paddledet's own PicoDet of the same config, both
up to the raw head outputs (per level the class probabilities and the box
distributions, flattened and concatenated in the same order), so that the
``paddle-inference`` row runs PaddleDetection's network on Paddle's
MKLDNN executor next to our backends. Weights are random; the Paddle row
is checked against our model holding the Paddle network's converted
weights.

What the reference had to change: Paddle 3.3.1's oneDNN executor fails on
any ``nearest_interp`` op (``ConvertPirAttribute2RuntimeAttribute not
support [pir::ArrayAttribute<pir::DoubleAttribute>]``), which LCPAN's
nearest x2 upsample is; :class:`TileUpsample2x` gives the same values with
reshape + tile, and replaces ``neck.upsample`` in the reference network.
"""
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from .runner import Job

_REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# the PicoDet-S-416 target: our fastest backend / Paddle Inference
PICODET_RATIO_MODEL, PICODET_RATIO_MAX = 'PicoDet-S-416', 0.7
# name -> (config, LCNet scale, channels, tower convs)
PICODET_JOBS = {
    'PicoDet-S-416':
    ('configs/picodet/picodet-s_lcnet_416_coco.py', 0.75, 96, 2),
    'PicoDet-XS-416':
    ('configs/picodet/picodet-xs_lcnet_416_coco.py', 0.35, 96, 2),
}


class PicoNetwork(nn.Module):
    """Our PicoDet up to the raw head outputs, as one flat tensor.

    Args:
        model (nn.Module): An mmdet PicoDet (PicoHeadV2).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per level class probabilities then distributions, flattened.

        Args:
            x (torch.Tensor): ``(N, 3, H, W)`` images.

        Returns:
            torch.Tensor: 1-D concatenation.
        """
        scores, dists = self.model.bbox_head(self.model.extract_feat(x))
        flat = []
        for s, d in zip(scores, dists):
            flat += [s.reshape(-1), d.reshape(-1)]
        return torch.cat(flat)


def _paddle_network(det):
    """paddledet's PicoDet up to the raw head outputs (a Paddle Layer),
    its nearest upsample replaced by reshape + tile."""
    import paddle
    import paddle.nn.functional as F

    class TileUpsample2x(paddle.nn.Layer):
        """Nearest x2 upsample as reshape + tile (same values)."""

        def forward(self, x):
            n, c, h, w = x.shape
            x = x.reshape([n, c, h, 1, w, 1]).tile([1, 1, 1, 2, 1, 2])
            return x.reshape([n, c, h * 2, w * 2])

    class Network(paddle.nn.Layer):

        def __init__(self, det):
            super().__init__()
            self.det = det
            det.neck.upsample = TileUpsample2x()

        def forward(self, x):
            feats = self.det.neck(self.det.backbone({'image': x}))
            head = self.det.head
            flat = []
            for i, feat in enumerate(feats):
                cls_feat, se_feat = head.conv_feat(feat, i)
                score = F.sigmoid(head.head_cls_list[i](se_feat))
                if head.use_align_head:
                    align = F.sigmoid(head.cls_align[i](cls_feat))
                    score = (score * align + 1e-9).sqrt()
                flat += [
                    score.flatten(), head.head_reg_list[i](se_feat).flatten()
                ]
            return paddle.concat(flat)

    return Network(det)


def picodet_job(name: str, size: int = 416) -> Job:
    """One PicoDet network job with its Paddle reference.

    Args:
        name (str): A key of ``PICODET_JOBS``.
        size (int): Input side. Defaults to 416.

    Returns:
        Job: The job (family 'PicoDet').
    """
    from ..converters.picodet import paddle_picodet_to_mm
    from ..reference import paddle as paddle_ref
    from .config_jobs import build_config_model
    config, scale, channels, convs = PICODET_JOBS[name]
    config = osp.join(_REPO, config)

    def build() -> nn.Module:
        return PicoNetwork(build_config_model(config)[0]).eval()

    def paddle_build():
        det = paddle_ref.build_ppdet_picodet(scale, channels, convs)
        calib = np.random.default_rng(0).standard_normal(
            (2, 3, size, size)).astype('f4')
        paddle_ref.randomize_ppdet_picodet_(det, calib, seed=7)
        return _paddle_network(det)

    def to_torch(network) -> nn.Module:
        model = build_config_model(config)[0]
        model.load_state_dict(
            paddle_picodet_to_mm(paddle_ref.state_dict_numpy(network.det)))
        return PicoNetwork(model).eval()

    return Job(
        name=name,
        family='PicoDet',
        build=build,
        input_shape=(1, 3, size, size),
        paddle_build=paddle_build,
        paddle_to_torch=to_torch,
        extra=dict(config=config, part='network'))


def picodet_jobs(models: Optional[Sequence[str]] = None) -> List[Job]:
    """PicoDet jobs whose name contains one of ``models`` (none without).

    Args:
        models (Sequence[str], optional): Name filters.

    Returns:
        list[Job]: The jobs.
    """
    if not models:
        return []
    return [
        picodet_job(n) for n in PICODET_JOBS if any(m in n for m in models)
    ]
