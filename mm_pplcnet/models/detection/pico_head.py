"""PicoHead: the head of the legacy (2021) PP-PicoDet, for mmdet.

A port of PaddleDetection's ``PicoHead`` (``ppdet/modeling/heads/
pico_head.py``, trained as its ``OTAVFLHead`` base in ``simota_head.py``).
It shares :class:`PicoHeadV2`'s towers, box decoding and post-processing;
it has no ESE attention and no alignment branch, one 1x1 conv per level
predicts the class logits and the box distributions together
(``share_cls_reg``), and training uses SimOTA with Paddle's losses and
normalizers.
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_overlaps
from mmdet.utils import reduce_mean
from mmengine.dist import get_world_size
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor, nn

from .pico_head_v2 import PicoHeadV2


@MODELS.register_module()
class PicoHead(PicoHeadV2):
    """Legacy PP-PicoDet head (PaddleDetection ``PicoHead``).

    Per level: a tower of ``num_convs`` blocks (depthwise ``kernel_size``
    conv + BN + act, pointwise conv + BN + act), then one 1x1 conv with
    ``num_classes + 4 * (reg_max + 1)`` outputs (all biased as the class
    prior, as in Paddle): the class probabilities are the sigmoid of the
    first ``num_classes``, the rest are the four side distributions.
    ``forward`` returns per level the class probabilities and the raw
    distributions, as :class:`PicoHeadV2` does.

    Training (Paddle's ``OTAVFLHead``): :class:`PaddleSimOTAAssigner` on
    the predicted probabilities and boxes; varifocal loss against the IoU
    of the predicted box at the assigned class, normalized by the number
    of positives; GIoU and DFL (averaged over the four sides) on the
    positives, weighted by each positive's largest predicted probability
    and normalized by the sum of these weights (both averaged over
    processes and at least 1).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Input (= tower) channels.
        num_convs (int): Blocks per tower. Defaults to 4.
        strides (Sequence[int]): Level strides. Defaults to (8, 16, 32, 64).
        kernel_size (int): Depthwise kernel size. Defaults to 5.
        reg_max (int): Largest bin of the distributions. Defaults to 7.
        prior_prob (float): Initial class probability. Defaults to 0.01.
        cell_offset (float): Offset of the cell centres. Defaults to 0.5.
        loss_cls (dict): Class loss on probabilities. Defaults to the
            varifocal loss (alpha 0.75, gamma 2, IoU weighted, weight 1).
        loss_bbox (dict): Box loss. Defaults to GIoU, weight 2.0.
        loss_dfl (dict): Distribution focal loss, averaged over the four
            sides. Defaults to weight 0.25.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to HSwish.
        train_cfg (dict, optional): ``assigner``. Defaults to SimOTA with
            PicoDet's settings (candidate_topk 10, iou_weight 6).
        test_cfg (dict, optional): ``score_thr``, ``nms_pre`` (per class),
            ``nms``, ``max_per_img``. Defaults to PicoDet's.
        init_cfg (dict, optional): Initialization config. None (the
            default) gives Paddle's initialization.
    """

    default_train_cfg = dict(
        assigner=dict(
            type='PaddleSimOTAAssigner', candidate_topk=10, iou_weight=6.0))

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_convs: int = 4,
                 strides: Sequence[int] = (8, 16, 32, 64),
                 kernel_size: int = 5,
                 reg_max: int = 7,
                 prior_prob: float = 0.01,
                 cell_offset: float = 0.5,
                 loss_cls: dict = dict(
                     type='ProbVarifocalLoss',
                     use_sigmoid=False,
                     alpha=0.75,
                     gamma=2.0,
                     iou_weighted=True,
                     loss_weight=1.0),
                 loss_bbox: dict = dict(type='GIoULoss', loss_weight=2.0),
                 loss_dfl: dict = dict(
                     type='DistributionFocalLoss', loss_weight=0.25),
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='HSwish'),
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(
            num_classes=num_classes,
            in_channels=in_channels,
            num_convs=num_convs,
            strides=strides,
            kernel_size=kernel_size,
            reg_max=reg_max,
            prior_prob=prior_prob,
            cell_offset=cell_offset,
            use_align_head=False,
            use_se=False,
            loss_cls=loss_cls,
            loss_bbox=loss_bbox,
            loss_dfl=loss_dfl,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            init_cfg=init_cfg)

    def _init_predictors(self, kernel_size: int, norm_cfg: dict,
                         act_cfg: dict) -> None:
        """Per level one 1x1 conv for classes and distributions.

        Args:
            kernel_size (int): Unused (no alignment branch).
            norm_cfg (dict): Unused.
            act_cfg (dict): Unused.
        """
        out = self.num_classes + 4 * (self.reg_max + 1)
        self.head_cls_list = nn.ModuleList(
            nn.Conv2d(self.in_channels, out, 1)
            for _ in range(len(self.strides)))

    def init_weights(self) -> None:
        """Paddle's initialization: N(0, 0.01) towers and prediction convs,
        every prediction bias at the class prior, BN at 1 / 0."""
        BaseModule.init_weights(self)
        if self.init_cfg is not None:
            return
        bias = -math.log((1 - self.prior_prob) / self.prior_prob)
        for m in self.conv_feat.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, 0.01)
        for conv in self.head_cls_list:
            nn.init.normal_(conv.weight, 0, 0.01)
            nn.init.constant_(conv.bias, bias)

    def _forward_level(self, feat: Tensor, level: int) -> Tuple[Tensor, ...]:
        """Class probabilities and raw distributions of one level.

        Args:
            feat (Tensor): ``(B, C, H, W)`` neck output.
            level (int): Level index.

        Returns:
            tuple[Tensor]: ``(B, num_classes, H, W)`` probabilities and
            ``(B, 4 * (reg_max + 1), H, W)`` distribution logits.
        """
        tower, _ = self.conv_feat(feat, level)
        out = self.head_cls_list[level](tower)
        cls_logit, dist = out.split([self.num_classes, 4 * (self.reg_max + 1)],
                                    dim=1)
        return cls_logit.sigmoid(), dist

    def loss_by_feat(
        self,
        cls_scores: List[Tensor],
        bbox_preds: List[Tensor],
        batch_gt_instances: Sequence[InstanceData],
        batch_img_metas: Sequence[dict],
        batch_gt_instances_ignore: Optional[Sequence[InstanceData]] = None
    ) -> dict:
        """Paddle's OTAVFLHead losses.

        Args:
            cls_scores (list[Tensor]): Class probabilities per level.
            bbox_preds (list[Tensor]): Distributions per level.
            batch_gt_instances (Sequence[InstanceData]): ``bboxes`` and
                ``labels`` per image.
            batch_img_metas (Sequence[dict]): Image metas (unused).
            batch_gt_instances_ignore (Sequence[InstanceData], optional):
                Unused, as in Paddle.

        Returns:
            dict: ``loss_cls``, ``loss_bbox``, ``loss_dfl``.
        """
        scores, dists, points, strides, _, centers, pred_bboxes = \
            self._decode_for_loss(cls_scores, bbox_preds)
        gt_labels, gt_bboxes, pad_mask = self.pad_gts(batch_gt_instances,
                                                      scores.device)
        targets = self.assigner(scores.detach(),
                                pred_bboxes.detach() * strides, points,
                                strides, gt_labels, gt_bboxes, pad_mask)
        pos = targets.labels < self.num_classes
        # Paddle counts at least one positive per image that has gts
        has_gts = pad_mask.sum(1) > 0
        num_pos = self._normalizer(
            (pos.sum(1).clamp(min=1) * has_gts).sum().to(scores.dtype))

        pos_targets = (targets.bboxes / strides)[pos]
        weight = scores.detach()[pos].max(-1).values
        cls_target = torch.zeros_like(scores)
        if pos.any():
            # Paddle's bbox_overlaps(is_aligned=True): union >= 1e-6
            iou = bbox_overlaps(
                pred_bboxes[pos].detach(),
                pos_targets,
                is_aligned=True,
                eps=1e-6)
            cls_target[pos] = F.one_hot(targets.labels[pos],
                                        self.num_classes).to(
                                            scores.dtype) * iou[:, None]
        loss_bbox, loss_dfl = self._box_losses(pred_bboxes, dists, centers,
                                               pos, pos_targets, weight,
                                               self._normalizer(weight.sum()))
        loss_cls = self.loss_cls(
            scores.reshape(-1, self.num_classes),
            cls_target.reshape(-1, self.num_classes),
            avg_factor=num_pos)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_dfl=loss_dfl)

    @staticmethod
    def _normalizer(total: Tensor) -> Tensor:
        """Paddle's normalizer: averaged over processes, at least 1.

        Args:
            total (Tensor): This process's sum.

        Returns:
            Tensor: The normalizer (no gradient).
        """
        total = total.detach()
        if get_world_size() > 1:
            total = reduce_mean(total)
        return total.clamp(min=1)
