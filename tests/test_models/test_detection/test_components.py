"""The PicoDet parts one at a time: assigners, varifocal loss, per-batch
resize, EMA and transforms (paddledet comparisons are in
tests/test_converters/test_picodet_paddle.py)."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.structures import InstanceData

from mm_pplcnet.datasets.transforms import (PaddleRandomCrop,
                                            PaddleRandomDistort)
from mm_pplcnet.models.detection import (PaddleATSSAssigner, PaddleEMA,
                                         PaddleTaskAlignedAssigner,
                                         PicoBatchRandomResize,
                                         ProbVarifocalLoss)


def grid_points(size=10, stride=8):
    ys, xs = torch.meshgrid(
        torch.arange(size), torch.arange(size), indexing='ij')
    return (torch.stack([xs, ys], -1).reshape(-1, 2).float() + 0.5) * stride


def test_task_aligned_filters_centres_before_topk():
    """The best-scored priors lie outside the gt: Paddle's order (centre
    test, then top-k) still finds the 9 priors inside it, where applying
    the centre test after the top-k (mmdet's order) would find none."""
    points = grid_points()
    gt = torch.tensor([[[0.0, 0.0, 24.0, 24.0]]])  # 3 x 3 centres inside
    inside = (points < 24).all(-1)
    scores = torch.full((1, 100, 2), 0.1)
    scores[0, ~inside, 0] = 0.9  # confident outside
    scores[0, inside, 0] = torch.linspace(0.2, 0.6, 9)
    pred = gt.expand(1, 100, 4)  # every prediction is the gt box
    res = PaddleTaskAlignedAssigner(
        topk=13, num_classes=2)(scores, pred, points, torch.tensor([[0]]), gt,
                                torch.ones(1, 1))
    positive = res.labels[0] == 0
    assert positive.tolist() == inside.tolist()
    assert (res.labels[0][~positive] == 2).all()
    # target = metric / best metric x best IoU (1 here)
    expected = scores[0, inside, 0] / scores[0, inside, 0].max()
    torch.testing.assert_close(res.scores[0, inside, 0], expected)
    assert (res.scores[0, :, 1] == 0).all()


def test_atss_soft_targets_are_prediction_ious():
    points = grid_points()
    half = 2.5 * 8
    priors = torch.cat([points - half, points + half], -1)
    gt = torch.tensor([[[10.0, 12.0, 50.0, 60.0], [0, 0, 0, 0]]])
    pred = torch.cat([points - 10, points + 12], -1)[None]
    res = PaddleATSSAssigner(
        topk=9, num_classes=3)(
            priors, [100],
            torch.tensor([[1, 0]]),
            gt,
            torch.tensor([[1.0, 0.0]]),
            pred_bboxes=pred)
    positive = res.labels[0] == 1
    assert 0 < positive.sum() <= 9
    centres = points[positive]
    assert ((centres > gt[0, 0, :2]) & (centres < gt[0, 0, 2:])).all()
    from mmdet.structures.bbox import bbox_overlaps
    ious = bbox_overlaps(pred[0, positive], gt[0, :1]).squeeze(1)
    torch.testing.assert_close(res.scores[0, positive, 1], ious)
    assert res.scores[0, ~positive].sum() == 0
    # the padded gt never gets priors
    assert res.pos_mask[0, 1].sum() == 0


def test_varifocal_on_probabilities_matches_logits_and_mmdet():
    from mmdet.models.losses import VarifocalLoss
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(20, 5, generator=gen)
    target = torch.zeros(20, 5)
    target[torch.arange(8), torch.arange(8) % 5] = torch.rand(8, generator=gen)
    prob = ProbVarifocalLoss()(logits.sigmoid(), target, avg_factor=3.0)
    logit = ProbVarifocalLoss(use_sigmoid=True)(logits, target, avg_factor=3.)
    mmdet = VarifocalLoss(use_sigmoid=True)(logits, target, avg_factor=3.0)
    torch.testing.assert_close(prob, logit, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(logit, mmdet, rtol=1e-5, atol=1e-6)
    # a negative at p = 0.5: alpha * p ** 2 * BCE
    single = ProbVarifocalLoss(reduction='sum')(torch.tensor([[0.5]]),
                                                torch.tensor([[0.0]]))
    assert float(single) == pytest.approx(0.75 * 0.25 * np.log(2))
    with pytest.raises(ValueError, match='differ'):
        ProbVarifocalLoss()(torch.rand(2, 3), torch.rand(3, 2))


def test_batch_random_resize_stretches_each_image():
    augment = PicoBatchRandomResize(sizes=[64], interpolations=['bilinear'])
    inputs = torch.zeros(2, 3, 48, 64)
    inputs[0, :, :40, :32] = 1.0  # image 0 is 40 x 32, then padding
    inputs[1] = 2.0  # image 1 is 48 x 64
    samples = []
    for h, w in ((40, 32), (48, 64)):
        s = DetDataSample(
            metainfo=dict(img_shape=(h, w), scale_factor=(0.5, 0.5)))
        s.gt_instances = InstanceData(
            bboxes=HorizontalBoxes(torch.tensor([[4.0, 8.0, 16.0, 20.0]])))
        samples.append(s)
    out, samples = augment(inputs, samples)
    assert out.shape == (2, 3, 64, 64)
    assert torch.allclose(out[0], torch.ones(3, 64, 64))  # no padding
    assert torch.allclose(out[1], torch.full((3, 64, 64), 2.0))
    torch.testing.assert_close(samples[0].gt_instances.bboxes.tensor,
                               torch.tensor([[8.0, 12.8, 32.0, 32.0]]))
    assert samples[0].img_shape == samples[0].batch_input_shape == (64, 64)
    assert samples[0].scale_factor == pytest.approx((1.0, 0.8))
    with pytest.raises(ValueError, match='interpolations'):
        PicoBatchRandomResize(sizes=[64], interpolations=['lanczos'])


def test_paddle_ema_starts_from_zero_with_bias_correction():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    ema = PaddleEMA(model, decay=0.9998)
    weights = []
    for step in range(3):
        with torch.no_grad():
            model[0].weight.normal_()
            model[1].running_mean.normal_()
        weights.append(model[0].weight.clone())
        ema.update_parameters(model)
    # raw = sum_t (1 - d_t) prod_{s > t} d_s w_t with d_t = (1 + t) / (10 + t)
    d = [(1 + t) / (10 + t) for t in range(3)]
    raw = torch.zeros_like(weights[0])
    for t in range(3):
        raw = d[t] * raw + (1 - d[t]) * weights[t]
    torch.testing.assert_close(ema.shadow.get_buffer('0__weight'), raw)
    torch.testing.assert_close(ema.module[0].weight, raw / (1 - d[2]**3))
    # BN statistics are averaged too, the counter copied
    assert not torch.allclose(ema.module[1].running_mean,
                              model[1].running_mean)
    assert ema.module[1].num_batches_tracked == model[1].num_batches_tracked
    # the raw averages are saved (for resuming), the weights swap
    assert 'shadow.0__weight' in ema.state_dict()
    with pytest.raises(ValueError, match='decay_type'):
        PaddleEMA(model, decay_type='cosine')


def _results(rng):
    img = rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)
    boxes = np.array([[10, 10, 50, 60], [60, 20, 110, 80], [2, 70, 20, 88]],
                     np.float32)
    return dict(
        img=img,
        img_shape=img.shape[:2],
        gt_bboxes=HorizontalBoxes(torch.from_numpy(boxes)),
        gt_bboxes_labels=np.array([0, 1, 2]),
        gt_ignore_flags=np.zeros(3, bool))


def test_random_crop_keeps_boxes_consistent():
    rng = np.random.default_rng(0)
    np.random.seed(0)
    crop = PaddleRandomCrop()
    shapes = set()
    for _ in range(20):
        res = crop(_results(rng))
        h, w = res['img'].shape[:2]
        shapes.add((h, w))
        assert res['img_shape'] == (h, w)
        boxes = res['gt_bboxes'].numpy()
        assert len(boxes) == len(res['gt_bboxes_labels']) == len(
            res['gt_ignore_flags']) > 0
        assert (boxes >= 0).all() and (boxes[:, 2]
                                       <= w).all() and (boxes[:, 3]
                                                        <= h).all()
        assert (boxes[:, :2] < boxes[:, 2:]).all()
    assert len(shapes) > 1  # it does crop
    empty = _results(rng)
    empty['gt_bboxes'] = empty['gt_bboxes'][:0]
    assert crop(empty)['img'].shape == (90, 120, 3)


def test_random_distort_is_float_and_unclipped():
    np.random.seed(1)
    distort = PaddleRandomDistort(
        hue=(-18, 18, 0),
        saturation=(0.5, 1.5, 0),
        contrast=(1.6, 1.6, 0),
        brightness=(0.5, 1.5, 1.0))  # all but brightness always applied
    res = distort(_results(np.random.default_rng(0)))
    assert res['img'].dtype == np.float32 and res['img'].shape == (90, 120, 3)
    assert res['img'].max() > 255  # contrast x1.6, not clipped
    with pytest.raises(ValueError, match='low, high, prob'):
        PaddleRandomDistort(hue=(0, 1))
