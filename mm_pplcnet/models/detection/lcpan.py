"""LCPAN: PicoDet's path aggregation neck built from PP-LCNet blocks.

A port of PaddleDetection's ``ppdet/modeling/necks/lc_pan.py`` (the neck
of the current PP-PicoDet). Parameter names follow Paddle where PyTorch
allows, so that ``mm_pplcnet.converters.picodet`` maps weights one to one.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from ..layers import DepthwiseSeparable


def paddle_kaiming_(module: nn.Module, uniform: bool) -> None:
    """Re-initialize the convs in ``module`` as Paddle's Kaiming does.

    Paddle's ``KaimingNormal`` / ``KaimingUniform`` use the fan-in and the
    ReLU gain; mmcv's ``ConvModule`` default is a fan-out normal.

    Args:
        module (nn.Module): Module whose ``nn.Conv2d`` layers to set.
        uniform (bool): ``KaimingUniform`` (the CSP-PAN convs) rather than
            ``KaimingNormal`` (the LCNet blocks).
    """
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            if uniform:
                nn.init.kaiming_uniform_(
                    m.weight, mode='fan_in', nonlinearity='relu')
            else:
                nn.init.kaiming_normal_(
                    m.weight, mode='fan_in', nonlinearity='relu')
            if m.bias is not None:
                nn.init.zeros_(m.bias)


@MODELS.register_module()
class LCPAN(BaseModule):
    """Path aggregation network with PP-LCNet depthwise-separable blocks.

    Every input is first mapped to ``out_channels`` by a 1x1 conv + BN +
    act (``conv_t``). The top-down path upsamples (nearest, x2) the coarser
    map, concatenates it with the lateral and applies two LCNet blocks
    (``2C -> 2C -> C``); the bottom-up path downsamples the finer output
    with a stride-2 depthwise + pointwise module (``downsamples``),
    concatenates it with the top-down map and applies two LCNet blocks.
    With ``num_features`` one more than the inputs, an extra coarser level
    is the sum of two stride-2 modules, one on the last channel-transformed
    input (``first_top_conv``) and one on the last output
    (``second_top_conv``).

    Args:
        in_channels (Sequence[int]): Channels of the inputs, finest first.
        out_channels (int): Channels of every output.
        kernel_size (int): Kernel of the depthwise convs. Defaults to 5.
        num_features (int): Number of outputs: ``len(in_channels)`` or one
            more (the extra level). Defaults to 4.
        use_depthwise (bool): Depthwise + pointwise stride-2 modules (True,
            Paddle's ``DPModule``) or a dense conv (False). Defaults to
            True.
        upsample_cfg (dict): Config of ``nn.Upsample``. Defaults to
            nearest x2.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to HSwish.
        init_cfg (dict | list[dict], optional): Initialization config.
            None (the default) gives Paddle's initialization.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int,
                 kernel_size: int = 5,
                 num_features: int = 4,
                 use_depthwise: bool = True,
                 upsample_cfg: dict = dict(scale_factor=2, mode='nearest'),
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='HSwish'),
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        in_channels = list(in_channels)
        if not in_channels or not all(
                isinstance(c, int) and c > 0 for c in in_channels):
            raise ValueError(
                f'{type(self).__name__} in_channels must be a non-empty '
                f'list of positive ints, got {in_channels!r}')
        if num_features not in (len(in_channels), len(in_channels) + 1):
            raise ValueError(f'{type(self).__name__} num_features must be '
                             f'{len(in_channels)} (one output per input) or '
                             f'{len(in_channels) + 1} (an extra level), '
                             f'got {num_features}')
        if kernel_size % 2 != 1:
            raise ValueError(f'kernel_size must be odd, got {kernel_size}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_features = num_features
        c = out_channels
        common = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)

        def down_module() -> nn.Module:
            if use_depthwise:
                return DepthwiseSeparableConvModule(c, c, kernel_size, 2,
                                                    (kernel_size - 1) // 2,
                                                    **common)
            return ConvModule(c, c, kernel_size, 2, (kernel_size - 1) // 2,
                              **common)

        self.conv_t = nn.ModuleList(
            ConvModule(ch, c, 1, **common) for ch in in_channels)
        if num_features > len(in_channels):
            self.first_top_conv = down_module()
            self.second_top_conv = down_module()
        self.upsample = nn.Upsample(**upsample_cfg)
        num_levels = len(in_channels)
        self.top_down_blocks = nn.ModuleList(
            self._fuse_block(c, kernel_size, common)
            for _ in range(num_levels - 1))
        self.downsamples = nn.ModuleList(down_module()
                                         for _ in range(num_levels - 1))
        self.bottom_up_blocks = nn.ModuleList(
            self._fuse_block(c, kernel_size, common)
            for _ in range(num_levels - 1))

    def _fuse_block(self, channels: int, kernel_size: int,
                    common: dict) -> nn.Module:
        """The block that fuses two concatenated maps (``2C -> C``): two
        LCNet blocks, ``2C -> 2C -> C``.

        Args:
            channels (int): ``C``.
            kernel_size (int): Depthwise kernel size.
            common (dict): ``norm_cfg`` and ``act_cfg``.

        Returns:
            nn.Module: The block.
        """
        return nn.Sequential(
            DepthwiseSeparable(2 * channels, 2 * channels, kernel_size,
                               **common),
            DepthwiseSeparable(2 * channels, channels, kernel_size, **common))

    def init_weights(self) -> None:
        """Paddle's initialization: KaimingNormal (fan-in) in the LCNet
        blocks, KaimingUniform (fan-in) in the other convs, BN at 1 / 0."""
        super().init_weights()
        if self.init_cfg is not None:
            return
        for name, child in self.named_children():
            lcnet = name in ('top_down_blocks', 'bottom_up_blocks')
            paddle_kaiming_(child, uniform=not lcnet)

    def forward(self, inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor]:
        """Fuse the backbone features.

        Args:
            inputs (Sequence[Tensor]): Features, finest first, with
                ``in_channels`` channels.

        Returns:
            tuple[Tensor]: ``num_features`` maps of ``out_channels``
            channels, finest first.
        """
        if len(inputs) != len(self.in_channels):
            raise ValueError(
                f'{type(self).__name__} expects {len(self.in_channels)} '
                f'inputs, got {len(inputs)}')
        for i, (x, ch) in enumerate(zip(inputs, self.in_channels)):
            if x.shape[1] != ch:
                raise ValueError(
                    f'{type(self).__name__} input {i} has {x.shape[1]} '
                    f'channels but in_channels[{i}] is {ch}: set '
                    'neck.in_channels to the '
                    'backbone output widths')
        feats = [conv(x) for conv, x in zip(self.conv_t, inputs)]
        num_levels = len(feats)

        # top-down: inner[i] fuses level i with the coarser inner[i + 1]
        inner = [feats[-1]]
        for idx in range(num_levels - 1, 0, -1):
            up = self.upsample(inner[0])
            if up.shape[-2:] != feats[idx - 1].shape[-2:]:
                raise ValueError(
                    f'{type(self).__name__}: level {idx} upsampled to '
                    f'{tuple(up.shape[-2:])} does not match level '
                    f'{idx - 1} of size {tuple(feats[idx - 1].shape[-2:])}; '
                    'pad the input '
                    'images to a multiple of 32 (pad_size_divisor=32)')
            block = self.top_down_blocks[num_levels - 1 - idx]
            inner.insert(0, block(torch.cat([up, feats[idx - 1]], 1)))

        # bottom-up
        outs = [inner[0]]
        for idx in range(num_levels - 1):
            down = self.downsamples[idx](outs[-1])
            outs.append(self.bottom_up_blocks[idx](torch.cat(
                [down, inner[idx + 1]], 1)))

        if self.num_features > num_levels:
            outs.append(
                self.first_top_conv(feats[-1])
                + self.second_top_conv(outs[-1]))
        return tuple(outs)
