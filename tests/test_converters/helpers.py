"""Shared pieces of the parity tests."""
import torch


def randomize_bn_(model: torch.nn.Module, seed: int = 0) -> None:
    """Give every BatchNorm random affine parameters and statistics, so a
    conversion that mixes them up cannot pass."""
    gen = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            shape = m.running_mean.shape
            with torch.no_grad():
                m.weight.copy_(torch.rand(shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(shape, generator=gen) * 0.1)
                m.running_mean.copy_(torch.randn(shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(shape, generator=gen) + 0.5)


def max_abs_diff(a, b) -> float:
    return float((torch.as_tensor(a) - torch.as_tensor(b)).abs().max())
