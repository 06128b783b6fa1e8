"""Parameters, MACs and Paddle-style FLOPs of a PyTorch model.

Paddle's ``paddle.flops`` (which PaddleClas' tables use) counts, per layer:
convolution ``out_elements * (in_channels / groups * k_h * k_w + bias)``,
BatchNorm ``2 * elements``, linear ``in_features * out_elements`` and
adaptive average pooling ``(pooled window + 1) * out_elements``;
activations and element-wise ops count zero. With these rules PP-LCNet x1.0
gives PaddleClas' published 160.81M. MACs count only the multiply-adds of
convolutions and linear layers (what mmengine's / fvcore's counters report
as "FLOPs").
"""
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import torch
from torch import nn


@dataclass
class Complexity:
    """Model size and compute for one input shape."""
    params: int
    macs: int
    paddle_flops: int


def count_complexity(model: nn.Module,
                     input_shape: Sequence[int] = (1, 3, 224, 224),
                     forward: Optional[Callable] = None) -> Complexity:
    """Count parameters, MACs and Paddle-style FLOPs with forward hooks.

    Args:
        model (nn.Module): The model (put in eval mode here).
        input_shape (Sequence[int]): Input batch shape. Defaults to one
            224x224 RGB image.
        forward (Callable, optional): ``forward(model, x)`` for models that
            are not called as ``model(x)`` (e.g. ``mode='tensor'``).

    Returns:
        Complexity: The counts (for the whole batch).
    """
    macs = 0
    paddle = 0

    def conv_hook(m: nn.Conv2d, inputs, out):
        """Count a convolution."""
        nonlocal macs, paddle
        per_out = m.in_channels // m.groups * m.kernel_size[0] * \
            m.kernel_size[1]
        macs += out.numel() * per_out
        paddle += out.numel() * (per_out + (m.bias is not None))

    def bn_hook(m, inputs, out):
        """Count a BatchNorm (Paddle-style FLOPs only)."""
        nonlocal paddle
        paddle += 2 * inputs[0].numel()

    def linear_hook(m: nn.Linear, inputs, out):
        """Count a linear layer."""
        nonlocal macs, paddle
        macs += m.in_features * out.numel()
        paddle += m.in_features * out.numel()

    def pool_hook(m, inputs, out):
        """Count an adaptive average pooling (Paddle-style FLOPs only)."""
        nonlocal paddle
        window = 1
        for i, o in zip(inputs[0].shape[2:], out.shape[2:]):
            window *= i // o
        paddle += (window + 1) * out.numel()

    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.modules.batchnorm._BatchNorm):
            handles.append(module.register_forward_hook(bn_hook))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
        elif isinstance(module, nn.AdaptiveAvgPool2d):
            handles.append(module.register_forward_hook(pool_hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            x = torch.zeros(*input_shape)
            forward(model, x) if forward else model(x)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    params = sum(p.numel() for p in model.parameters())
    return Complexity(params=params, macs=int(macs), paddle_flops=int(paddle))
