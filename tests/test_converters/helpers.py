"""Shared pieces of the parity tests."""
import torch

from mm_pplcnet.utils.randomize import randomize_  # noqa: F401


def max_abs_diff(a, b) -> float:
    return float((torch.as_tensor(a) - torch.as_tensor(b)).abs().max())
