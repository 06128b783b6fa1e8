"""Hard sigmoid with an explicit slope, for the SE gates."""
import torch
import torch.nn.functional as F
from mmengine.registry import MODELS
from torch import nn


@MODELS.register_module()
class HardSigmoid(nn.Module):
    """``clip(slope * x + offset, 0, 1)``.

    PP-LCNet uses slope 1/6 (``torch.nn.Hardsigmoid``, run natively);
    Paddle's MobileNetV3 and the ONNX default use slope 0.2. Unlike mmcv's
    ``HSigmoid`` it states the slope and warns about nothing.

    Args:
        slope (float): Slope. Defaults to 1/6.
        offset (float): Value at 0. Defaults to 0.5.
        inplace (bool): Accepted because mmcv's ``ConvModule`` passes it;
            the result is always a new tensor. Defaults to False.
    """

    def __init__(self,
                 slope: float = 1 / 6,
                 offset: float = 0.5,
                 inplace: bool = False) -> None:
        super().__init__()
        self.slope = slope
        self.offset = offset
        self._native = abs(slope - 1 / 6) < 1e-12 and offset == 0.5

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the activation.

        Args:
            x (torch.Tensor): Input.

        Returns:
            torch.Tensor: ``clip(slope * x + offset, 0, 1)``, a new tensor.
        """
        if self._native:
            return F.hardsigmoid(x)
        return (x * self.slope + self.offset).clamp(0.0, 1.0)

    def extra_repr(self) -> str:
        return f'slope={self.slope:.6g}, offset={self.offset}'
