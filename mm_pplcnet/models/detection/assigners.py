"""Batched label assigners computing what PaddleDetection's do.

PicoDet's targets come from PaddleDetection's ``ATSSAssigner`` (first
epochs) and ``TaskAlignedAssigner``. mmdet's per-image assigners of the
same names differ in details that change the targets: mmdet's ATSS keeps
IoUs ``>=`` the threshold (Paddle: ``>``) and resolves an anchor claimed
by several gts among the candidates only (Paddle: among all gts), and it
has no soft IoU-with-prediction target; mmdet's task-aligned assigner
applies the centre-in-gt test after the top-k (Paddle: before). These
work on a whole batch with gts padded to the same count, in Paddle's
order of operations.

Shapes: ``B`` images, ``n`` (padded) gts per image, ``L`` priors, ``C``
classes. Outputs: ``labels (B, L)`` (``num_classes`` for background),
``bboxes (B, L, 4)``, ``scores (B, L, C)`` (soft one-hot targets) and the
positive mask ``(B, n, L)``.
"""
from typing import List, NamedTuple, Optional, Sequence

import torch
import torch.nn.functional as F
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_overlaps
from torch import Tensor


class AssignResult(NamedTuple):
    """Targets of a batch.

    Attributes:
        labels (Tensor): ``(B, L)`` class per prior, ``num_classes`` for
            background.
        bboxes (Tensor): ``(B, L, 4)`` assigned gt boxes (x1, y1, x2, y2).
        scores (Tensor): ``(B, L, C)`` soft class targets.
        pos_mask (Tensor): ``(B, n, L)`` 1 where a prior is assigned to a
            gt.
    """
    labels: Tensor
    bboxes: Tensor
    scores: Tensor
    pos_mask: Tensor


def batch_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-9) -> Tensor:
    """IoU of every pair, ``overlap / (area1 + area2 - overlap + eps)``.

    Args:
        boxes1 (Tensor): ``(..., M, 4)`` boxes.
        boxes2 (Tensor): ``(..., N, 4)`` boxes.
        eps (float): Added to the union. Defaults to 1e-9.

    Returns:
        Tensor: ``(..., M, N)`` IoUs.
    """
    b1 = boxes1.unsqueeze(-2)
    b2 = boxes2.unsqueeze(-3)
    lt = torch.maximum(b1[..., :2], b2[..., :2])
    rb = torch.minimum(b1[..., 2:], b2[..., 2:])
    overlap = (rb - lt).clamp(min=0).prod(-1)
    area1 = (b1[..., 2:] - b1[..., :2]).clamp(min=0).prod(-1)
    area2 = (b2[..., 2:] - b2[..., :2]).clamp(min=0).prod(-1)
    return overlap / (area1 + area2 - overlap + eps)


def points_in_boxes(points: Tensor,
                    boxes: Tensor,
                    eps: float = 1e-9) -> Tensor:
    """Whether each point lies strictly inside each box.

    Args:
        points (Tensor): ``(L, 2)`` x, y.
        boxes (Tensor): ``(B, n, 4)`` boxes.
        eps (float): Margin. Defaults to 1e-9.

    Returns:
        Tensor: ``(B, n, L)`` float mask.
    """
    x, y = points[:, 0], points[:, 1]
    x1, y1, x2, y2 = (boxes[..., i:i + 1] for i in range(4))
    deltas = torch.stack([x - x1, y - y1, x2 - x, y2 - y], -1)
    return (deltas.min(-1).values > eps).to(boxes.dtype)


def _resolve_and_gather(pos_mask: Tensor, ious: Tensor, gt_labels: Tensor,
                        gt_bboxes: Tensor, num_classes: int) -> tuple:
    """Give a prior claimed by several gts to the gt of highest IoU (over
    all gts, as Paddle), then gather labels, boxes and one-hot scores."""
    num_gts = gt_bboxes.shape[1]
    num_pos = pos_mask.sum(-2)
    if num_pos.max() > 1:
        multiple = (num_pos.unsqueeze(1) > 1).expand_as(pos_mask)
        best = F.one_hot(ious.argmax(-2), num_gts).permute(0, 2, 1)
        pos_mask = torch.where(multiple, best.to(pos_mask.dtype), pos_mask)
        num_pos = pos_mask.sum(-2)
    gt_index = pos_mask.argmax(-2)  # (B, L); 0 where there is no gt
    labels = gt_labels.gather(1, gt_index)
    labels = torch.where(num_pos > 0, labels,
                         torch.full_like(labels, num_classes))
    bboxes = gt_bboxes.gather(1, gt_index.unsqueeze(-1).expand(-1, -1, 4))
    scores = F.one_hot(labels, num_classes + 1)[..., :num_classes]
    return pos_mask, labels, bboxes, scores.to(gt_bboxes.dtype)


def _empty(batch_size: int, num_priors: int, num_classes: int,
           ref: Tensor) -> AssignResult:
    """Targets of a batch without any gt."""
    return AssignResult(
        ref.new_full((batch_size, num_priors), num_classes, dtype=torch.long),
        ref.new_zeros((batch_size, num_priors, 4)),
        ref.new_zeros((batch_size, num_priors, num_classes)),
        ref.new_zeros((batch_size, 0, num_priors)))


@TASK_UTILS.register_module()
class PaddleATSSAssigner:
    """ATSS as PaddleDetection's ``ATSSAssigner`` computes it.

    Per gt and level, the ``topk`` priors whose centres are closest to the
    gt centre are candidates; those whose IoU with the gt is above (``>``)
    the mean + std (unbiased) of the candidates' IoUs and whose centre is
    inside the gt are positive; a prior positive for several gts goes to
    the gt of highest prior IoU. With ``pred_bboxes`` the class target is
    the IoU of the prediction with its gt (PicoDet's soft target).

    Args:
        topk (int): Candidates per level and gt. Defaults to 9.
        num_classes (int): Number of classes. Defaults to 80.
    """

    def __init__(self, topk: int = 9, num_classes: int = 80) -> None:
        self.topk = topk
        self.num_classes = num_classes

    @torch.no_grad()
    def __call__(self,
                 priors: Tensor,
                 num_level_priors: Sequence[int],
                 gt_labels: Tensor,
                 gt_bboxes: Tensor,
                 pad_mask: Tensor,
                 pred_bboxes: Optional[Tensor] = None,
                 gt_scores: Optional[Tensor] = None) -> AssignResult:
        """Assign priors to gts.

        Args:
            priors (Tensor): ``(L, 4)`` prior boxes, all levels.
            num_level_priors (Sequence[int]): Priors per level.
            gt_labels (Tensor): ``(B, n)`` labels.
            gt_bboxes (Tensor): ``(B, n, 4)`` boxes.
            pad_mask (Tensor): ``(B, n)`` 1 for real gts, 0 for padding.
            pred_bboxes (Tensor, optional): ``(B, L, 4)`` predicted boxes:
                soft targets are their IoU with the assigned gt.
            gt_scores (Tensor, optional): ``(B, n)`` gt scores used as
                targets when ``pred_bboxes`` is None.

        Returns:
            AssignResult: The targets.
        """
        batch_size, num_gts = gt_bboxes.shape[:2]
        num_priors = priors.shape[0]
        if num_gts == 0:
            return _empty(batch_size, num_priors, self.num_classes, priors)
        pad = pad_mask.to(priors.dtype).unsqueeze(-1)
        ious = batch_iou(gt_bboxes, priors.expand(batch_size, -1, -1), 1e-10)
        gt_centers = (gt_bboxes[..., :2] + gt_bboxes[..., 2:]) / 2
        prior_centers = (priors[:, :2] + priors[:, 2:]) / 2
        distances = (gt_centers.unsqueeze(2) - prior_centers).norm(dim=-1)

        in_topk = torch.zeros_like(ious)
        topk_idxs: List[Tensor] = []
        start = 0
        for count in num_level_priors:
            k = min(self.topk, count)
            idx = distances[..., start:start + count].topk(
                k, dim=-1, largest=False).indices + start
            in_topk.scatter_(-1, idx, 1.0)
            topk_idxs.append(idx)
            start += count
        in_topk = in_topk * pad
        candidates = ious * in_topk
        cand_ious = candidates.gather(-1, torch.cat(topk_idxs, -1))
        threshold = cand_ious.mean(
            -1, keepdim=True) + cand_ious.std(
                -1, keepdim=True)
        in_topk = torch.where(candidates > threshold, in_topk,
                              torch.zeros_like(in_topk))
        pos_mask = in_topk * points_in_boxes(prior_centers, gt_bboxes) * pad
        pos_mask, labels, bboxes, scores = _resolve_and_gather(
            pos_mask, ious, gt_labels, gt_bboxes, self.num_classes)
        if pred_bboxes is not None:
            pred_ious = batch_iou(gt_bboxes, pred_bboxes) * pos_mask
            scores = scores * pred_ious.max(-2).values.unsqueeze(-1)
        elif gt_scores is not None:
            gt_index = pos_mask.argmax(-2)
            gathered = gt_scores.gather(1, gt_index)
            gathered = torch.where(
                pos_mask.sum(-2) > 0, gathered, torch.zeros_like(gathered))
            scores = scores * gathered.unsqueeze(-1)
        return AssignResult(labels, bboxes, scores, pos_mask)


@TASK_UTILS.register_module()
class PaddleTaskAlignedAssigner:
    """Task-aligned assignment as PaddleDetection's computes it.

    The alignment metric is ``score ** alpha * IoU ** beta`` (score of the
    gt's class, IoU of the predicted box). Per gt, the ``topk`` priors of
    highest metric among those whose centre is inside the gt are positive
    (the centre test comes first); a prior positive for several gts goes
    to the gt of highest predicted IoU. The class target is the metric
    divided by the gt's largest metric, times the gt's largest IoU.

    Args:
        topk (int): Positives per gt at most. Defaults to 13.
        alpha (float): Exponent of the score. Defaults to 1.0.
        beta (float): Exponent of the IoU. Defaults to 6.0.
        num_classes (int): Number of classes. Defaults to 80.
        eps (float): Guards the normalization. Defaults to 1e-9.
    """

    def __init__(self,
                 topk: int = 13,
                 alpha: float = 1.0,
                 beta: float = 6.0,
                 num_classes: int = 80,
                 eps: float = 1e-9) -> None:
        self.topk = topk
        self.alpha = alpha
        self.beta = beta
        self.num_classes = num_classes
        self.eps = eps

    @torch.no_grad()
    def __call__(self, pred_scores: Tensor, pred_bboxes: Tensor,
                 prior_points: Tensor, gt_labels: Tensor, gt_bboxes: Tensor,
                 pad_mask: Tensor) -> AssignResult:
        """Assign priors to gts.

        Args:
            pred_scores (Tensor): ``(B, L, C)`` predicted probabilities.
            pred_bboxes (Tensor): ``(B, L, 4)`` predicted boxes.
            prior_points (Tensor): ``(L, 2)`` prior centres.
            gt_labels (Tensor): ``(B, n)`` labels.
            gt_bboxes (Tensor): ``(B, n, 4)`` boxes.
            pad_mask (Tensor): ``(B, n)`` 1 for real gts, 0 for padding.

        Returns:
            AssignResult: The targets.
        """
        batch_size, num_gts = gt_bboxes.shape[:2]
        num_priors = pred_scores.shape[1]
        if num_gts == 0:
            return _empty(batch_size, num_priors, self.num_classes,
                          pred_scores)
        pad = pad_mask.to(pred_scores.dtype).unsqueeze(-1)
        ious = batch_iou(gt_bboxes, pred_bboxes)
        gt_scores = pred_scores.permute(0, 2, 1).gather(
            1,
            gt_labels.unsqueeze(-1).expand(-1, -1, num_priors))
        metrics = gt_scores.pow(self.alpha) * ious.pow(self.beta)
        in_gts = points_in_boxes(prior_points, gt_bboxes)
        k = min(self.topk, num_priors)
        idx = (metrics * in_gts).topk(k, dim=-1).indices
        in_topk = torch.zeros_like(metrics).scatter_(-1, idx, 1.0) * pad
        pos_mask = in_topk * in_gts * pad
        pos_mask, labels, bboxes, scores = _resolve_and_gather(
            pos_mask, ious, gt_labels, gt_bboxes, self.num_classes)
        metrics = metrics * pos_mask
        max_metrics = metrics.max(-1, keepdim=True).values
        max_ious = (ious * pos_mask).max(-1, keepdim=True).values
        metrics = metrics / (max_metrics + self.eps) * max_ious
        scores = scores * metrics.max(-2).values.unsqueeze(-1)
        return AssignResult(labels, bboxes, scores, pos_mask)


@TASK_UTILS.register_module()
class PaddleSimOTAAssigner:
    """SimOTA as PaddleDetection's ``SimOTAAssigner`` (legacy PicoDet).

    Candidates are the priors whose centre lies inside a gt or within
    ``center_radius`` strides of a gt's centre. The cost of a candidate
    for a gt is ``cls_weight * VFL + iou_weight * (1 - GIoU) + 1e8`` (the
    last term unless the centre is both inside the gt and near its
    centre), where VFL is the varifocal loss of the predicted
    probabilities against the one-hot target valued at the IoU, summed
    over the classes. Each gt takes its ``k`` cheapest candidates, ``k``
    being the integer part (at least 1) of the sum of its
    ``candidate_topk`` largest IoUs; a prior taken by several gts goes to
    its cheapest gt. Images are assigned one by one, as in Paddle.

    Args:
        center_radius (float): Radius of the centre region in strides.
            Defaults to 2.5.
        candidate_topk (int): IoUs summed for the dynamic ``k``. Defaults
            to 10.
        iou_weight (float): Weight of the GIoU cost. Defaults to 6.0
            (PicoDet's; Paddle's class default is 3.0).
        cls_weight (float): Weight of the class cost. Defaults to 1.0.
        num_classes (int): Number of classes. Defaults to 80.
        alpha (float): VFL alpha of the class cost. Defaults to 0.75.
        gamma (float): VFL gamma of the class cost. Defaults to 2.0.
    """

    def __init__(self,
                 center_radius: float = 2.5,
                 candidate_topk: int = 10,
                 iou_weight: float = 6.0,
                 cls_weight: float = 1.0,
                 num_classes: int = 80,
                 alpha: float = 0.75,
                 gamma: float = 2.0) -> None:
        self.center_radius = center_radius
        self.candidate_topk = candidate_topk
        self.iou_weight = iou_weight
        self.cls_weight = cls_weight
        self.num_classes = num_classes
        self.alpha = alpha
        self.gamma = gamma

    def _vfl_cost(self, scores: Tensor, labels: Tensor,
                  ious: Tensor) -> Tensor:
        """Paddle's VFL (probabilities, IoU weighted) summed over classes,
        for every candidate and gt: the negative term of all classes, with
        the gt's class replaced by its positive term where the IoU is > 0.

        Args:
            scores (Tensor): ``(V, C)`` probabilities.
            labels (Tensor): ``(n,)`` gt classes.
            ious (Tensor): ``(V, n)`` IoUs.

        Returns:
            Tensor: ``(V, n)`` costs.
        """

        def bce(p: Tensor, t: Tensor) -> Tensor:
            return F.binary_cross_entropy(p, t.expand_as(p), reduction='none')

        neg = bce(scores, scores.new_zeros(())) * self.alpha * \
            scores.pow(self.gamma)
        p = scores[:, labels]  # (V, n)
        neg_gt = neg[:, labels]
        pos = bce(p, ious) * ious
        gt_term = torch.where(
            ious > 0, pos,
            bce(p, ious) * self.alpha * (p - ious).abs().pow(self.gamma))
        return neg.sum(-1, keepdim=True) - neg_gt + gt_term

    @torch.no_grad()
    def assign_single(self, scores: Tensor, pred_bboxes: Tensor,
                      points: Tensor, strides: Tensor, gt_labels: Tensor,
                      gt_bboxes: Tensor) -> Tensor:
        """SimOTA for one image.

        Args:
            scores (Tensor): ``(L, C)`` predicted probabilities.
            pred_bboxes (Tensor): ``(L, 4)`` predicted boxes in pixels.
            points (Tensor): ``(L, 2)`` cell centres in pixels.
            strides (Tensor): ``(L, 1)`` strides.
            gt_labels (Tensor): ``(n,)`` classes.
            gt_bboxes (Tensor): ``(n, 4)`` boxes.

        Returns:
            Tensor: ``(L,)`` index of the assigned gt, -1 for background.
        """
        num_priors = scores.shape[0]
        assigned = scores.new_full((num_priors, ), -1, dtype=torch.long)
        if gt_bboxes.shape[0] == 0 or num_priors == 0:
            return assigned
        x, y = points[:, :1], points[:, 1:]
        in_gts = torch.stack([
            x - gt_bboxes[:, 0], y - gt_bboxes[:, 1], gt_bboxes[:, 2] - x,
            gt_bboxes[:, 3] - y
        ], -1).min(-1).values > 0  # (L, n)
        cx = (gt_bboxes[:, 0] + gt_bboxes[:, 2]) / 2.0
        cy = (gt_bboxes[:, 1] + gt_bboxes[:, 3]) / 2.0
        radius = self.center_radius * strides
        in_cts = torch.stack([
            x - (cx - radius), y - (cy - radius), (cx + radius) - x,
            (cy + radius) - y
        ], -1).min(-1).values > 0
        valid = in_gts.any(1) | in_cts.any(1)
        if not valid.any():
            return assigned
        in_both = (in_gts & in_cts)[valid]
        # Paddle's batch_bbox_overlaps: union and enclosing area >= 1e-6
        ious = bbox_overlaps(pred_bboxes[valid], gt_bboxes, eps=1e-6)
        giou_cost = 1 - bbox_overlaps(
            pred_bboxes[valid], gt_bboxes, mode='giou', eps=1e-6)
        cost = (
            self._vfl_cost(scores[valid], gt_labels, ious) * self.cls_weight
            + giou_cost * self.iou_weight + (~in_both).to(ious.dtype) * 1e8)

        # dynamic k per gt from the sum of its best IoUs
        k = min(self.candidate_topk, ious.shape[0])
        dynamic_ks = ious.topk(k, dim=0).values.sum(0).int().clamp(min=1)
        match = torch.zeros_like(cost)
        for j, kj in enumerate(dynamic_ks.tolist()):
            kj = min(kj, cost.shape[0])
            idx = cost[:, j].topk(kj, largest=False).indices
            match[idx, j] = 1.0
        multiple = match.sum(1) > 1
        if multiple.any():
            cheapest = cost[multiple].argmin(1)
            match[multiple] = 0.0
            match[multiple.nonzero()[:, 0], cheapest] = 1.0
        fg = match.sum(1) > 0
        valid_idx = valid.nonzero()[:, 0]
        assigned[valid_idx[fg]] = match[fg].argmax(1)
        return assigned

    @torch.no_grad()
    def __call__(self, pred_scores: Tensor, pred_bboxes: Tensor,
                 points: Tensor, strides: Tensor, gt_labels: Tensor,
                 gt_bboxes: Tensor, pad_mask: Tensor) -> AssignResult:
        """Assign the priors of a batch, image by image.

        Args:
            pred_scores (Tensor): ``(B, L, C)`` predicted probabilities.
            pred_bboxes (Tensor): ``(B, L, 4)`` predicted boxes in pixels.
            points (Tensor): ``(L, 2)`` cell centres in pixels.
            strides (Tensor): ``(L, 1)`` strides.
            gt_labels (Tensor): ``(B, n)`` padded labels.
            gt_bboxes (Tensor): ``(B, n, 4)`` padded boxes.
            pad_mask (Tensor): ``(B, n)`` 1 for real gts.

        Returns:
            AssignResult: labels, gt boxes, one-hot ``scores`` (the class
            target's value, the IoU of the prediction, is the loss's
            business) and the positive mask.
        """
        batch_size, num_priors = pred_scores.shape[:2]
        num_gts = gt_bboxes.shape[1]
        labels = gt_labels.new_full((batch_size, num_priors), self.num_classes)
        bboxes = pred_bboxes.new_zeros((batch_size, num_priors, 4))
        pos_mask = pred_bboxes.new_zeros((batch_size, num_gts, num_priors))
        for i in range(batch_size):
            real = pad_mask[i] > 0
            gts, gt_cls = gt_bboxes[i][real], gt_labels[i][real]
            assigned = self.assign_single(pred_scores[i].float(),
                                          pred_bboxes[i].float(), points,
                                          strides, gt_cls, gts.float())
            pos = assigned >= 0
            labels[i, pos] = gt_cls[assigned[pos]]
            bboxes[i, pos] = gts[assigned[pos]].to(bboxes.dtype)
            gt_index = real.nonzero()[:, 0][assigned[pos]]
            pos_mask[i, gt_index, pos.nonzero()[:, 0]] = 1.0
        scores = F.one_hot(labels, self.num_classes + 1)[..., :-1]
        return AssignResult(labels, bboxes, scores.to(pred_bboxes.dtype),
                            pos_mask)
