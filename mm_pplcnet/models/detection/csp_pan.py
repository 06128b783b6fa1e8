"""CSP-PAN: the neck of the legacy (2021) PP-PicoDet.

A port of PaddleDetection's ``ppdet/modeling/necks/csp_pan.py``. It is
:class:`LCPAN` with CSP blocks instead of pairs of LCNet blocks fusing the
concatenated maps (LCPAN was derived from it), so the two share the
channel transform, the paths and the extra level. Parameter names follow
Paddle (``main_conv``, ``short_conv``, ``final_conv``, ``blocks``), so
that ``mm_pplcnet.converters.picodet`` maps weights one to one.
"""
from typing import List, Optional, Union

import torch
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from .lcpan import LCPAN, paddle_kaiming_


class DepthwiseBottleneck(BaseModule):
    """CSP-PAN's bottleneck: 1x1 conv + BN + act, then a depthwise
    ``kernel_size`` conv + BN + act and a pointwise conv + BN + act
    (Paddle's ``DarknetBottleneck`` with ``use_depthwise=True``), without
    the identity (PicoDet's ``add_identity=False``) unless asked.

    Args:
        channels (int): Input, hidden and output channels.
        kernel_size (int): Depthwise kernel size.
        add_identity (bool): Add the input to the output. Defaults to
            False.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to HSwish.
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        add_identity: bool = False,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='HSwish')
    ) -> None:
        super().__init__()
        self.add_identity = add_identity
        self.conv1 = ConvModule(
            channels, channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv2 = DepthwiseSeparableConvModule(
            channels,
            channels,
            kernel_size,
            padding=(kernel_size - 1) // 2,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the bottleneck.

        Args:
            x (Tensor): ``(B, C, H, W)``.

        Returns:
            Tensor: ``(B, C, H, W)``.
        """
        out = self.conv2(self.conv1(x))
        return out + x if self.add_identity else out


class CSPBlock(BaseModule):
    """Cross-stage-partial block of CSP-PAN (Paddle's ``CSPLayer``).

    ``final_conv(cat(blocks(main_conv(x)), short_conv(x)))`` with 1x1
    convs; the two branches have ``int(out_channels * expand_ratio)``
    channels.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Depthwise kernel size of the bottlenecks.
        expand_ratio (float): Branch width over ``out_channels``. Defaults
            to 0.5.
        num_blocks (int): Bottlenecks in the main branch. Defaults to 1.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to HSwish.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        expand_ratio: float = 0.5,
        num_blocks: int = 1,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='HSwish')
    ) -> None:
        super().__init__()
        mid = int(out_channels * expand_ratio)
        common = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.main_conv = ConvModule(in_channels, mid, 1, **common)
        self.short_conv = ConvModule(in_channels, mid, 1, **common)
        self.final_conv = ConvModule(2 * mid, out_channels, 1, **common)
        self.blocks = nn.Sequential(*[
            DepthwiseBottleneck(mid, kernel_size, **common)
            for _ in range(num_blocks)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block.

        Args:
            x (Tensor): ``(B, in_channels, H, W)``.

        Returns:
            Tensor: ``(B, out_channels, H, W)``.
        """
        main = self.blocks(self.main_conv(x))
        return self.final_conv(torch.cat([main, self.short_conv(x)], 1))


@MODELS.register_module()
class CSPPAN(LCPAN):
    """Path aggregation network with CSP blocks (legacy PP-PicoDet neck).

    As :class:`LCPAN` (1x1 channel transform to ``out_channels``, top-down
    then bottom-up paths, stride-2 depthwise + pointwise downsampling, an
    extra level as the sum of two stride-2 modules), but each fusion of two
    concatenated maps is a :class:`CSPBlock` (``2C -> C``) with
    ``num_csp_blocks`` depthwise bottlenecks.

    Args:
        in_channels (Sequence[int]): Channels of the inputs, finest first.
        out_channels (int): Channels of every output.
        kernel_size (int): Kernel of the depthwise convs. Defaults to 5.
        num_features (int): Number of outputs: ``len(in_channels)`` or one
            more (the extra level). Defaults to 4.
        num_csp_blocks (int): Bottlenecks per CSP block. Defaults to 1.
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
                 *args,
                 num_csp_blocks: int = 1,
                 init_cfg: Optional[Union[dict, List[dict]]] = None,
                 **kwargs) -> None:
        if not (isinstance(num_csp_blocks, int) and num_csp_blocks >= 1):
            raise ValueError('CSPPAN num_csp_blocks must be an int >= 1, '
                             f'got {num_csp_blocks!r}')
        self.num_csp_blocks = num_csp_blocks
        super().__init__(*args, init_cfg=init_cfg, **kwargs)

    def _fuse_block(self, channels: int, kernel_size: int,
                    common: dict) -> nn.Module:
        """A :class:`CSPBlock` ``2C -> C``.

        Args:
            channels (int): ``C``.
            kernel_size (int): Depthwise kernel size.
            common (dict): ``norm_cfg`` and ``act_cfg``.

        Returns:
            nn.Module: The block.
        """
        return CSPBlock(
            2 * channels,
            channels,
            kernel_size,
            num_blocks=self.num_csp_blocks,
            **common)

    def init_weights(self) -> None:
        """Paddle's initialization: KaimingUniform (fan-in) in every conv,
        BN at 1 / 0."""
        BaseModule.init_weights(self)
        if self.init_cfg is None:
            paddle_kaiming_(self, uniform=True)
