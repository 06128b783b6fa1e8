"""PP-LCNet: A Lightweight CPU Convolutional Neural Network.

A faithful port of PaddleClas' ``legendary_models/pp_lcnet.py``
(arXiv 2109.15099): same widths, same parameters, weights that convert
one to one (see ``mm_pplcnet.converters``). This module imports only
torch, mmengine and mmcv.
"""
import re
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ...utils.checkpoint import load_pretrained_strict
from ..layers import HSIGMOID_SLOPE_1_6, DepthwiseSeparable, make_divisible

Block = Sequence  # [kernel_size, out_channels, stride, use_se]


def parse_scale(scale: Union[int, float, str]) -> float:
    """Read a width multiplier given as a number or a Paddle-style name.

    Args:
        scale (int | float | str): ``1.0``, ``'1.0'``, ``'x1_0'``,
            ``'x1.0'`` or ``'1.0x'``.

    Returns:
        float: The positive multiplier.
    """
    value = None
    if isinstance(scale, (int, float)) and not isinstance(scale, bool):
        value = float(scale)
    elif isinstance(scale, str):
        match = re.fullmatch(r'x?(\d+)(?:[._](\d+))?x?', scale.strip())
        if match:
            value = float(f'{match[1]}.{match[2] or 0}')
    if value is None or not value > 0:
        raise ValueError(
            f'unknown scale {scale!r}: give a positive width multiplier '
            "such as 0.5 or 1.0, or a Paddle-style name such as 'x0_5'.")
    return value


@MODELS.register_module()
class PPLCNet(BaseModule):
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
            the network exactly.
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
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.scale = parse_scale(scale)
        self.arch = self._check_arch(arch)
        num_stages = len(self.arch)
        self.out_indices = self._check_out_indices(out_indices, num_stages)
        if not (isinstance(frozen_stages, int)
                and -1 <= frozen_stages <= num_stages):
            raise ValueError(
                f'frozen_stages must be an integer from -1 (freeze nothing) '
                f'to {num_stages} (freeze everything), got {frozen_stages!r}')
        self.frozen_stages = frozen_stages
        self.strides = self._check_per_stage(
            'strides', strides, [stage[0][2] for stage in self.arch], (1, 2))
        self.dilations = self._check_per_stage('dilations', dilations,
                                               [1] * num_stages)
        self.norm_eval = norm_eval
        self.with_cp = with_cp

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
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg,
                        with_cp=with_cp))
                in_channels = out_channels
            name = f'blocks{i + 2}'
            self.add_module(name, nn.Sequential(*blocks))
            self.stage_names.append(name)
            self.out_channels.append(in_channels)
        self._freeze_stages()

    # ------------------------------------------------------------ checks
    def _check_arch(self, arch) -> List[List[list]]:
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise ValueError(
                    f'unknown arch {arch!r}; choose one of '
                    f'{sorted(self.arch_settings)} or give a table (a list '
                    'per stage of [kernel_size, out_channels, stride, '
                    'use_se] blocks)')
            arch = self.arch_settings[arch]
        if not (isinstance(arch, (list, tuple)) and arch):
            raise TypeError(f'arch must be a name or a non-empty list of '
                            f'stages, got {type(arch).__name__}')
        table = []
        for i, stage in enumerate(arch):
            if not (isinstance(stage, (list, tuple)) and stage):
                raise ValueError(f'arch stage {i} must be a non-empty list '
                                 f'of blocks, got {stage!r}')
            rows = []
            for j, block in enumerate(stage):
                ok = (
                    isinstance(block, (list, tuple)) and len(block) == 4
                    and isinstance(block[0], int) and block[0] % 2 == 1
                    and block[0] > 0 and isinstance(block[1], int)
                    and block[1] > 0 and block[2] in (1, 2)
                    and isinstance(block[3], (bool, int)))
                if not ok:
                    raise ValueError(
                        f'arch stage {i} block {j} is {block!r}; each block '
                        'must be [kernel_size (odd int), out_channels '
                        '(positive int), stride (1 or 2), use_se (bool)]')
                rows.append(list(block))  # copy: never touch the table
            table.append(rows)
        return table

    @staticmethod
    def _check_out_indices(out_indices, num_stages: int) -> Tuple[int, ...]:
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        if not (isinstance(out_indices, (list, tuple)) and out_indices):
            raise TypeError('out_indices must be a non-empty sequence of '
                            f'ints, got {out_indices!r}')
        result = []
        for index in out_indices:
            if not (isinstance(index, int)
                    and -num_stages <= index < num_stages):
                raise ValueError(
                    f'out_indices {tuple(out_indices)} has {index!r} out of '
                    f'range: this network has {num_stages} stages, indices '
                    f'0..{num_stages - 1} (blocks2..blocks{num_stages + 1}, '
                    'strides 2, 4, 8, 16, 32 by default) or negative ones '
                    'from the end')
            result.append(index % num_stages)
        if len(set(result)) != len(result):
            raise ValueError(f'out_indices {tuple(out_indices)} names a '
                             'stage twice')
        return tuple(sorted(result))

    @staticmethod
    def _check_per_stage(name, values, default, allowed=None) -> List[int]:
        if values is None:
            return list(default)
        values = list(values)
        if len(values) != len(default):
            raise ValueError(f'{name} needs one value per stage '
                             f'({len(default)}), got {values}')
        for v in values:
            if not isinstance(v, int) or v < 1 or (allowed
                                                   and v not in allowed):
                raise ValueError(
                    f'{name} {values} has {v!r}; allowed: '
                    f'{allowed if allowed else "positive integers"}')
        return values

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

    def init_weights(self) -> None:
        """Initialize weights; ``Pretrained`` init_cfg loads strictly."""
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            load_pretrained_strict(
                self,
                cfg['checkpoint'],
                prefix=cfg.get('prefix'),
                map_location=cfg.get('map_location', 'cpu'))
            self._is_init = True
            return
        super().init_weights()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the outputs of the stages in ``out_indices``."""
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.stage_names):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        modules = [self.conv1] + [
            getattr(self, name)
            for name in self.stage_names[:self.frozen_stages]
        ]
        for module in modules:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'PPLCNet':
        """Set train mode, keeping frozen stages and ``norm_eval`` BNs in
        eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
