"""The inverted residual block of PaddleClas' MobileNetV3."""
from typing import Optional

import torch
from mmcv.cnn import ConvModule

from .checkpointed import CheckpointedBlock
from .se_layer import SELayer


class InvertedResidual(CheckpointedBlock):
    """Expand 1x1, depthwise kxk, optional SE, linear 1x1, residual.

    This is PaddleClas' ``ResidualUnit`` (``legendary_models/
    mobilenet_v3.py``): the 1x1 expansion conv + BN + act is always there,
    even when ``mid_channels == in_channels`` (torchvision drops it), the
    SE acts on the expanded width, the projection has BN and no
    activation. Parameter names follow Paddle (``expand_conv``,
    ``bottleneck_conv``, ``mid_se``, ``linear_conv``) so that weights map
    one to one.

    Args:
        in_channels (int): Input channels.
        mid_channels (int): Expanded (depthwise) channels.
        out_channels (int): Output channels.
        kernel_size (int): Depthwise kernel size (odd).
        stride (int): Depthwise stride. Defaults to 1.
        dilation (int): Depthwise dilation; the padding keeps the spatial
            size (divided by ``stride``). Defaults to 1.
        se_cfg (dict, optional): Config of :class:`SELayer` on the
            expanded width (``channels`` is filled in); Paddle's is
            ``dict(ratio=4, act_cfg=(dict(type='ReLU'),
            HSIGMOID_SLOPE_0_2))``. None disables SE. Defaults to None.
        residual (bool, optional): Add the input to the output. None (the
            default) adds it when ``stride == 1`` and
            ``in_channels == out_channels``, as Paddle does.
        conv_cfg (dict, optional): Convolution config. Defaults to None.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation of the expansion and depthwise convs.
            Defaults to ReLU.
        with_cp (bool): Use gradient checkpointing to save memory in
            training. Defaults to False.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 mid_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int = 1,
                 dilation: int = 1,
                 se_cfg: Optional[dict] = None,
                 residual: Optional[bool] = None,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if residual is None:
            residual = stride == 1 and in_channels == out_channels
        if residual and (stride != 1 or in_channels != out_channels):
            raise ValueError(
                'a residual needs stride 1 and in_channels == '
                f'out_channels, got stride {stride}, {in_channels} and '
                f'{out_channels} channels')
        self.with_residual = residual
        self.with_cp = with_cp
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.expand_conv = ConvModule(
            in_channels, mid_channels, 1, act_cfg=act_cfg, **common)
        self.bottleneck_conv = ConvModule(
            mid_channels,
            mid_channels,
            kernel_size,
            stride=stride,
            padding=dilation * (kernel_size - 1) // 2,
            dilation=dilation,
            groups=mid_channels,
            act_cfg=act_cfg,
            **common)
        self.mid_se = None
        if se_cfg is not None:
            self.mid_se = SELayer(mid_channels, conv_cfg=conv_cfg, **se_cfg)
        self.linear_conv = ConvModule(
            mid_channels, out_channels, 1, act_cfg=None, **common)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bottleneck_conv(self.expand_conv(x))
        if self.mid_se is not None:
            out = self.mid_se(out)
        out = self.linear_conv(out)
        return x + out if self.with_residual else out
