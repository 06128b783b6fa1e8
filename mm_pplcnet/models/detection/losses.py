"""Varifocal loss on probabilities (PicoDet's classification loss)."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmdet.models.losses.utils import weight_reduce_loss
from mmdet.registry import MODELS
from torch import Tensor, nn


def varifocal_loss(pred: Tensor,
                   target: Tensor,
                   alpha: float = 0.75,
                   gamma: float = 2.0,
                   iou_weighted: bool = True,
                   use_sigmoid: bool = False) -> Tensor:
    """Element-wise varifocal loss (arXiv 2008.13367).

    Positives (``target > 0``) are weighted by their target (or 1), the
    negatives by ``alpha * |p - target| ** gamma``; the loss is the binary
    cross entropy times that weight. The weight is not detached, as in
    PaddleDetection and mmdet.

    Args:
        pred (Tensor): ``(N, C)`` probabilities, or logits with
            ``use_sigmoid``.
        target (Tensor): ``(N, C)`` soft targets in [0, 1].
        alpha (float): Weight of the negatives. Defaults to 0.75.
        gamma (float): Focusing exponent. Defaults to 2.0.
        iou_weighted (bool): Weight positives by their target. Defaults to
            True.
        use_sigmoid (bool): ``pred`` holds logits. Defaults to False.

    Returns:
        Tensor: ``(N, C)`` losses.
    """
    if pred.shape != target.shape:
        raise ValueError(f'varifocal_loss: pred {tuple(pred.shape)} and '
                         f'target {tuple(target.shape)} differ')
    pred = pred.float()
    target = target.to(pred.dtype)
    prob = pred.sigmoid() if use_sigmoid else pred
    positive = (target > 0).to(pred.dtype)
    pos_weight = target if iou_weighted else torch.ones_like(target)
    weight = pos_weight * positive + alpha * (
        prob - target).abs().pow(gamma) * (1 - positive)
    if use_sigmoid:
        bce = F.binary_cross_entropy_with_logits(
            pred, target, reduction='none')
    else:
        bce = F.binary_cross_entropy(pred, target, reduction='none')
    return bce * weight


@MODELS.register_module()
class ProbVarifocalLoss(nn.Module):
    """Varifocal loss that also takes probabilities.

    PicoDet's head outputs ``sqrt(sigmoid(cls) * sigmoid(align))``, a
    probability, so PaddleDetection configures ``VarifocalLoss`` with
    ``use_sigmoid=False``; mmdet's ``VarifocalLoss`` takes logits only.

    Args:
        use_sigmoid (bool): Predictions are logits. Defaults to False.
        alpha (float): Weight of the negatives. Defaults to 0.75.
        gamma (float): Focusing exponent. Defaults to 2.0.
        iou_weighted (bool): Weight positives by their target. Defaults to
            True.
        reduction (str): 'none', 'mean' or 'sum'. Defaults to 'mean'.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 use_sigmoid: bool = False,
                 alpha: float = 0.75,
                 gamma: float = 2.0,
                 iou_weighted: bool = True,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if alpha < 0:
            raise ValueError(f'alpha must be >= 0, got {alpha}')
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError(f'unknown reduction {reduction!r}')
        self.use_sigmoid = use_sigmoid
        self.alpha = alpha
        self.gamma = gamma
        self.iou_weighted = iou_weighted
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): ``(N, C)`` probabilities (or logits).
            target (Tensor): ``(N, C)`` soft targets.
            weight (Tensor, optional): Element weights. Defaults to None.
            avg_factor (float, optional): With 'mean', the sum is divided by
                it instead of the element count. Defaults to None.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: The loss.
        """
        reduction = reduction_override or self.reduction
        loss = varifocal_loss(pred, target, self.alpha, self.gamma,
                              self.iou_weighted, self.use_sigmoid)
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction,
                                                     avg_factor)
