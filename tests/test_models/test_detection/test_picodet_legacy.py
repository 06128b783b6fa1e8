"""Legacy PP-PicoDet (CSP-PAN + PicoHead + SimOTA) in mmdet: the configs
build with PaddleDetection's sizes, SimOTA assigns as Paddle's does,
training reduces the loss, prediction gives boxes, and bad input fails
clearly. Parity with paddledet's own modules: tests/test_converters/
test_picodet_legacy_paddle.py."""
import glob
import os.path as osp

import pytest
import torch
from conftest import CONFIGS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData

from mm_pplcnet.converters import build_picodet, picodet_model_cfg

# the recipes (the toy config is tested with the tools)
LEGACY = sorted(
    f for f in glob.glob(str(CONFIGS / 'picodet' / 'picodet-legacy_*.py'))
    if 'toy' not in osp.basename(f))
# config -> (LCNet scale, C3 / C4 / C5, classes, eval (H, W))
EXPECTED = {
    'picodet-legacy_pplcnet-x1.0_416_coco.py': (1.0, [128, 256,
                                                      512], 80, (416, 416)),
    'picodet-legacy_pplcnet-x1.5_416_coco.py': (1.5, [192, 384,
                                                      768], 80, (416, 416)),
    'picodet-legacy_pplcnet-x1.0_800x608_publaynet.py':
    (1.0, [128, 256, 512], 5, (800, 608)),
    'picodet-legacy_pplcnet-x1.0_800x608_cdla.py':
    (1.0, [128, 256, 512], 10, (800, 608)),
}


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def test_config_list():
    assert sorted(osp.basename(f) for f in LEGACY) == sorted(EXPECTED)


@pytest.mark.parametrize('path', LEGACY, ids=osp.basename)
def test_config_builds_with_paddle_recipe(path):
    cfg = Config.fromfile(path)
    scale, widths, num_classes, eval_hw = EXPECTED[osp.basename(path)]
    model = build_picodet(cfg.model)
    assert model.backbone.scale == scale
    assert type(model.neck).__name__ == 'CSPPAN'
    assert model.neck.in_channels == widths
    assert model.neck.out_channels == 128 and model.neck.num_features == 4
    head = model.bbox_head
    assert type(head).__name__ == 'PicoHead'
    assert head.num_classes == num_classes
    assert head.strides == (8, 16, 32, 64)
    assert len(head.conv_feat.towers[0]) == 4
    # one conv per level: classes + 4 x 8 bins (share_cls_reg)
    assert [c.out_channels for c in head.head_cls_list] == \
        [num_classes + 32] * 4
    assert not hasattr(head, 'head_reg_list')
    assert not hasattr(head, 'cls_align') and head.conv_feat.se is None
    assert type(head.assigner).__name__ == 'PaddleSimOTAAssigner'
    assert (head.assigner.candidate_topk, head.assigner.iou_weight,
            head.assigner.center_radius) == (10, 6.0, 2.5)
    assert head.loss_bbox.loss_weight == 2.0
    assert head.loss_dfl.loss_weight == 0.25
    assert not hasattr(head, 'static_assigner')
    resize = [t for t in cfg.test_pipeline if t['type'] == 'Resize'][0]
    assert tuple(resize['scale'])[::-1] == eval_hw  # mmdet: (W, H)
    opt = cfg.optim_wrapper
    assert opt.optimizer.lr == 0.4 and opt.optimizer.weight_decay == 4e-5
    assert opt.paramwise_cfg.norm_decay_mult == 0.0
    assert opt.paramwise_cfg.custom_keys == {'neck': dict(decay_mult=1.0)}


def test_x1_5_has_paddles_size():
    """PaddleDetection's LCNet-1.5x legacy PicoDet: paddledet 2.6.0's
    modules have 3,107,668 trainable parameters, 4 of them the unused
    ``p{3..6}_feat.scale_reg`` scalars of its GFLHead base; Paddle's README
    truncates to 3.10M."""
    cfg = Config.fromfile(
        str(CONFIGS / 'picodet' / 'picodet-legacy_pplcnet-x1.5_416_coco.py'))
    assert count(build_picodet(cfg.model)) == 3_107_668 - 4


def test_forward_shapes_and_outputs():
    model = build_picodet(
        picodet_model_cfg(1.0, 128, 4, 10, generation='legacy'))
    model.init_weights()
    model.eval()
    x = torch.randn(1, 3, 192, 160)
    with torch.no_grad():
        cls_scores, dists = model(x, mode='tensor')
    assert [tuple(c.shape) for c in cls_scores] == [(1, 10, 24, 20),
                                                    (1, 10, 12, 10),
                                                    (1, 10, 6, 5),
                                                    (1, 10, 3, 3)]
    assert all(d.shape[1] == 32 for d in dists)
    # probabilities from the prior at initialization (bias -log(99))
    assert all(((c > 0) & (c < 1)).all() for c in cls_scores)
    assert abs(float(cls_scores[0].mean()) - 0.01) < 5e-3


def _sample(boxes, labels, hw=(128, 128)):
    sample = DetDataSample()
    sample.set_metainfo(
        dict(
            img_shape=hw,
            pad_shape=hw,
            batch_input_shape=hw,
            scale_factor=(1.0, 1.0),
            ori_shape=hw))
    gt = InstanceData()
    gt.bboxes = torch.tensor(boxes, dtype=torch.float32)
    gt.labels = torch.tensor(labels, dtype=torch.long)
    sample.gt_instances = gt
    return sample


def test_training_reduces_the_loss_and_predicts():
    torch.manual_seed(0)
    model = build_picodet(
        picodet_model_cfg(0.5, 64, 2, 3, generation='legacy'))
    model.init_weights()
    model.train()
    x = torch.randn(2, 3, 128, 128)
    samples = [
        _sample([[10., 20., 70., 90.], [60., 50., 120., 110.]], [0, 2]),
        _sample([[30., 30., 100., 80.]], [1])
    ]
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    totals, boxes = [], []
    for _ in range(40):
        losses = model.loss(x, samples)
        assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_dfl'}
        total = sum(losses.values())
        assert torch.isfinite(total)
        opt.zero_grad()
        total.backward()
        opt.step()
        totals.append(float(total.detach()))
        boxes.append(float(losses['loss_bbox'].detach()))
    # measured 2.28 -> 0.95; the box loss first rises (the positives'
    # weights are the predicted scores, 0.01 at the start, and SimOTA's
    # positives change), then falls (0.57 at iteration 12, 0.28 at 39)
    assert totals[-1] < 0.6 * totals[0]
    assert boxes[-1] < 0.7 * max(boxes)
    model.eval()
    with torch.no_grad():
        results = model.predict(x, samples)
    assert len(results) == 2
    for res in results:
        assert res.pred_instances.bboxes.shape[1] == 4
        assert len(res.pred_instances) <= 100


def test_images_without_gts_train():
    model = build_picodet(
        picodet_model_cfg(0.5, 64, 2, 3, generation='legacy'))
    model.train()
    sample = _sample(torch.zeros((0, 4)).tolist(), [])
    losses = model.loss(torch.randn(1, 3, 128, 128), [sample])
    assert float(losses['loss_bbox']) == 0.0
    assert float(losses['loss_cls']) > 0
    sum(losses.values()).backward()


def test_simota_assigns_like_paddle_by_hand():
    """A gt takes its cheapest candidates, as many as the integer part of
    its summed top IoUs; a prior outside the gt is never positive."""
    from mm_pplcnet.models.detection import PaddleSimOTAAssigner
    assigner = PaddleSimOTAAssigner(num_classes=2)
    # 4 x 4 grid of stride 8 cells, centres at 4, 12, 20, 28
    ys, xs = torch.meshgrid(
        torch.arange(4.) * 8 + 4, torch.arange(4.) * 8 + 4, indexing='ij')
    points = torch.stack([xs.flatten(), ys.flatten()], -1)
    strides = torch.full((16, 1), 8.)
    gt = torch.tensor([[0., 0., 16., 16.]])
    # predicted boxes: the gt itself at the four cells inside it, elsewhere
    # a far box
    pred = torch.tensor([[40., 40., 48., 48.]]).repeat(16, 1)
    inside = [0, 1, 4, 5]
    pred[inside] = gt
    scores = torch.full((16, 2), 0.1)
    scores[inside, 1] = 0.9
    assigned = assigner.assign_single(scores, pred, points, strides,
                                      torch.tensor([1]), gt)
    # IoUs of the candidates: 1 at the four cells -> k = 4
    assert sorted((assigned >= 0).nonzero()[:, 0].tolist()) == inside
    result = assigner(scores[None], pred[None], points, strides,
                      torch.tensor([[1, 0]]),
                      torch.cat([gt, torch.zeros(1, 4)])[None],
                      torch.tensor([[1., 0.]]))
    assert result.labels[0, inside].tolist() == [1] * 4
    assert (result.labels[0, [2, 3, 6, 15]] == 2).all()
    assert result.pos_mask[0, 0, inside].tolist() == [1.0] * 4
    assert result.pos_mask[0, 1].sum() == 0


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match='num_csp_blocks'):
        build_picodet(
            dict(
                picodet_model_cfg(1.0, 128, 4, generation='legacy'),
                neck=dict(
                    type='CSPPAN',
                    in_channels=[128, 256, 512],
                    out_channels=128,
                    num_csp_blocks=0)))
    with pytest.raises(ValueError, match='generation'):
        picodet_model_cfg(1.0, 128, 4, generation='v3')
    model = build_picodet(picodet_model_cfg(1.0, 128, 4,
                                            generation='legacy')).eval()
    with pytest.raises(ValueError, match='CSPPAN input 0 has 3 channels'):
        model.neck([torch.randn(1, 3, 8, 8)] * 3)
