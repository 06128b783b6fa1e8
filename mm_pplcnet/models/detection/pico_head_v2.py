"""PicoHeadV2: the head of the current PP-PicoDet, for mmdet.

A port of PaddleDetection's ``PicoHeadV2`` + ``PicoFeat`` (``ppdet/
modeling/heads/pico_head.py``) with its training targets (ATSS on
``grid_cell_scale x stride`` priors for the first epochs, then
task-aligned assignment), losses (varifocal on probabilities, GIoU, DFL
averaged over the four sides, all normalized by the sum of the soft
targets) and post-processing (per-class top-k, per-class NMS, keep the
best ``max_per_img``).
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmcv.ops import batched_nms
from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
from mmdet.models.task_modules.prior_generators import MlvlPointGenerator
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures.bbox import bbox2distance, get_box_tensor, scale_boxes
from mmdet.utils import reduce_mean
from mmengine.config import ConfigDict
from mmengine.dist import get_world_size
from mmengine.logging import MessageHub
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor, nn

from ..layers import DepthwiseSeparable
from .assigners import AssignResult
from .lcpan import paddle_kaiming_

EPS = 1e-9


class PicoSE(BaseModule):
    """PicoDet's ESE attention: ``act(BN(conv(x * sigmoid(fc(pool(x))))))``.

    Args:
        channels (int): Input and output channels.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation after the BN. Defaults to HSwish.
    """

    def __init__(
        self,
        channels: int,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='HSwish')
    ) -> None:
        super().__init__()
        self.fc = nn.Conv2d(channels, channels, 1)
        self.conv = ConvModule(
            channels, channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the attention.

        Args:
            x (Tensor): ``(B, C, H, W)`` tower output.

        Returns:
            Tensor: The attended feature.
        """
        weight = self.fc(F.adaptive_avg_pool2d(x, 1)).sigmoid()
        return self.conv(x * weight)


class PicoFeat(BaseModule):
    """Per-level feature towers of PicoDet with ESE attention.

    Each level has its own tower of ``num_convs`` blocks (depthwise
    ``kernel_size`` conv + BN + act, pointwise conv + BN + act), shared by
    classification and regression (Paddle's ``share_cls_reg=True``), and
    its own :class:`PicoSE`.

    Args:
        channels (int): Input and tower channels.
        num_levels (int): Number of levels. Defaults to 4.
        num_convs (int): Blocks per tower. Defaults to 4.
        kernel_size (int): Depthwise kernel size. Defaults to 5.
        use_se (bool): Apply the ESE attention. Defaults to True.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to HSwish.
    """

    def __init__(
        self,
        channels: int,
        num_levels: int = 4,
        num_convs: int = 4,
        kernel_size: int = 5,
        use_se: bool = True,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='HSwish')
    ) -> None:
        super().__init__()
        common = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.towers = nn.ModuleList(
            nn.Sequential(*[
                DepthwiseSeparable(channels, channels, kernel_size, **common)
                for _ in range(num_convs)
            ]) for _ in range(num_levels))
        self.se = nn.ModuleList(
            PicoSE(channels, **common)
            for _ in range(num_levels)) if use_se else None

    def forward(self, x: Tensor, level: int) -> Tuple[Tensor, Tensor]:
        """Run the tower of one level.

        Args:
            x (Tensor): ``(B, C, H, W)`` neck output.
            level (int): Level index.

        Returns:
            tuple[Tensor]: The tower output and its attended version (the
            tower output again without SE).
        """
        feat = self.towers[level](x)
        return feat, feat if self.se is None else self.se[level](feat)


@MODELS.register_module()
class PicoHeadV2(BaseDenseHead):
    """PP-PicoDet's head (PaddleDetection ``PicoHeadV2``).

    Per level: a :class:`PicoFeat` tower with ESE attention, 1x1 class and
    distribution convs on the attended feature, and an alignment branch on
    the tower output (dense ``kernel_size`` conv to one channel + BN + act,
    1x1 conv + BN). The class score is the probability
    ``sqrt(sigmoid(cls) * sigmoid(align) + 1e-9)``; the box is the
    integral over ``reg_max + 1`` bins of each side's distribution, times
    the stride, from the cell centre ``(i + cell_offset) * stride``.

    ``forward`` returns per level the class probabilities ``(B, C, H, W)``
    and the raw distributions ``(B, 4 * (reg_max + 1), H, W)``.

    Training (``train_cfg``): epochs below ``static_assigner_epoch`` (read
    from the message hub, as mmdet's TOOD head does) use
    ``static_assigner`` on square priors of side ``grid_cell_scale *
    stride`` with the IoU of the prediction as soft target, later epochs
    ``assigner`` (task-aligned). The losses are normalized by the sum of
    the soft targets (averaged over processes and at least 1 when
    distributed, as Paddle; on one process Paddle uses the raw sum, which
    is kept unless it is 0).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Input (= tower) channels.
        num_convs (int): Blocks per tower. Defaults to 4.
        strides (Sequence[int]): Level strides. Defaults to (8, 16, 32, 64).
        kernel_size (int): Depthwise kernel size. Defaults to 5.
        reg_max (int): Largest bin of the distributions. Defaults to 7.
        prior_prob (float): Initial class probability. Defaults to 0.01.
        cell_offset (float): Offset of the cell centres. Defaults to 0.5.
        grid_cell_scale (float): Side of the ATSS priors in strides.
            Defaults to 5.0.
        use_align_head (bool): Use the alignment branch. Defaults to True.
        use_se (bool): Use the ESE attention. Defaults to True.
        loss_cls (dict): Class loss on probabilities. Defaults to the
            varifocal loss (alpha 0.75, gamma 2, IoU weighted).
        loss_bbox (dict): Box loss. Defaults to GIoU, weight 2.5.
        loss_dfl (dict): Distribution focal loss; it is averaged over the
            four sides, as Paddle. Defaults to weight 0.5.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to HSwish.
        train_cfg (dict, optional): ``static_assigner_epoch``,
            ``static_assigner``, ``assigner``. Defaults to PicoDet's.
        test_cfg (dict, optional): ``score_thr``, ``nms_pre`` (per class),
            ``nms``, ``max_per_img``. Defaults to PicoDet's.
        init_cfg (dict, optional): Initialization config. None (the
            default) gives Paddle's initialization.
    """

    default_train_cfg = dict(
        static_assigner_epoch=100,
        static_assigner=dict(type='PaddleATSSAssigner', topk=9),
        assigner=dict(
            type='PaddleTaskAlignedAssigner', topk=13, alpha=1.0, beta=6.0))

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_convs: int = 4,
                 strides: Sequence[int] = (8, 16, 32, 64),
                 kernel_size: int = 5,
                 reg_max: int = 7,
                 prior_prob: float = 0.01,
                 cell_offset: float = 0.5,
                 grid_cell_scale: float = 5.0,
                 use_align_head: bool = True,
                 use_se: bool = True,
                 loss_cls: dict = dict(
                     type='ProbVarifocalLoss',
                     use_sigmoid=False,
                     alpha=0.75,
                     gamma=2.0,
                     iou_weighted=True,
                     loss_weight=1.0),
                 loss_bbox: dict = dict(type='GIoULoss', loss_weight=2.5),
                 loss_dfl: dict = dict(
                     type='DistributionFocalLoss', loss_weight=0.5),
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='HSwish'),
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not (isinstance(num_classes, int) and num_classes > 0):
            raise ValueError(f'num_classes must be a positive int, got '
                             f'{num_classes!r}')
        if not (isinstance(in_channels, int) and in_channels > 0):
            raise ValueError(f'in_channels must be a positive int, got '
                             f'{in_channels!r}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.strides = tuple(strides)
        self.reg_max = reg_max
        self.prior_prob = prior_prob
        self.cell_offset = cell_offset
        self.grid_cell_scale = grid_cell_scale
        self.use_align_head = use_align_head
        self.train_cfg = ConfigDict(self.default_train_cfg)
        self.train_cfg.update(train_cfg or {})
        self.test_cfg = ConfigDict(
            score_thr=0.025,
            nms_pre=1000,
            nms=dict(type='nms', iou_threshold=0.6),
            max_per_img=100)
        self.test_cfg.update(test_cfg or {})
        for name in ('static_assigner', 'assigner'):
            if self.train_cfg.get(name) is not None:
                setattr(
                    self, name,
                    TASK_UTILS.build(
                        self.train_cfg[name],
                        default_args=dict(num_classes=num_classes)))
        self.prior_generator = MlvlPointGenerator(
            self.strides, offset=cell_offset)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_dfl = MODELS.build(loss_dfl)

        num_levels = len(self.strides)
        self.conv_feat = PicoFeat(in_channels, num_levels, num_convs,
                                  kernel_size, use_se, norm_cfg, act_cfg)
        self._init_predictors(kernel_size, norm_cfg, act_cfg)
        self.register_buffer(
            'project',
            torch.linspace(0, reg_max, reg_max + 1),
            persistent=False)

    def _init_predictors(self, kernel_size: int, norm_cfg: dict,
                         act_cfg: dict) -> None:
        """Per level: 1x1 class and distribution convs, and the alignment
        branch.

        Args:
            kernel_size (int): Kernel of the alignment branch's conv.
            norm_cfg (dict): Normalization config.
            act_cfg (dict): Activation config.
        """
        num_levels, channels = len(self.strides), self.in_channels
        self.head_cls_list = nn.ModuleList(
            nn.Conv2d(channels, self.num_classes, 1)
            for _ in range(num_levels))
        self.head_reg_list = nn.ModuleList(
            nn.Conv2d(channels, 4 * (self.reg_max + 1), 1)
            for _ in range(num_levels))
        if self.use_align_head:
            # Paddle's DPModule(C, 1): a *dense* conv C -> 1 (its groups are
            # the output channels), then a 1x1 conv, no act at the end
            self.cls_align = nn.ModuleList(
                nn.Sequential(
                    ConvModule(
                        channels,
                        1,
                        kernel_size,
                        padding=(kernel_size - 1) // 2,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg),
                    ConvModule(1, 1, 1, norm_cfg=norm_cfg, act_cfg=None))
                for _ in range(num_levels))

    # ------------------------------------------------------------ network
    def init_weights(self) -> None:
        """Paddle's initialization: N(0, 0.01) towers and prediction convs
        (class bias from ``prior_prob``), N(0, 0.001) ESE gate, Kaiming
        uniform alignment branch, BN at 1 / 0."""
        super().init_weights()
        if self.init_cfg is not None:
            return
        for m in self.conv_feat.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, 0.01)
        if self.conv_feat.se is not None:
            for se in self.conv_feat.se:
                nn.init.normal_(se.fc.weight, 0, 0.001)
                nn.init.zeros_(se.fc.bias)
        bias_cls = -math.log((1 - self.prior_prob) / self.prior_prob)
        for cls_conv, reg_conv in zip(self.head_cls_list, self.head_reg_list):
            nn.init.normal_(cls_conv.weight, 0, 0.01)
            nn.init.constant_(cls_conv.bias, bias_cls)
            nn.init.normal_(reg_conv.weight, 0, 0.01)
            nn.init.zeros_(reg_conv.bias)
        if self.use_align_head:
            paddle_kaiming_(self.cls_align, uniform=True)

    def forward(self, x: Sequence[Tensor]) -> Tuple[List[Tensor], ...]:
        """Class probabilities and raw box distributions per level.

        Args:
            x (Sequence[Tensor]): Neck outputs, one per stride.

        Returns:
            tuple: ``cls_scores`` (list of ``(B, C, H, W)`` probabilities)
            and ``bbox_preds`` (list of ``(B, 4 * (reg_max + 1), H, W)``).
        """
        if len(x) != len(self.strides):
            raise ValueError(f'{type(self).__name__} has {len(self.strides)} '
                             f'strides {self.strides} but got {len(x)} '
                             'feature maps')
        cls_scores, bbox_preds = [], []
        for i, feat in enumerate(x):
            if feat.shape[1] != self.in_channels:
                raise ValueError(
                    f'{type(self).__name__} in_channels is '
                    f'{self.in_channels} but level {i} has '
                    f'{feat.shape[1]} channels: set '
                    'bbox_head.in_channels to the neck out_channels')
            cls_prob, dist = self._forward_level(feat, i)
            cls_scores.append(cls_prob)
            bbox_preds.append(dist)
        return cls_scores, bbox_preds

    def _forward_level(self, feat: Tensor, level: int) -> Tuple[Tensor, ...]:
        """Class probabilities and raw distributions of one level.

        Args:
            feat (Tensor): ``(B, C, H, W)`` neck output.
            level (int): Level index.

        Returns:
            tuple[Tensor]: ``(B, num_classes, H, W)`` probabilities and
            ``(B, 4 * (reg_max + 1), H, W)`` distribution logits.
        """
        tower, attended = self.conv_feat(feat, level)
        cls_prob = self.head_cls_list[level](attended).sigmoid()
        if self.use_align_head:
            align = self.cls_align[level](tower).sigmoid()
            cls_prob = (cls_prob * align + EPS).sqrt()
        return cls_prob, self.head_reg_list[level](attended)

    def integral(self, dist: Tensor) -> Tensor:
        """Expected distances of the four side distributions.

        Args:
            dist (Tensor): ``(..., 4 * (reg_max + 1))`` logits.

        Returns:
            Tensor: ``(..., 4)`` distances in strides.
        """
        shape = dist.shape[:-1] + (4, self.reg_max + 1)
        return dist.reshape(shape).softmax(-1).matmul(
            self.project.to(dist.dtype))

    # ------------------------------------------------------------- common
    def _flatten(self, cls_scores: Sequence[Tensor],
                 bbox_preds: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Flatten the levels: scores ``(B, L, C)``, distributions
        ``(B, L, 4 * (reg_max + 1))``, points ``(L, 2)`` in pixels,
        strides ``(L, 1)`` and the number of priors per level."""
        batch = cls_scores[0].shape[0]
        sizes = [s.shape[-2:] for s in cls_scores]
        device, dtype = cls_scores[0].device, cls_scores[0].dtype
        points = self.prior_generator.grid_priors(
            sizes, dtype=dtype, device=device)
        counts = [p.shape[0] for p in points]
        strides = torch.cat([
            points[0].new_full((n, 1), s)
            for n, s in zip(counts, self.strides)
        ])
        scores = torch.cat([
            s.permute(0, 2, 3, 1).reshape(batch, -1, self.num_classes)
            for s in cls_scores
        ], 1)
        dists = torch.cat([
            d.permute(0, 2, 3, 1).reshape(batch, -1, 4 * (self.reg_max + 1))
            for d in bbox_preds
        ], 1)
        return scores, dists, torch.cat(points), strides, counts

    @staticmethod
    def distance2bbox(points: Tensor, distances: Tensor) -> Tensor:
        """Boxes ``(x - l, y - t, x + r, y + b)`` (no clipping, as Paddle).

        Args:
            points (Tensor): ``(..., 2)`` centres.
            distances (Tensor): ``(..., 4)`` left, top, right, bottom.

        Returns:
            Tensor: ``(..., 4)`` boxes.
        """
        return torch.cat(
            [points - distances[..., :2], points + distances[..., 2:]], -1)

    # -------------------------------------------------------------- train
    @staticmethod
    def current_epoch() -> int:
        """The training epoch from mmengine's message hub.

        Returns:
            int: The epoch (0 outside a runner).
        """
        epoch = MessageHub.get_current_instance().get_info('epoch')
        return 0 if epoch is None else int(epoch)

    def pad_gts(self, batch_gt_instances: Sequence[InstanceData],
                device: torch.device) -> Tuple[Tensor, Tensor, Tensor]:
        """Stack the gts of a batch, padded with zeros.

        Args:
            batch_gt_instances (Sequence[InstanceData]): ``bboxes`` and
                ``labels`` per image.
            device (torch.device): Where the stacks go.

        Returns:
            tuple[Tensor]: labels ``(B, n)``, boxes ``(B, n, 4)`` and a
            ``(B, n)`` mask of the real gts.
        """
        num_max = max([len(g) for g in batch_gt_instances] + [0])
        batch = len(batch_gt_instances)
        labels = torch.zeros((batch, num_max), dtype=torch.long, device=device)
        bboxes = torch.zeros((batch, num_max, 4), device=device)
        mask = torch.zeros((batch, num_max), device=device)
        for i, gts in enumerate(batch_gt_instances):
            n = len(gts)
            if n:
                gt_labels = gts.labels.to(device).long()
                if gt_labels.min() < 0 or gt_labels.max() >= self.num_classes:
                    raise ValueError(
                        f'gt labels must be in [0, {self.num_classes}), got '
                        f'{gt_labels.min().item()}..'
                        f'{gt_labels.max().item()}: check num_classes')
                labels[i, :n] = gt_labels
                bboxes[i, :n] = get_box_tensor(gts.bboxes).to(device).float()
                mask[i, :n] = 1
        return labels, bboxes, mask

    def assign(self, scores: Tensor, pred_bboxes: Tensor, points: Tensor,
               strides: Tensor, counts: List[int], gt_labels: Tensor,
               gt_bboxes: Tensor, pad_mask: Tensor) -> AssignResult:
        """Targets of a batch: ATSS before ``static_assigner_epoch``, then
        task-aligned.

        Args:
            scores (Tensor): ``(B, L, C)`` predicted probabilities.
            pred_bboxes (Tensor): ``(B, L, 4)`` predicted boxes in pixels.
            points (Tensor): ``(L, 2)`` cell centres in pixels.
            strides (Tensor): ``(L, 1)`` strides.
            counts (list[int]): Priors per level.
            gt_labels (Tensor): ``(B, n)`` padded labels.
            gt_bboxes (Tensor): ``(B, n, 4)`` padded boxes.
            pad_mask (Tensor): ``(B, n)`` mask of the real gts.

        Returns:
            AssignResult: The targets.
        """
        if self.current_epoch() < self.train_cfg.static_assigner_epoch:
            half = self.grid_cell_scale * strides / 2
            priors = torch.cat([points - half, points + half], -1)
            return self.static_assigner(
                priors,
                counts,
                gt_labels,
                gt_bboxes,
                pad_mask,
                pred_bboxes=pred_bboxes.detach())
        return self.assigner(scores.detach(), pred_bboxes.detach(), points,
                             gt_labels, gt_bboxes, pad_mask)

    def avg_factor(self, assigned_scores: Tensor) -> Tensor:
        """Paddle's normalizer: the sum of the soft targets, averaged over
        processes and at least 1 when distributed; on one process the raw
        sum (1 if it is 0, where Paddle would divide by zero).

        Args:
            assigned_scores (Tensor): ``(B, L, C)`` soft targets.

        Returns:
            Tensor: The normalizer (no gradient).
        """
        total = assigned_scores.sum().detach()
        if get_world_size() > 1:
            return reduce_mean(total).clamp(min=1)
        return torch.where(total > 0, total, torch.ones_like(total))

    def _decode_for_loss(self, cls_scores: Sequence[Tensor],
                         bbox_preds: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Flatten the levels and decode the predicted boxes in strides.

        Args:
            cls_scores (Sequence[Tensor]): Class probabilities per level.
            bbox_preds (Sequence[Tensor]): Distributions per level.

        Returns:
            tuple: :meth:`_flatten`'s scores, distributions, points,
            strides and counts, then the cell centres ``(L, 2)`` and the
            predicted boxes ``(B, L, 4)``, both in strides.
        """
        scores, dists, points, strides, counts = self._flatten(
            cls_scores, bbox_preds)
        centers = points / strides
        pred_bboxes = self.distance2bbox(centers, self.integral(dists))
        return scores, dists, points, strides, counts, centers, pred_bboxes

    def _box_losses(self, pred_bboxes: Tensor, dists: Tensor, centers: Tensor,
                    pos: Tensor, pos_targets: Tensor, weight: Tensor,
                    avg_factor: Tensor) -> Tuple[Tensor, Tensor]:
        """GIoU and DFL losses of the positives, as Paddle weights them:
        each positive by ``weight``, normalized by ``avg_factor`` (the DFL
        also averaged over the four sides).

        Args:
            pred_bboxes (Tensor): ``(B, L, 4)`` predicted boxes in strides.
            dists (Tensor): ``(B, L, 4 * (reg_max + 1))`` distributions.
            centers (Tensor): ``(L, 2)`` cell centres in strides.
            pos (Tensor): ``(B, L)`` mask of the positives.
            pos_targets (Tensor): ``(P, 4)`` their gt boxes in strides.
            weight (Tensor): ``(P, )`` their weights.
            avg_factor (Tensor): The normalizer.

        Returns:
            tuple[Tensor]: ``loss_bbox`` and ``loss_dfl`` (zeros that keep
            the graph when there is no positive).
        """
        if not pos.any():
            return dists.sum() * 0, dists.sum() * 0
        pos_centers = centers.expand(pos.shape[0], -1, -1)[pos]
        loss_bbox = self.loss_bbox(
            pred_bboxes[pos],
            pos_targets,
            weight=weight,
            avg_factor=avg_factor)
        target_corners = bbox2distance(pos_centers, pos_targets,
                                       self.reg_max).reshape(-1)
        loss_dfl = self.loss_dfl(
            dists[pos].reshape(-1, self.reg_max + 1),
            target_corners,
            weight=weight[:, None].expand(-1, 4).reshape(-1),
            avg_factor=4.0 * avg_factor)
        return loss_bbox, loss_dfl

    def loss_by_feat(
        self,
        cls_scores: List[Tensor],
        bbox_preds: List[Tensor],
        batch_gt_instances: Sequence[InstanceData],
        batch_img_metas: Sequence[dict],
        batch_gt_instances_ignore: Optional[Sequence[InstanceData]] = None
    ) -> dict:
        """Paddle's PicoHeadV2 losses.

        Args:
            cls_scores (list[Tensor]): Class probabilities per level.
            bbox_preds (list[Tensor]): Distributions per level.
            batch_gt_instances (Sequence[InstanceData]): ``bboxes`` and
                ``labels`` per image.
            batch_img_metas (Sequence[dict]): Image metas (unused).
            batch_gt_instances_ignore (Sequence[InstanceData], optional):
                Unused: like Paddle's COCO reader (``load_crowd=False``),
                crowd / ignored boxes take no part in training.

        Returns:
            dict: ``loss_cls``, ``loss_bbox``, ``loss_dfl``.
        """
        scores, dists, points, strides, counts, centers, pred_bboxes = \
            self._decode_for_loss(cls_scores, bbox_preds)
        gt_labels, gt_bboxes, pad_mask = self.pad_gts(batch_gt_instances,
                                                      scores.device)
        targets = self.assign(scores, pred_bboxes * strides, points, strides,
                              counts, gt_labels, gt_bboxes, pad_mask)
        assigned_bboxes = targets.bboxes / strides
        avg_factor = self.avg_factor(targets.scores)
        loss_cls = self.loss_cls(
            scores.reshape(-1, self.num_classes),
            targets.scores.reshape(-1, self.num_classes),
            avg_factor=avg_factor)

        pos = (targets.labels >= 0) & (targets.labels < self.num_classes)
        loss_bbox, loss_dfl = self._box_losses(
            pred_bboxes, dists, centers, pos, assigned_bboxes[pos],
            targets.scores.max(-1).values[pos], avg_factor)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_dfl=loss_dfl)

    # ------------------------------------------------------------ predict
    def predict_by_feat(self,
                        cls_scores: List[Tensor],
                        bbox_preds: List[Tensor],
                        score_factors: Optional[List[Tensor]] = None,
                        batch_img_metas: Optional[List[dict]] = None,
                        cfg: Optional[ConfigDict] = None,
                        rescale: bool = False,
                        with_nms: bool = True) -> List[InstanceData]:
        """Detections per image, post-processed as Paddle's MultiClassNMS.

        Per class the ``nms_pre`` best (score above ``score_thr``) boxes
        over all levels are kept, NMS runs per class, and the
        ``max_per_img`` best detections remain. Boxes are not clipped to
        the image (Paddle does not clip them either).

        Args:
            cls_scores (list[Tensor]): Class probabilities per level.
            bbox_preds (list[Tensor]): Distributions per level.
            score_factors (list[Tensor], optional): Unused (must be None).
            batch_img_metas (list[dict], optional): Metas with
                ``scale_factor`` when ``rescale``.
            cfg (ConfigDict, optional): Test config; ``self.test_cfg`` by
                default.
            rescale (bool): Map boxes back to the original image.
            with_nms (bool): Run NMS.

        Returns:
            list[InstanceData]: ``scores``, ``labels`` and ``bboxes`` per
            image.
        """
        if score_factors is not None:
            raise ValueError('PicoHeadV2 has no score factors')
        cfg = ConfigDict(self.test_cfg if cfg is None else cfg)
        scores, dists, points, strides, _ = self._flatten(
            [s.detach() for s in cls_scores], [d.detach() for d in bbox_preds])
        bboxes = self.distance2bbox(points, self.integral(dists) * strides)
        batch_img_metas = batch_img_metas or [{}] * scores.shape[0]
        return [
            self._postprocess(scores[i], bboxes[i], meta, cfg, rescale,
                              with_nms)
            for i, meta in enumerate(batch_img_metas)
        ]

    def _postprocess(self, scores: Tensor, bboxes: Tensor, img_meta: dict,
                     cfg: ConfigDict, rescale: bool,
                     with_nms: bool) -> InstanceData:
        """Per-class top-k, per-class NMS and final top-k of one image."""
        prior_idx, labels = (scores > cfg.score_thr).nonzero(as_tuple=True)
        values = scores[prior_idx, labels]
        nms_pre = cfg.get('nms_pre', -1)
        if nms_pre > 0 and values.numel():
            # rank of each candidate within its class, best first
            order = torch.argsort(labels * 2.0 - values, stable=True)
            sorted_labels = labels[order]
            first = torch.searchsorted(sorted_labels, sorted_labels)
            rank = torch.empty_like(order)
            rank[order] = torch.arange(order.numel(), device=order.device) \
                - first
            keep = rank < nms_pre
            prior_idx, labels, values = (prior_idx[keep], labels[keep],
                                         values[keep])
        boxes = bboxes[prior_idx]
        if rescale:
            if img_meta.get('scale_factor') is None:
                raise KeyError('rescale=True needs scale_factor in the '
                               'image metas')
            boxes = scale_boxes(boxes,
                                [1 / s for s in img_meta['scale_factor']])
        if with_nms and values.numel():
            dets, keep = batched_nms(boxes, values, labels, cfg.nms)
            boxes, values, labels = boxes[keep], dets[:, -1], labels[keep]
        else:
            order = values.argsort(descending=True)
            boxes, values, labels = boxes[order], values[order], labels[order]
        max_per_img = cfg.get('max_per_img', -1)
        if max_per_img > 0:
            boxes, values, labels = (boxes[:max_per_img], values[:max_per_img],
                                     labels[:max_per_img])
        results = InstanceData()
        results.bboxes = boxes
        results.scores = values
        results.labels = labels
        return results
