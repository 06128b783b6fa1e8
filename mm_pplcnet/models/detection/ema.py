"""PaddleDetection's model EMA (``ppdet/optimizer/ema.py``) for mmengine.

Use it through mmengine's ``EMAHook``::

    custom_hooks = [dict(type='EMAHook', ema_type='PaddleEMA',
                         decay=0.9998, update_buffers=True, priority=49)]

It differs from mmengine's / mmdet's EMAs in the ways that matter for
PicoDet (and that earlier PyTorch ports got wrong): the average starts from
zeros, not from the model; the decay is ``min(decay, (1 + t) / (10 + t))``
at update ``t``; the weights used for evaluation are bias corrected,
``average / (1 - d ** steps)`` with ``d`` the last decay; BN statistics are
averaged too.
"""
import math
from typing import Optional

import torch
from mmdet.registry import MODELS
from mmengine.model import BaseAveragedModel
from torch import Tensor, nn

DECAY_TYPES = ('threshold', 'normal', 'exponential')


@MODELS.register_module()
class PaddleEMA(BaseAveragedModel):
    """Exponential moving average as PaddleDetection's ``ModelEMA``.

    ``self.module`` always holds the bias-corrected average (what Paddle's
    ``ModelEMA.apply()`` returns), so ``EMAHook`` evaluates and saves it;
    the raw, zero-initialized averages are buffers of ``self.shadow`` and
    are saved in ``ema_state_dict`` for resuming.

    Args:
        model (nn.Module): The model to average.
        decay (float): Largest decay. Defaults to 0.9998.
        decay_type (str): 'threshold' (``min(decay, (1 + t) / (10 + t))``,
            PicoDet's), 'normal' (constant) or 'exponential'
            (``decay * (1 - exp(-(t + 1) / 2000))``, no bias correction).
            Defaults to 'threshold'.
        device (torch.device, optional): Where to keep the average.
        update_buffers (bool): Average the buffers (BN statistics) too, as
            Paddle does. Defaults to True.
    """

    def __init__(self,
                 model: nn.Module,
                 decay: float = 0.9998,
                 decay_type: str = 'threshold',
                 device: Optional[torch.device] = None,
                 update_buffers: bool = True) -> None:
        super().__init__(model, 1, device, update_buffers)
        if not 0.0 < decay < 1.0:
            raise ValueError(f'decay must be in (0, 1), got {decay}')
        if decay_type not in DECAY_TYPES:
            raise ValueError(f'decay_type must be one of {DECAY_TYPES}, got '
                             f'{decay_type!r}')
        self.decay = decay
        self.decay_type = decay_type
        self.shadow = nn.Module()
        for key, value in self.avg_parameters.items():
            if value.dtype.is_floating_point:
                self.shadow.register_buffer(
                    self._shadow_name(key), torch.zeros_like(value))

    @staticmethod
    def _shadow_name(key: str) -> str:
        return key.replace('.', '__')

    def decay_at(self, step: int) -> float:
        """The decay of one update.

        Args:
            step (int): Update index (0 for the first).

        Returns:
            float: The decay.
        """
        if self.decay_type == 'threshold':
            return min(self.decay, (1 + step) / (10 + step))
        if self.decay_type == 'exponential':
            return self.decay * (1 - math.exp(-(step + 1) / 2000))
        return self.decay

    def avg_func(self, averaged_param: Tensor, source_param: Tensor,
                 steps: int) -> None:
        """Not used: :meth:`update_parameters` keeps the zero-initialized
        average itself."""
        raise NotImplementedError('PaddleEMA updates in update_parameters')

    @torch.no_grad()
    def update_parameters(self, model: nn.Module) -> None:
        """Update the average with ``model``'s current weights.

        Args:
            model (nn.Module): The model being trained.
        """
        step = int(self.steps)
        decay = self.decay_at(step)
        correction = 1.0
        if self.decay_type != 'exponential':
            correction = 1.0 - decay**(step + 1)
        source = (
            model.state_dict()
            if self.update_buffers else dict(model.named_parameters()))
        for key, avg in self.avg_parameters.items():
            src = source[key].detach().to(avg.device)
            if not avg.dtype.is_floating_point:
                avg.copy_(src)
                continue
            raw = getattr(self.shadow, self._shadow_name(key))
            raw.mul_(decay).add_(src, alpha=1.0 - decay)
            avg.copy_(raw / correction)
        if not self.update_buffers:
            for b_avg, b_src in zip(self.module.buffers(), model.buffers()):
                b_avg.copy_(b_src.to(b_avg.device))
        self.steps += 1
