"""mmdet parts of PP-PicoDet (import needs mmdet).

Importing this package registers, in mmdet's registries, the LCPAN and
CSPPAN necks, the PicoHeadV2 and (legacy) PicoHead heads, Paddle's
assigners (ATSS, task-aligned, SimOTA), the varifocal loss on
probabilities, Paddle's EMA, the per-batch random resize and Paddle's
training transforms (``mm_pplcnet.datasets.transforms``); the PPLCNet
backbone comes from ``mm_pplcnet`` (mmengine's root registry, visible from
mmdet). Configs pull it in with
``custom_imports=dict(imports=['mm_pplcnet.models.detection'])``.
"""
import mmdet  # noqa: F401 (fails early and clearly without mmdet)

import mm_pplcnet  # noqa: F401 (backbones, checkpoint loading)
from mm_pplcnet.datasets import transforms  # noqa: F401 (Paddle's transforms)
from .assigners import (PaddleATSSAssigner, PaddleSimOTAAssigner,
                        PaddleTaskAlignedAssigner)
from .batch_resize import PicoBatchRandomResize
from .csp_pan import CSPPAN, CSPBlock, DepthwiseBottleneck
from .ema import PaddleEMA
from .lcpan import LCPAN
from .losses import ProbVarifocalLoss
from .pico_head import PicoHead
from .pico_head_v2 import PicoFeat, PicoHeadV2, PicoSE

__all__ = [
    'LCPAN', 'CSPPAN', 'CSPBlock', 'DepthwiseBottleneck', 'PicoHeadV2',
    'PicoHead', 'PicoFeat', 'PicoSE', 'PaddleATSSAssigner',
    'PaddleTaskAlignedAssigner', 'PaddleSimOTAAssigner', 'ProbVarifocalLoss',
    'PaddleEMA', 'PicoBatchRandomResize'
]
