"""PaddleClas' MobileNetV3, exactly (not torchvision's nor timm's).

A port of PaddleClas' ``legendary_models/mobilenet_v3.py``: every width,
including the expansion widths, is ``make_divisible(c * scale)``, every
block has its 1x1 expansion conv, the SE gate is a hardsigmoid of slope
0.2. Same parameters as Paddle's network, so its ImageNet weights convert
one to one (:mod:`mm_pplcnet.converters.mobilenet_v3`). This module
imports only torch, mmengine and mmcv.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.registry import MODELS
from torch import nn

from ..layers import HSIGMOID_SLOPE_0_2, InvertedResidual, make_divisible
from .base import PaddleBackbone, check_flag, is_odd_kernel, is_positive_int

# [kernel_size, mid_channels, out_channels, use_se, act, stride]
Block = Sequence
# activation names of Paddle's table
BLOCK_ACTS = {'relu': dict(type='ReLU'), 'hardswish': dict(type='HSwish')}


def block_act_cfg(act) -> Optional[dict]:
    """Activation config of a table entry.

    Args:
        act (str | dict): A name of ``BLOCK_ACTS`` ('relu', 'hardswish')
            or an activation config dict (with a ``type``).

    Returns:
        dict | None: A new config dict; None if ``act`` is neither.
    """
    if isinstance(act, str):
        act = BLOCK_ACTS.get(act)
    if isinstance(act, dict) and 'type' in act:
        return dict(act)
    return None


@MODELS.register_module()
class PaddleMobileNetV3(PaddleBackbone):
    """MobileNetV3 as PaddleClas builds it.

    The network is Paddle's ``conv`` (3x3 stride-2 stem, BN, hardswish),
    ``blocks`` (inverted residuals) and ``last_second_conv`` (1x1 conv to
    ``make_divisible(960 * scale)`` for large, ``576`` for small, BN,
    hardswish). Parameter names are Paddle's. ``out_indices`` and
    ``frozen_stages`` count five stages, each ending where the resolution
    halves next (channels at scale 1.0):

    =====  ======  =================================  ==================
    index  stride  large: Paddle modules (channels)   small: (channels)
    =====  ======  =================================  ==================
    0      2       conv, blocks[0] (16)               conv (16)
    1      4       blocks[1:3] (24)                   blocks[0] (16)
    2      8       blocks[3:6] (40)                   blocks[1:3] (24)
    3      16      blocks[6:12] (112)                 blocks[3:8] (48)
    4      32      blocks[12:15], last_second_conv    blocks[8:11],
                   (960)                              last_second_conv
                                                      (576)
    =====  ======  =================================  ==================

    For large these are Paddle's ``stages_pattern`` (``blocks[0]``,
    ``[2]``, ``[5]``, ``[11]``, ``[14]``) with ``last_second_conv`` added
    to the last stage. Paddle's classification head after it (pool, 1x1
    conv to 1280, hardswish, dropout, linear) is ``PPLCNetClsHead``.

    It is registered in mmengine's root ``MODELS`` registry as
    ``PaddleMobileNetV3`` (not ``MobileNetV3``, which mmpretrain and mmseg
    use for their own, different networks).

    Args:
        arch (str | list): ``'large'``, ``'small'`` or a custom table: one
            list per stage of blocks ``[kernel_size, mid_channels,
            out_channels, use_se, act, stride]`` with channels before
            scaling and ``act`` ``'relu'``, ``'hardswish'`` or an
            activation config. Stage 0 (with the stem) may be empty.
            Defaults to 'large'.
        scale (float | str): Width multiplier; every width is
            ``make_divisible(c * scale, 8)``. Published: 0.35, 0.5, 0.75,
            1.0, 1.25. Defaults to 1.0.
        stem_channels (int): Stem width before scaling. Defaults to 16.
        last_channels (int, optional): Width of ``last_second_conv``
            before scaling (Paddle's ``class_squeeze``). None gives six
            times the last block's width: 960 for large, 576 for small.
        with_last_conv (bool): Build ``last_second_conv`` at the end of
            stage 4 (as the classifier does). PaddleDetection's PicoDet
            and SSDLite take the last block's output instead (160 x scale
            for large): set False; ImageNet checkpoints then load with
            their ``last_second_conv`` weights skipped. Defaults to True.
        out_indices (Sequence[int]): Stages whose outputs are returned
            (negative indices count from the end). Defaults to ``(4, )``.
        frozen_stages (int): Freeze (no gradient, BN in eval mode) the stem
            and the stages with index below this; -1 freezes nothing, 0
            the stem conv only. Defaults to -1.
        strides (Sequence[int], optional): Stride of each stage: of the
            stem for stage 0, of the first block for the others,
            overriding the table (use 1 with ``dilations`` for
            segmentation). None keeps ``(2, 2, 2, 2, 2)``. Defaults to
            None.
        dilations (Sequence[int], optional): Dilation of the depthwise
            convs of each stage. Output stride 8 is
            ``strides=(2, 2, 2, 1, 1), dilations=(1, 1, 1, 2, 4)``, 16 is
            ``strides=(2, 2, 2, 2, 1), dilations=(1, 1, 1, 1, 2)``.
            Defaults to no dilation. A block whose stride the table sets
            to 2 never gets a residual, so dilated networks take the same
            weights and compute the same function at a finer resolution.
        se_ratio (int): Squeeze ratio of the SE layers. Defaults to 4.
        se_act_cfg (Sequence[dict]): SE activation and gate. Defaults to
            ReLU and Paddle's hardsigmoid of slope 0.2, offset 0.5.
        conv_cfg (dict, optional): Convolution config. Defaults to None.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation of the stem and of
            ``last_second_conv``; the blocks take theirs from the table.
            Defaults to HSwish.
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

    # [kernel_size, mid_channels, out_channels, use_se, act, stride] per
    # block, before scaling (PaddleClas' NET_CONFIG), split into stages.
    arch_settings = {
        'large': [
            [[3, 16, 16, False, 'relu', 1]],
            [[3, 64, 24, False, 'relu', 2], [3, 72, 24, False, 'relu', 1]],
            [[5, 72, 40, True, 'relu', 2], [5, 120, 40, True, 'relu', 1],
             [5, 120, 40, True, 'relu', 1]],
            [[3, 240, 80, False, 'hardswish', 2],
             [3, 200, 80, False, 'hardswish', 1],
             [3, 184, 80, False, 'hardswish', 1],
             [3, 184, 80, False, 'hardswish', 1],
             [3, 480, 112, True, 'hardswish', 1],
             [3, 672, 112, True, 'hardswish', 1]],
            [[5, 672, 160, True, 'hardswish', 2],
             [5, 960, 160, True, 'hardswish', 1],
             [5, 960, 160, True, 'hardswish', 1]],
        ],
        'small': [
            [],
            [[3, 16, 16, True, 'relu', 2]],
            [[3, 72, 24, False, 'relu', 2], [3, 88, 24, False, 'relu', 1]],
            [[5, 96, 40, True, 'hardswish', 2],
             [5, 240, 40, True, 'hardswish', 1],
             [5, 240, 40, True, 'hardswish', 1],
             [5, 120, 48, True, 'hardswish', 1],
             [5, 144, 48, True, 'hardswish', 1]],
            [[5, 288, 96, True, 'hardswish', 2],
             [5, 576, 96, True, 'hardswish', 1],
             [5, 576, 96, True, 'hardswish', 1]],
        ],
    }
    block_doc = ('[kernel_size (odd int), mid_channels (positive int), '
                 'out_channels (positive int), use_se (bool), act '
                 "('relu', 'hardswish' or a config dict), stride (1 or 2)]")
    empty_first_stage = True

    def __init__(self,
                 arch: Union[str, List[List[Block]]] = 'large',
                 scale: Union[float, str] = 1.0,
                 stem_channels: int = 16,
                 last_channels: Optional[int] = None,
                 with_last_conv: bool = True,
                 out_indices: Sequence[int] = (4, ),
                 frozen_stages: int = -1,
                 strides: Optional[Sequence[int]] = None,
                 dilations: Optional[Sequence[int]] = None,
                 se_ratio: int = 4,
                 se_act_cfg: Sequence[dict] = (dict(type='ReLU'),
                                               HSIGMOID_SLOPE_0_2),
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
        if last_channels is None:
            last_channels = 6 * self.arch[-1][-1][2]
        if not is_positive_int(last_channels):
            raise ValueError('last_channels must be a positive int or None, '
                             f'got {last_channels!r}')

        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.stem_channels = make_divisible(stem_channels * self.scale)
        self.conv = ConvModule(
            3,
            self.stem_channels,
            3,
            stride=self.strides[0],
            padding=1,
            act_cfg=act_cfg,
            **common)
        se_cfg = dict(ratio=se_ratio, act_cfg=se_act_cfg)
        blocks: List[nn.Module] = []
        self.stage_blocks: List[Tuple[int, int]] = []
        self.out_channels: List[int] = []
        in_channels = self.stem_channels
        for i, stage in enumerate(self.arch):
            start = len(blocks)
            for j, (kernel_size, mid, out, use_se, act,
                    stride) in enumerate(stage):
                out_channels = make_divisible(out * self.scale)
                actual = self.strides[i] if j == 0 and i > 0 else stride
                blocks.append(
                    InvertedResidual(
                        in_channels,
                        make_divisible(mid * self.scale),
                        out_channels,
                        kernel_size,
                        stride=actual,
                        dilation=self.dilations[i],
                        se_cfg=se_cfg if use_se else None,
                        residual=(stride == actual == 1
                                  and in_channels == out_channels),
                        act_cfg=block_act_cfg(act),
                        with_cp=with_cp,
                        **common))
                in_channels = out_channels
            self.stage_blocks.append((start, len(blocks)))
            self.out_channels.append(in_channels)
        self.blocks = nn.Sequential(*blocks)
        self.with_last_conv = check_flag('with_last_conv', with_last_conv)
        self.last_second_conv = None
        if with_last_conv:
            self.last_channels = make_divisible(last_channels * self.scale)
            self.last_second_conv = ConvModule(
                in_channels, self.last_channels, 1, act_cfg=act_cfg, **common)
            self.out_channels[-1] = self.last_channels
        self._freeze_stages()

    def _unused_pretrained_keys(self) -> Sequence[str]:
        # ImageNet checkpoints hold last_second_conv; detection necks that
        # take the last block's output (PicoDet) leave it out
        return () if self.with_last_conv else ('last_second_conv.', )

    @staticmethod
    def _block_ok(block) -> bool:
        if not (isinstance(block, (list, tuple)) and len(block) == 6):
            return False
        kernel_size, mid, out, use_se, act, stride = block
        return (is_odd_kernel(kernel_size) and is_positive_int(mid)
                and is_positive_int(out) and isinstance(use_se, (bool, int))
                and block_act_cfg(act) is not None and stride in (1, 2)
                and not isinstance(stride, bool))

    def _default_strides(self) -> List[int]:
        # stage 0: the stem; then the first block of each stage
        return [2] + [stage[0][5] for stage in self.arch[1:]]

    def _stages_doc(self) -> str:
        return 'strides 2, 4, 8, 16, 32 for small and large'

    # ---------------------------------------------------------- contract
    def stage_strides(self) -> List[int]:
        """Output stride of every stage (2, 4, 8, 16, 32 by default)."""
        total, out = 1, []
        for i, stage in enumerate(self.arch):
            total *= self.strides[i]
            for block in stage[0 if i == 0 else 1:]:
                total *= block[5]
            out.append(total)
        return out

    def _stage_modules(self, index: int) -> List[nn.Module]:
        start, end = self.stage_blocks[index]
        modules = [self.blocks[k] for k in range(start, end)]
        if index == len(self.stage_blocks) - 1 and self.with_last_conv:
            modules.append(self.last_second_conv)
        return modules

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the outputs of the stages in ``out_indices``.

        Args:
            x (torch.Tensor): Batch of RGB images, (N, 3, H, W).

        Returns:
            tuple[torch.Tensor]: One feature map per index of
            ``out_indices``, in increasing order.
        """
        self._check_input(x)
        x = self.conv(x)
        outs = []
        for i in range(len(self.stage_blocks)):
            for module in self._stage_modules(i):
                x = module(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _frozen_modules(self) -> List[nn.Module]:
        """The stem and the stages below ``frozen_stages``."""
        return [self.conv] + [
            m for i in range(self.frozen_stages)
            for m in self._stage_modules(i)
        ]
