"""Random weights of realistic scale, for parity checks and benchmarks."""
import math

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
