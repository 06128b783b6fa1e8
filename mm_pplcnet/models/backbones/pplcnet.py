"""PP-LCNet: A Lightweight CPU Convolutional Neural Network.

A faithful port of PaddleClas' ``legendary_models/pp_lcnet.py``
(arXiv 2109.15099): same widths, same parameters, weights that convert
one to one (see ``mm_pplcnet.converters``). This module imports only
torch, mmengine and mmcv.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.registry import MODELS
from torch import nn

from ..layers import HSIGMOID_SLOPE_1_6, DepthwiseSeparable, make_divisible
from .base import parse_scale  # noqa: F401 (imported from here before)
from .base import PaddleBackbone, is_odd_kernel, is_positive_int

Block = Sequence  # [kernel_size, out_channels, stride, use_se]


@MODELS.register_module()
class PPLCNet(PaddleBackbone):
    """PP-LCNet backbone.

    The network is a 3x3 stride-2 stem followed by five stages of
    depthwise-separable blocks (PaddleClas' ``blocks2`` ... ``blocks6``).
    Stage ``i`` of ``out_indices`` / ``frozen_stages`` is ``blocks{i+2}``:

    ======  ========  ======  =========================================
    index   name      stride  channels at scale 1.0 (``make_divisible``)
    ======  ========  ======  =========================================
    0       blocks2   2       32
    1       blocks3   4       64
    2       blocks4   8       128
    3       blocks5   16      256
    4       blocks6   32      512
    ======  ========  ======  =========================================

    It is registered in mmengine's root ``MODELS`` registry, so
    ``dict(type='PPLCNet')`` builds under the default scopes of mmdet,
    mmseg and mmpretrain once ``mm_pplcnet`` is imported.

    Args:
        scale (float | str): Width multiplier; every width is
            ``make_divisible(c * scale, 8)``. Published: 0.25, 0.35, 0.5,
            0.75, 1.0, 1.5, 2.0, 2.5. Defaults to 1.0.
        arch (str | list): ``'default'`` (the paper's network) or a custom
            table: one list per stage of blocks
            ``[kernel_size, out_channels, stride, use_se]`` with channels
            before scaling, for the paper's ablations (SE or 5x5 kernels
            elsewhere). Defaults to 'default'.
        stem_channels (int): Stem width before scaling. Defaults to 16.
        out_indices (Sequence[int]): Stages whose outputs are returned
            (negative indices count from the end). Defaults to ``(4, )``.
        frozen_stages (int): Freeze (no gradient, BN in eval mode) the stem
            and the stages with index below this; -1 freezes nothing, 0
            the stem only. Defaults to -1.
        strides (Sequence[int], optional): Stride of the first block of
            each stage, overriding the table (use 1 with ``dilations`` for
            segmentation). None keeps the table's. Defaults to None.
        dilations (Sequence[int], optional): Dilation of the depthwise
            convs of each stage. Output stride 8 is
            ``strides=(1, 2, 2, 1, 1), dilations=(1, 1, 1, 2, 4)``, 16 is
            ``strides=(1, 2, 2, 2, 1), dilations=(1, 1, 1, 1, 2)``.
            Defaults to no dilation.
        se_ratio (int): Squeeze ratio of the SE layers. Defaults to 4.
        se_act_cfg (Sequence[dict]): SE activation and gate. Defaults to
            ReLU and the hardsigmoid of slope 1/6.
        conv_cfg (dict, optional): Convolution config. Defaults to None.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to HSwish.
        norm_eval (bool): Keep BN layers in eval mode (frozen statistics)
            during training. Defaults to False.
        with_cp (bool): Gradient checkpointing in every block. Defaults to
            False.
        init_cfg (dict | list[dict], optional): Initialization config.
            ``dict(type='Pretrained', checkpoint=..., prefix=...)`` loads
            weights and raises an error listing the keys unless they match
            the network exactly; ``strict=False`` in it loads what fits
            and lists the rest in a warning.
        pretrained (str, optional): mmseg's model-level ``pretrained``
            (checkpoint of the backbone alone), the same as
            ``init_cfg=dict(type='Pretrained', checkpoint=pretrained)``.
    """

    # [kernel_size, out_channels, stride, use_se] per block, before scaling;
    # one list per stage: blocks2 ... blocks6 of PaddleClas.
    arch_settings = {
        'default': [
            [[3, 32, 1, False]],
            [[3, 64, 2, False], [3, 64, 1, False]],
            [[3, 128, 2, False], [3, 128, 1, False]],
            [[3, 256, 2, False]] + [[5, 256, 1, False]] * 5,
            [[5, 512, 2, True], [5, 512, 1, True]],
        ]
    }
    block_doc = ('[kernel_size (odd int), out_channels (positive int), '
                 'stride (1 or 2), use_se (bool)]')

    def __init__(self,
                 scale: Union[float, str] = 1.0,
                 arch: Union[str, List[List[Block]]] = 'default',
                 stem_channels: int = 16,
                 out_indices: Sequence[int] = (4, ),
                 frozen_stages: int = -1,
                 strides: Optional[Sequence[int]] = None,
                 dilations: Optional[Sequence[int]] = None,
                 se_ratio: int = 4,
                 se_act_cfg: Sequence[dict] = (dict(type='ReLU'),
                                               HSIGMOID_SLOPE_1_6),
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='HSwish'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None,
                 pretrained: Optional[str] = None) -> None:
        super().__init__(
            init_cfg=self._pretrained_to_init_cfg(pretrained, init_cfg))
        self._setup(scale, arch, out_indices, frozen_stages, strides,
                    dilations, norm_eval, with_cp)
        if not is_positive_int(stem_channels):
            raise ValueError('stem_channels must be a positive int, got '
                             f'{stem_channels!r}')

        self.stem_channels = make_divisible(stem_channels * self.scale)
        self.conv1 = ConvModule(
            3,
            self.stem_channels,
            3,
            stride=2,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        se_cfg = dict(ratio=se_ratio, act_cfg=se_act_cfg)
        self.stage_names: List[str] = []
        self.out_channels: List[int] = []
        in_channels = self.stem_channels
        for i, stage in enumerate(self.arch):
            blocks = []
            for j, (kernel_size, channels, stride, use_se) in enumerate(stage):
                out_channels = make_divisible(channels * self.scale)
                blocks.append(
                    DepthwiseSeparable(
                        in_channels,
                        out_channels,
                        kernel_size,
                        stride=self.strides[i] if j == 0 else stride,
                        dilation=self.dilations[i],
                        se_cfg=se_cfg if use_se else None,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg,
                        with_cp=with_cp))
                in_channels = out_channels
            name = f'blocks{i + 2}'
            self.add_module(name, nn.Sequential(*blocks))
            self.stage_names.append(name)
            self.out_channels.append(in_channels)
        self._freeze_stages()

    @staticmethod
    def _block_ok(block) -> bool:
        return (isinstance(block, (list, tuple)) and len(block) == 4
                and is_odd_kernel(block[0]) and is_positive_int(block[1])
                and block[2] in (1, 2) and not isinstance(block[2], bool)
                and isinstance(block[3], (bool, int)))

    def _default_strides(self) -> List[int]:
        return [stage[0][2] for stage in self.arch]

    def _stages_doc(self) -> str:
        return (f'blocks2..blocks{len(self.arch) + 1}, strides 2, 4, 8, 16, '
                '32 by default')

    # ---------------------------------------------------------- contract
    def stage_strides(self) -> List[int]:
        """Output stride of every stage (2, 4, 8, 16, 32 by default)."""
        total, out = 2, []
        for i, stage in enumerate(self.arch):
            total *= self.strides[i]
            for block in stage[1:]:
                total *= block[2]
            out.append(total)
        return out

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the outputs of the stages in ``out_indices``.

        Args:
            x (torch.Tensor): Batch of RGB images, (N, 3, H, W).

        Returns:
            tuple[torch.Tensor]: One feature map per index of
            ``out_indices``, in increasing order.
        """
        self._check_input(x)
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.stage_names):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _frozen_modules(self) -> List[nn.Module]:
        """The stem and the stages below ``frozen_stages``."""
        return [self.conv1] + [
            getattr(self, name)
            for name in self.stage_names[:self.frozen_stages]
        ]
