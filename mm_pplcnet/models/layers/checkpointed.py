"""Gradient checkpointing shared by the blocks."""
import contextlib
from typing import Iterator, Tuple

import torch
import torch.utils.checkpoint as cp
from mmengine.model import BaseModule
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


@contextlib.contextmanager
def frozen_bn_statistics(module: nn.Module) -> Iterator[None]:
    """Undo, on exit, what the BatchNorms of ``module`` did to their
    running statistics inside the context.

    Gradient checkpointing runs a block's forward a second time in the
    backward pass; in train mode each BatchNorm would then update its
    ``running_mean`` / ``running_var`` and ``num_batches_tracked`` twice
    per step. The recomputation must compute (and save for backward)
    exactly what the first forward did, so it runs unchanged and the
    buffers are put back afterwards.

    Args:
        module (nn.Module): The block whose BatchNorms are held.
    """
    saved = [(buf, buf.detach().clone()) for m in module.modules()
             if isinstance(m, _BatchNorm)
             for buf in (m.running_mean, m.running_var, m.num_batches_tracked)
             if buf is not None]
    try:
        yield
    finally:
        with torch.no_grad():
            for buf, value in saved:
                buf.copy_(value)


class CheckpointedBlock(BaseModule):
    """A block whose ``_forward`` is recomputed in the backward pass when
    ``self.with_cp`` is set (saves activation memory in training).

    ``with_cp`` changes memory only: the recomputation does not update the
    BatchNorm running statistics a second time
    (:func:`frozen_bn_statistics`), so they equal those of
    ``with_cp=False`` after the same steps.
    """

    with_cp: bool = False

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _checkpoint_contexts(
        self
    ) -> Tuple[contextlib.AbstractContextManager,
               contextlib.AbstractContextManager]:
        """The forward runs as usual; the recomputation holds the BN
        statistics."""
        return contextlib.nullcontext(), frozen_bn_statistics(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block.

        With ``with_cp`` and an input that requires grad, ``_forward`` is
        checkpointed (recomputed in the backward pass).

        Args:
            x (torch.Tensor): Input feature map, (N, C, H, W).

        Returns:
            torch.Tensor: Output of ``_forward``.
        """
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(
                self._forward,
                x,
                use_reentrant=False,
                context_fn=self._checkpoint_contexts)
        return self._forward(x)
