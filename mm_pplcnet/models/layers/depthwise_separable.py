"""PP-LCNet's depthwise-separable block."""
from typing import Optional

import torch
from mmcv.cnn import ConvModule

from .checkpointed import CheckpointedBlock
from .se_layer import SELayer


class DepthwiseSeparable(CheckpointedBlock):
    """Depthwise conv + BN + act, optional SE, pointwise conv + BN + act.

    There is no residual connection. Parameter names follow PaddleClas
    (``dw_conv``, ``se``, ``pw_conv``) so that weights map one to one.

    Args:
        in_channels (int): Input channels (= depthwise channels).
        out_channels (int): Output channels of the pointwise conv.
        kernel_size (int): Depthwise kernel size (odd).
        stride (int): Depthwise stride. Defaults to 1.
        dilation (int): Depthwise dilation; the padding keeps the spatial
            size (divided by ``stride``). Defaults to 1.
        se_cfg (dict, optional): Config of :class:`SELayer` after the
            depthwise conv (``channels`` is filled in); None disables SE.
            Defaults to None.
        conv_cfg (dict, optional): Convolution config (of the SE convs
            too). Defaults to None.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to HSwish.
        with_cp (bool): Use gradient checkpointing to save memory in
            training. Defaults to False.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int = 1,
                 dilation: int = 1,
                 se_cfg: Optional[dict] = None,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='HSwish'),
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.with_cp = with_cp
        self.dw_conv = ConvModule(
            in_channels,
            in_channels,
            kernel_size,
            stride=stride,
            padding=dilation * (kernel_size - 1) // 2,
            dilation=dilation,
            groups=in_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.se = None
        if se_cfg is not None:
            self.se = SELayer(in_channels, conv_cfg=conv_cfg, **se_cfg)
        self.pw_conv = ConvModule(
            in_channels,
            out_channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.dw_conv(x)
        if self.se is not None:
            x = self.se(x)
        return self.pw_conv(x)
