"""Squeeze-and-excitation as used by PP-LCNet and Paddle's MobileNetV3."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from .activations import HardSigmoid  # noqa: F401 (registers it)

# PP-LCNet's gate is clip(x / 6 + 1 / 2, 0, 1) (torch.nn.Hardsigmoid);
# Paddle's MobileNetV3 uses clip(0.2 x + 0.5, 0, 1).
HSIGMOID_SLOPE_1_6 = dict(type='HardSigmoid', slope=1 / 6, offset=0.5)
HSIGMOID_SLOPE_0_2 = dict(type='HardSigmoid', slope=0.2, offset=0.5)


class SELayer(BaseModule):
    """Squeeze-and-excitation: ``x * gate(conv2(act(conv1(pool(x)))))``.

    Both 1x1 convolutions have a bias and no normalization, as in
    PaddleClas.

    Args:
        channels (int): Input and output channels.
        ratio (int): Squeeze ratio; the hidden width is
            ``channels // ratio``. Defaults to 4.
        act_cfg (dict | Sequence[dict]): Activation after the first conv
            and the gate after the second one. Defaults to ReLU and the
            hardsigmoid of slope 1/6.
        conv_cfg (dict, optional): Config of both convolutions. Defaults
            to None.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 channels: int,
                 ratio: int = 4,
                 act_cfg: Union[dict, Sequence[dict]] = (dict(type='ReLU'),
                                                         HSIGMOID_SLOPE_1_6),
                 conv_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(act_cfg, dict):
            act_cfg = (act_cfg, act_cfg)
        if len(act_cfg) != 2:
            raise ValueError('SELayer act_cfg takes one dict or two (the '
                             f'squeeze activation and the gate), got '
                             f'{act_cfg!r}')
        if not (isinstance(ratio, int) and not isinstance(ratio, bool)
                and 0 < ratio <= channels):
            raise ValueError(f'SE ratio must be an int from 1 to the '
                             f'channels ({channels}), got {ratio!r}')
        hidden = channels // ratio
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.conv1 = ConvModule(
            channels, hidden, 1, conv_cfg=conv_cfg, act_cfg=act_cfg[0])
        self.conv2 = ConvModule(
            hidden, channels, 1, conv_cfg=conv_cfg, act_cfg=act_cfg[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scale ``x`` by its channel attention.

        Args:
            x (torch.Tensor): Feature map, (N, channels, H, W).

        Returns:
            torch.Tensor: ``x`` times its per-channel gate, same shape.
        """
        return x * self.conv2(self.conv1(self.pool(x)))
