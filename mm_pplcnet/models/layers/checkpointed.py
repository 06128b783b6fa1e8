"""Gradient checkpointing shared by the blocks."""
import torch
import torch.utils.checkpoint as cp
from mmengine.model import BaseModule


class CheckpointedBlock(BaseModule):
    """A block whose ``_forward`` is recomputed in the backward pass when
    ``self.with_cp`` is set (saves activation memory in training)."""

    with_cp: bool = False

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block.

        With ``with_cp`` and an input that requires grad, ``_forward`` is
        checkpointed (recomputed in the backward pass).

        Args:
            x (torch.Tensor): Input feature map.

        Returns:
            torch.Tensor: Output of ``_forward``.
        """
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._forward, x, use_reentrant=False)
        return self._forward(x)
