"""PP-LCNetV2's block: a re-parameterizable depthwise-separable conv."""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer, build_conv_layer
from torch import nn

from .checkpointed import CheckpointedBlock
from .se_layer import SELayer


def fuse_conv_bn(conv: nn.Conv2d, bn: nn.modules.batchnorm._BatchNorm,
                 to_size: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Kernel and bias of ``bn(conv(x))`` with eval-mode BN semantics.

    The kernel is zero-padded (centred) to ``to_size x to_size``, which
    leaves the convolution unchanged when its padding grows by the same
    amount (for any dilation: the kernel grid is dilated uniformly).

    Args:
        conv (nn.Conv2d): A convolution without bias, weight
            ``(C_out, C_in / groups, k, k)``.
        bn (_BatchNorm): The BN after it (running statistics are used).
        to_size (int): Kernel size of the result (>= k, same parity).

    Returns:
        tuple[torch.Tensor, torch.Tensor]: The kernel
        ``(C_out, C_in / groups, to_size, to_size)`` and the bias
        ``(C_out, )``.
    """
    std = (bn.running_var + bn.eps).sqrt()
    gamma = bn.weight if bn.affine else torch.ones_like(std)
    beta = bn.bias if bn.affine else torch.zeros_like(std)
    kernel = conv.weight * (gamma / std).reshape(-1, 1, 1, 1)
    bias = beta - bn.running_mean * gamma / std
    if conv.bias is not None:
        bias = bias + conv.bias * gamma / std
    pad = (to_size - kernel.shape[-1]) // 2
    return F.pad(kernel, [pad] * 4), bias


class RepDepthwiseSeparable(CheckpointedBlock):
    """Depthwise conv (optionally as parallel branches), optional SE,
    pointwise conv(s), optional shortcut.

    This is PaddleClas' ``RepDepthwiseSeparable``
    (``legendary_models/pp_lcnet_v2.py``, PP-LCNetV2). With ``use_rep``
    the depthwise conv is trained as parallel depthwise conv-BN branches
    of kernel ``kernel_size``, ``kernel_size - 2``, ... 1 (the 1x1 branch
    only when ``table_stride`` is 1), summed, then the activation;
    :meth:`switch_to_deploy` folds them into one depthwise conv with bias.
    Without ``use_rep`` it is one depthwise conv-BN-act. With ``split_pw``
    the pointwise conv is two 1x1 conv-BN-act, the first to
    ``int(out_channels * 0.5)``. Parameter names follow Paddle
    (``dw_conv_list``, ``dw_conv``, ``se``, ``pw_conv``, ``pw_conv_1``,
    ``pw_conv_2``) so that weights map one to one.

    Args:
        in_channels (int): Input channels (= depthwise channels).
        out_channels (int): Output channels.
        kernel_size (int): Depthwise kernel size (odd); the largest branch
            with ``use_rep``.
        stride (int): Depthwise stride. Defaults to 1.
        dilation (int): Depthwise dilation; the padding keeps the spatial
            size (divided by ``stride``). Defaults to 1.
        table_stride (int, optional): The stride of the block in the
            network's table; it decides, as in Paddle, whether there is a
            1x1 branch and a shortcut, so that a block whose stride is
            changed to 1 for segmentation keeps its parameters. None:
            ``stride``. Defaults to None.
        split_pw (bool): Two pointwise convs. Defaults to False.
        use_rep (bool): Parallel depthwise branches. Defaults to False.
        se_cfg (dict, optional): Config of :class:`SELayer` after the
            depthwise conv (``channels`` is filled in); None disables SE.
            Defaults to None.
        use_shortcut (bool): Add the input to the output when
            ``table_stride`` is 1 and the widths agree. Defaults to False.
        deploy (bool): Build the depthwise conv in its folded form (one
            conv with bias; for checkpoints saved after
            :meth:`switch_to_deploy`). Defaults to False.
        conv_cfg (dict, optional): Convolution config. Defaults to None.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to ReLU.
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
                 table_stride: Optional[int] = None,
                 split_pw: bool = False,
                 use_rep: bool = False,
                 se_cfg: Optional[dict] = None,
                 use_shortcut: bool = False,
                 deploy: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if table_stride is None:
            table_stride = stride
        self.with_cp = with_cp
        self.use_rep = use_rep
        self.kernel_size = kernel_size
        self.use_shortcut = bool(use_shortcut and table_stride == 1
                                 and in_channels == out_channels)
        self._dw_args = dict(
            in_channels=in_channels,
            out_channels=in_channels,
            stride=stride,
            dilation=dilation,
            groups=in_channels)
        self._conv_cfg = conv_cfg
        self.dw_conv_list: Optional[nn.ModuleList] = None
        if not use_rep:
            self.dw_conv = ConvModule(
                kernel_size=kernel_size,
                padding=dilation * (kernel_size - 1) // 2,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg,
                **self._dw_args)
        elif deploy:
            self.dw_conv = self._folded_conv()
        else:
            self.dw_conv = None
            self.dw_conv_list = nn.ModuleList([
                ConvModule(
                    kernel_size=k,
                    padding=dilation * (k - 1) // 2,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=None,
                    **self._dw_args)
                for k in self.branch_kernels(kernel_size, table_stride)
            ])
        # the activation after the sum of the branches (rep only)
        self.act = build_activation_layer(act_cfg) if use_rep else None
        self.se = None
        if se_cfg is not None:
            self.se = SELayer(in_channels, conv_cfg=conv_cfg, **se_cfg)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.split_pw = split_pw
        if split_pw:
            mid_channels = int(out_channels * 0.5)
            self.pw_conv_1 = ConvModule(in_channels, mid_channels, 1, **common)
            self.pw_conv_2 = ConvModule(mid_channels, out_channels, 1,
                                        **common)
        else:
            self.pw_conv = ConvModule(in_channels, out_channels, 1, **common)

    @staticmethod
    def branch_kernels(kernel_size: int, table_stride: int) -> List[int]:
        """Kernel sizes of the depthwise branches, as Paddle builds them.

        Args:
            kernel_size (int): The largest kernel (odd).
            table_stride (int): The block's stride in the table; a 1x1
                branch exists only at stride 1.

        Returns:
            list[int]: E.g. ``[5, 3, 1]``, or ``[5, 3]`` at stride 2.
        """
        return [
            k for k in range(kernel_size, 0, -2)
            if not (k == 1 and table_stride != 1)
        ]

    @property
    def deployed(self) -> bool:
        """Whether the depthwise branches are folded into ``dw_conv``."""
        return self.use_rep and self.dw_conv_list is None

    def _folded_conv(self) -> nn.Module:
        args = self._dw_args
        return build_conv_layer(
            self._conv_cfg,
            kernel_size=self.kernel_size,
            padding=args['dilation'] * (self.kernel_size - 1) // 2,
            bias=True,
            **args)

    def switch_to_deploy(self) -> None:
        """Fold the depthwise branches and their BNs into one depthwise
        conv with bias (no-op without ``use_rep`` or when folded).

        The folded conv computes the same function as the branches with
        their BNs in eval mode; it is trainable unless the branches were
        frozen.

        Raises:
            TypeError: A branch normalization is not batch norm (only BN
                folds into a convolution).
        """
        if not self.use_rep or self.dw_conv_list is None:
            return
        kernel, bias = 0, 0
        for branch in self.dw_conv_list:
            if not isinstance(branch.norm, nn.modules.batchnorm._BatchNorm):
                raise TypeError(
                    'switch_to_deploy folds batch norm only; this block '
                    f'uses {type(branch.norm).__name__}')
            k, b = fuse_conv_bn(branch.conv, branch.norm, self.kernel_size)
            kernel, bias = kernel + k, bias + b
        conv = self._folded_conv().to(kernel.device, kernel.dtype)
        with torch.no_grad():
            conv.weight.copy_(kernel)
            conv.bias.copy_(bias)
        # a frozen block stays frozen
        conv.requires_grad_(
            any(p.requires_grad for p in self.dw_conv_list.parameters()))
        conv.train(self.training)
        self.dw_conv = conv
        self.dw_conv_list = None

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block.

        Args:
            x (torch.Tensor): (N, in_channels, H, W).

        Returns:
            torch.Tensor: (N, out_channels, H / stride, W / stride).
        """
        out = x
        if self.dw_conv_list is not None:
            y = self.dw_conv_list[0](out)
            for branch in self.dw_conv_list[1:]:
                y = y + branch(out)
            out = self.act(y)
        elif self.use_rep:
            out = self.act(self.dw_conv(out))
        else:
            out = self.dw_conv(out)
        if self.se is not None:
            out = self.se(out)
        if self.split_pw:
            out = self.pw_conv_2(self.pw_conv_1(out))
        else:
            out = self.pw_conv(out)
        return out + x if self.use_shortcut else out
