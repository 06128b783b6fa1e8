"""PP-PicoDet in mmdet: every config builds with PaddleDetection's exact
sizes and recipe, training runs in both assignment phases, prediction
gives boxes, and bad input fails clearly."""
import glob
import os.path as osp

import pytest
import torch
from conftest import CONFIGS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.structures import InstanceData

from mm_pplcnet.converters import build_picodet, picodet_model_cfg

# Paddle's PicoDet state dict without BN statistics and without the DFL
# projection (../shared/reference/picodet.md, paddledet 2.6.0, 80 classes)
PADDLE_STATE_DICT = {
    'xs': 747_714,
    's': 1_229_952,
    'm': 3_523_112,
    'l': 5_876_632,
}
# ... minus what is not a parameter of the network: Paddle's state dict
# lists every head prediction conv twice (``head_cls{i}`` and
# ``head_cls_list.{i}`` are one tensor) and keeps four unused GFLHead
# scalars (``p{3..6}_feat.scale_reg``). These are the README's
# 0.70 / 1.18 / 3.46 / 5.80M.
TRAINABLE = {'xs': 704_254, 's': 1_186_492, 'm': 3_465_316, 'l': 5_804_500}
SIZES = {'xs': (0.35, 96), 's': (0.75, 96), 'm': (1.5, 128), 'l': (2.0, 160)}
# the COCO recipes of the current PicoDet (other configs in the folder, e.g.
# toy data, are tested with their tools; the legacy ones in
# test_picodet_legacy.py, the PP-LCNetV2 one in test_pplcnetv2_configs.py)
ALL_CONFIGS = sorted(
    f for f in glob.glob(str(CONFIGS / 'picodet' / '*_coco.py'))
    if 'legacy' not in osp.basename(f) and 'lcnetv2' not in osp.basename(f))


def load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / 'picodet' / name))


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@pytest.fixture(autouse=True)
def epoch_zero():
    """Each test starts in the ATSS phase."""
    MessageHub.get_current_instance().update_info('epoch', 0)
    yield
    MessageHub.get_current_instance().update_info('epoch', 0)


def test_config_list():
    names = sorted(osp.basename(f) for f in ALL_CONFIGS)
    expected = [
        f'picodet-{s}_lcnet_{r}_coco.py' for s in SIZES for r in (320, 416)
    ]
    expected += ['picodet-l_lcnet_640_coco.py'] + list(COMPARISON)
    assert names == sorted(expected)


# the seed's backbone comparison, all with the S-416 head: config ->
# (backbone type, scale, C3 / C4 / C5 widths)
COMPARISON = {
    'picodet_pplcnet_1x_coco.py': ('PPLCNet', 1.0, [128, 256, 512]),
    'picodet_pplcnet-x0.5_416_coco.py': ('PPLCNet', 0.5, [64, 128, 256]),
    'picodet_paddle-mobilenet-v3-large-x0.35_416_coco.py':
    ('PaddleMobileNetV3', 0.35, [16, 40, 56]),
    'picodet_paddle-mobilenet-v3-large-x0.75_416_coco.py':
    ('PaddleMobileNetV3', 0.75, [32, 88, 120]),
}


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=osp.basename)
def test_config_builds_with_paddle_recipe(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    model = build_picodet(cfg.model)
    size = name.split('_')[0].split('-')[-1]
    res = int(name.split('_')[2]) if size in SIZES else 416
    if size in SIZES:
        assert count(model) == TRAINABLE[size]
        assert cfg.model.backbone.scale == SIZES[size][0]
    else:  # the backbone comparison, S head
        kind, scale, widths = COMPARISON[name]
        assert cfg.model.backbone.type == kind
        assert cfg.model.backbone.scale == scale
        assert list(model.backbone.out_channels[2:]) == widths
        assert cfg.model.neck.in_channels == widths
        assert cfg.model.bbox_head.in_channels == 96
        with torch.no_grad():
            outs = model.eval()(torch.randn(1, 3, 128, 128), mode='tensor')
        assert len(outs[0]) == 4  # four levels, strides 8 ... 64
    assert cfg.model.backbone.init_cfg is None  # nothing downloads
    # Paddle's lr rule: 0.00125 x total batch on 4 GPUs
    batch = cfg.train_dataloader.batch_size
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(0.00125 * 4 * batch)
    assert cfg.auto_scale_lr.base_batch_size == 4 * batch
    # eval stretch size, and training sizes res - 64 .. res + 64
    assert cfg.test_dataloader.dataset.pipeline[1].scale == (res, res)
    sizes = cfg.model.data_preprocessor.batch_augments[0].sizes
    assert sizes == list(range(res - 64, res + 65, 32))
    assert cfg.train_cfg.max_epochs in (200, 250, 300)
    assert cfg.param_scheduler[1].T_max == 300
    assert cfg.model.train_cfg.static_assigner_epoch == 100
    assert cfg.default_scope == 'mmdet'
    assert 'mm_pplcnet.models.detection' in cfg.custom_imports.imports
    assert cfg.custom_hooks[0].ema_type == 'PaddleEMA'


@pytest.mark.parametrize('size', sorted(TRAINABLE))
def test_parameter_counts_match_paddle(size):
    scale, channels = SIZES[size]
    num_convs = 2 if size in ('xs', 's') else 4
    model = build_picodet(picodet_model_cfg(scale, channels, num_convs))
    assert count(model) == TRAINABLE[size]
    # the same network: add back Paddle's duplicated prediction convs and
    # its four unused scalars to get its state-dict count
    head = model.bbox_head
    duplicated = sum(p.numel()
                     for m in (*head.head_cls_list, *head.head_reg_list)
                     for p in m.parameters())
    assert count(model) + duplicated + 4 == PADDLE_STATE_DICT[size]
    # the DFL projection is not in the state dict
    assert not any('project' in k for k in model.state_dict())


def fake_batch(num_images=2, size=128, empty=False):
    """Images of different sizes with two boxes each (none if empty)."""
    gen = torch.Generator().manual_seed(0)
    data = dict(inputs=[], data_samples=[])
    for i in range(num_images):
        h, w = size + 16 * i, size - 8 * i
        data['inputs'].append(
            torch.randint(0, 256, (3, h, w), generator=gen, dtype=torch.uint8))
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(h, w), ori_shape=(h, w), scale_factor=(1., 1.)))
        boxes = torch.tensor([[5.3, 8.1, 60.2, 70.4],
                              [40.7, 30.2, 110.5, 120.9]])
        sample.gt_instances = InstanceData(
            bboxes=boxes[:0] if empty else boxes,
            labels=torch.tensor([3, 7])[:0 if empty else 2])
        data['data_samples'].append(sample)
    return data


@pytest.fixture(scope='module')
def xs_model():
    cfg = load('picodet-xs_lcnet_320_coco.py')
    # small training sizes for a fast CPU test
    cfg.model.data_preprocessor.batch_augments[0].sizes = [128, 160]
    model = build_picodet(cfg.model)
    model.init_weights()
    return model


def train_losses(model, data):
    model.train()
    batch = model.data_preprocessor(data, training=True)
    return model(**batch, mode='loss'), batch


def test_train_step_both_assignment_phases(xs_model):
    torch.manual_seed(0)
    losses, batch = train_losses(xs_model, fake_batch())
    # the per-batch random square size, boxes stretched with the image
    size = batch['inputs'].shape[-1]
    assert batch['inputs'].shape[-2:] == (size, size) and size in (128, 160)
    assert batch['data_samples'][1].img_shape == (size, size)
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_dfl'}
    total = sum(losses.values())
    assert torch.isfinite(total) and all(v > 0 for v in losses.values())
    xs_model.zero_grad()
    total.backward()
    no_grad = {
        n
        for n, p in xs_model.named_parameters()
        if p.grad is None or not p.grad.abs().sum() > 0
    }
    # everything learns, except the box convs of levels without positives
    # (boxes enter the losses through positives only)
    assert all(n.startswith('bbox_head.head_reg_list.') for n in no_grad)
    assert len(no_grad) < 8

    # the same predictions in the task-aligned phase give other targets
    with torch.no_grad():
        feats = xs_model.extract_feat(batch['inputs'])
        outs = xs_model.bbox_head(feats)
        gts = [s.gt_instances for s in batch['data_samples']]
        atss = xs_model.bbox_head.loss_by_feat(*outs, gts, [])
        MessageHub.get_current_instance().update_info('epoch', 100)
        tal = xs_model.bbox_head.loss_by_feat(*outs, gts, [])
    assert all(torch.isfinite(v) and v > 0 for v in tal.values())
    assert abs(float(atss['loss_cls']) - float(tal['loss_cls'])) > 1e-3


def test_train_step_without_gts(xs_model):
    losses, _ = train_losses(xs_model, fake_batch(empty=True))
    assert torch.isfinite(losses['loss_cls']) and losses['loss_cls'] > 0
    assert float(losses['loss_bbox']) == 0 and float(losses['loss_dfl']) == 0


def test_predict_gives_boxes(xs_model):
    xs_model.eval()
    data = fake_batch()
    for sample in data['data_samples']:
        sample.set_metainfo(dict(scale_factor=(0.5, 0.25)))
    with torch.no_grad():
        results = xs_model.test_step(data)
    cfg = xs_model.bbox_head.test_cfg
    for res in results:
        pred = res.pred_instances
        assert 0 < len(pred) <= cfg.max_per_img
        assert pred.bboxes.shape == (len(pred), 4)
        assert (pred.scores > cfg.score_thr).all()
        assert (pred.scores[:-1] >= pred.scores[1:]).all()
        assert (pred.labels >= 0).all() and (pred.labels < 80).all()
    # rescale maps boxes back through scale_factor (x / 0.5, y / 0.25)
    with torch.no_grad():
        outs = xs_model.bbox_head(
            xs_model.extract_feat(torch.zeros(1, 3, 128, 128)))
        raw = xs_model.bbox_head.predict_by_feat(
            *outs, batch_img_metas=[{}], rescale=False, with_nms=False)[0]
        big = xs_model.bbox_head.predict_by_feat(
            *outs,
            batch_img_metas=[dict(scale_factor=(0.5, 0.25))],
            rescale=True,
            with_nms=False)[0]
    torch.testing.assert_close(big.bboxes,
                               raw.bboxes * torch.tensor([2.0, 4.0, 2.0, 4.0]))


def test_postprocess_is_per_class():
    head = build_picodet(picodet_model_cfg(0.35, 96, 2, num_classes=3))
    head = head.bbox_head
    boxes = torch.tensor([[0., 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]])
    scores = torch.tensor([[0.9, 0.8, 0.0], [0.7, 0.6, 0.0], [0.5, 0.0, 0.01]])
    cfg = head.test_cfg.copy()
    res = head._postprocess(scores, boxes, {}, cfg, False, True)
    # NMS within each class only; below-threshold scores dropped
    assert sorted(zip(res.labels.tolist(),
                      res.scores.tolist())) == [(0, pytest.approx(0.5)),
                                                (0, pytest.approx(0.9)),
                                                (1, pytest.approx(0.8))]
    cfg.nms_pre = 1  # Paddle's nms_top_k counts per class
    res = head._postprocess(scores, boxes, {}, cfg, False, False)
    assert sorted(res.scores.tolist()) == pytest.approx([0.8, 0.9])


def test_bad_input_fails_clearly():
    with pytest.raises(ValueError, match='in_channels'):
        build_picodet(picodet_model_cfg(0.35, 96, 2)).bbox_head(
            [torch.zeros(1, 64, 8, 8)] * 4)
    model = build_picodet(
        dict(
            picodet_model_cfg(0.35, 96, 2),
            neck=dict(
                type='LCPAN', in_channels=[96, 192, 384], out_channels=96)))
    with pytest.raises(ValueError, match='neck.in_channels'):
        model.extract_feat(torch.zeros(1, 3, 64, 64))
    model = build_picodet(picodet_model_cfg(0.35, 96, 2))
    with pytest.raises(ValueError, match='multiple of 32'):
        model.extract_feat(torch.zeros(1, 3, 100, 100))
    data = fake_batch(1)
    data['data_samples'][0].gt_instances.labels[0] = 80
    with pytest.raises(ValueError, match='num_classes'):
        train_losses(model, data)
    with pytest.raises(ValueError, match='num_features'):
        build_picodet(
            dict(
                type='LCPAN',
                in_channels=[8, 16, 32],
                out_channels=8,
                num_features=5))
