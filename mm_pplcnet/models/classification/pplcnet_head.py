"""PP-LCNet's classification head for mmpretrain."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class PPLCNetClsHead(ClsHead):
    """Global pool, 1x1 conv to ``mid_channels``, act, dropout, linear.

    This is PaddleClas' PP-LCNet head (``last_conv``, ``hardswish``,
    ``dropout``, ``fc``). The 1x1 conv has no bias and no norm, as in
    Paddle; timm's ``lcnet_*`` have a bias there (``last_conv_bias=True``).
    It accepts the backbone's last feature map or an already pooled
    ``(N, C)`` vector (``GlobalAveragePooling`` neck).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Channels of the backbone's last stage.
        mid_channels (int, optional): Width of the 1x1 conv ("class
            expand"); None removes it (the paper's ablation). Defaults to
            1280.
        dropout (float): Dropout before the linear layer. Defaults to 0.2.
        act_cfg (dict): Activation after the 1x1 conv. Defaults to HSwish.
        last_conv_bias (bool): Bias in the 1x1 conv. Defaults to False.
        init_cfg (dict, optional): Initialization config. Defaults to a
            normal init of the linear layer.
        **kwargs: ``loss``, ``topk``, ``cal_acc`` of :class:`ClsHead`.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 mid_channels: Optional[int] = 1280,
                 dropout: float = 0.2,
                 act_cfg: dict = dict(type='HSwish'),
                 last_conv_bias: bool = False,
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', std=0.01),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        if num_classes <= 0:
            raise ValueError(f'num_classes must be positive, got '
                             f'{num_classes}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        if mid_channels is None:
            self.last_conv = None
            self.act = nn.Identity()
            fc_in = in_channels
        else:
            self.last_conv = nn.Conv2d(
                in_channels, mid_channels, 1, bias=last_conv_bias)
            self.act = build_activation_layer(act_cfg)
            fc_in = mid_channels
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(fc_in, num_classes)

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Features before the linear layer, shape ``(N, mid_channels)``.

        Args:
            feats (tuple[torch.Tensor]): Backbone (or neck) outputs; only
                the last is used, ``(N, C, H, W)`` (pooled here) or
                ``(N, C)``.

        Returns:
            torch.Tensor: ``(N, mid_channels)``, or ``(N, in_channels)``
            when ``mid_channels`` is None.
        """
        x = feats[-1]
        if x.dim() == 4:
            x = F.adaptive_avg_pool2d(x, 1)
        elif x.dim() == 2:
            x = x[:, :, None, None]
        else:
            raise ValueError('PPLCNetClsHead takes (N, C, H, W) or (N, C) '
                             f'features, got shape {tuple(x.shape)}')
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'PPLCNetClsHead in_channels is {self.in_channels} but the '
                f'features have {x.shape[1]} channels: set '
                'head.in_channels to the backbone\'s last width')
        if self.last_conv is not None:
            x = self.act(self.last_conv(x))
        return self.dropout(x).flatten(1)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Return the class logits.

        Args:
            feats (tuple[torch.Tensor]): Backbone (or neck) outputs; see
                :meth:`pre_logits`.

        Returns:
            torch.Tensor: Logits, ``(N, num_classes)``.
        """
        return self.fc(self.pre_logits(feats))
