"""Shared pieces of the parity tests."""
import math

import torch


def randomize_(model: torch.nn.Module, seed: int = 0) -> None:
    """He-normal weights, N(0, 0.1) biases, random BN affine parameters and
    statistics: O(1) logits, so a 1e-4 tolerance means something and a
    conversion that mixes tensors up cannot pass."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() > 1:
                std = math.sqrt(2.0 / param[0].numel())
                param.copy_(torch.randn(param.shape, generator=gen) * std)
            else:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.1)
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                shape = m.running_mean.shape
                m.weight.copy_(torch.rand(shape, generator=gen) + 0.5)
                m.running_mean.copy_(torch.randn(shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(shape, generator=gen) + 0.5)


def max_abs_diff(a, b) -> float:
    return float((torch.as_tensor(a) - torch.as_tensor(b)).abs().max())
