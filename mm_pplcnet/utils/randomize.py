"""Random weights of realistic scale, for parity checks and benchmarks."""
import math
from typing import Callable

import torch
from torch import nn


def randomize_(model: nn.Module, seed: int = 0) -> nn.Module:
    """He-normal weights, N(0, 0.1) biases, random BN statistics, in place.

    Freshly built networks can have all-but-constant outputs (their logits
    are the classifier bias up to rounding), which makes any output
    comparison pass. These weights give O(1) activations everywhere, so
    a 1e-4 tolerance means something and a mix-up of tensors fails.

    Args:
        model (nn.Module): The model.
        seed (int): Random seed. Defaults to 0.

    Returns:
        nn.Module: ``model``.
    """
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() > 1:
                std = math.sqrt(2.0 / param[0].numel())
                param.copy_(torch.randn(param.shape, generator=gen) * std)
            else:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.1)
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                shape = m.running_mean.shape
                m.weight.copy_(torch.rand(shape, generator=gen) + 0.5)
                m.running_mean.copy_(torch.randn(shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(shape, generator=gen) + 0.5)
    return model


def calibrate_bn_(model: nn.Module,
                  run: Callable[[], object],
                  var_floor: float = 0.05) -> nn.Module:
    """Set every BN's running statistics to those of its input, in place.

    Random BN statistics do not normalize a deep network: in residual
    networks with an ASPP (DeepLabV3+ on MobileNetV3) activations grow to
    the thousands, and float32 rounding alone then moves the outputs by
    more than any useful tolerance between two runtimes. After one
    training-mode pass of ``run`` with a cumulative average, each BN
    normalizes what it really sees, while its scale and shift stay as
    they were, so every layer carries an O(1) signal.

    Args:
        model (nn.Module): The model (its other layers stay in the mode
            they are in; only the BNs switch to training mode for the pass).
        run (Callable): Runs the forward pass of the calibration batch,
            e.g. ``lambda: model(x)``.
        var_floor (float): Added to every running variance, so that no
            channel that is (nearly) constant on the batch is scaled up by
            ``1 / sqrt(eps)``. Defaults to 0.05.

    Returns:
        nn.Module: ``model``.
    """
    bns = [
        m for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]
    saved = [(bn.training, bn.momentum) for bn in bns]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the pass
        bn.train()
    try:
        with torch.no_grad():
            run()
    finally:
        for bn, (training, momentum) in zip(bns, saved):
            bn.train(training)
            bn.momentum = momentum
    with torch.no_grad():
        for bn in bns:
            bn.running_var.add_(var_floor)
    return model
