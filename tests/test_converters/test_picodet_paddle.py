"""PaddleDetection PP-PicoDet weights convert exactly, and our training
targets, losses, post-processing, EMA and data transforms compute what
paddledet's own code computes.

paddledet 2.6.0's LCNet + LCPAN + PicoHeadV2 get random weights and BN
statistics of O(1) activations (``randomize_ppdet_picodet_``), are saved
with ``paddle.save`` and converted by our tool; with the same inputs:
- per-level class scores and box distributions: max abs diff < 1e-4;
- losses for the same predictions and gts, ATSS phase (epoch 0) and
  task-aligned phase (epoch 150): relative difference < 1e-4 (measured
  at most 3e-7; mmdet's loss reduction adds 1.2e-7 to the normalizer);
- detections after Paddle's MultiClassNMS: same boxes (1e-3 px), scores
  (1e-5) and classes.
"""
import runpy
import sys

import numpy as np
import pytest
import torch
from conftest import CONFIGS, TOOLS
from helpers import assert_detections_match_paddle_nms, max_abs_diff
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.structures import InstanceData

from mm_pplcnet.converters import build_picodet, convert_picodet

paddle_ref = pytest.importorskip('mm_pplcnet.reference.paddle')
try:
    paddle = paddle_ref.require_paddle()
    paddle_ref.import_ppdet('ppdet.modeling.heads.pico_head')
except ImportError as err:  # pragma: no cover - depends on the install
    pytest.skip(str(err), allow_module_level=True)

# size: (LCNet scale, channels, tower blocks)
SIZES = {'s': (0.75, 96, 2), 'm': (1.5, 128, 4)}
IMG = 256
GT_BOXES = [
    np.array([[20.3, 30.7, 120.2, 200.9], [100.1, 40.2, 250.6, 140.3],
              [5.5, 150.2, 60.1, 250.7]], 'float32'),
    np.array([[60.2, 70.9, 180.4, 230.1]], 'float32'),
]
GT_LABELS = [np.array([3, 17, 3]), np.array([42])]


@pytest.fixture(scope='module', params=sorted(SIZES))
def pair(request, tmp_path_factory):
    """Paddle's PicoDet with random weights and ours converted from its
    .pdparams (through the converter tool)."""
    size = request.param
    paddle.seed(7)
    rng = np.random.default_rng(0)
    calibration, images = rng.normal(size=(2, 2, 3, IMG, IMG)).astype('f4')
    ref = paddle_ref.build_ppdet_picodet(*SIZES[size])
    paddle_ref.randomize_ppdet_picodet_(ref, calibration, seed=7)
    tmp = tmp_path_factory.mktemp(f'picodet_{size}')
    src, dst = str(tmp / 'picodet.pdparams'), str(tmp / 'picodet.pth')
    paddle.save(ref.state_dict(), src)
    config = str(CONFIGS / 'picodet' / f'picodet-{size}_lcnet_416_coco.py')
    argv = sys.argv
    sys.argv = ['picodet_to_mmdet.py', src, dst, '--config', config]
    try:
        runpy.run_path(
            str(TOOLS / 'model_converters' / 'picodet_to_mmdet.py'),
            run_name='__main__')
    finally:
        sys.argv = argv
    model = build_picodet(Config.fromfile(config).model).eval()
    model.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)
    with paddle.no_grad():
        feats = ref.neck(ref.backbone({'image': paddle.to_tensor(images)}))
        outs = ref.head.forward_train(feats)
    with torch.no_grad():
        ours = model.bbox_head(model.extract_feat(torch.from_numpy(images)))
    return dict(
        ref=ref, model=model, feats=feats, outs=outs, ours=ours, src=src)


def test_outputs_match_per_level(pair):
    pscores, pregs = pair['outs'][0].numpy(), pair['outs'][1].numpy()
    start = 0
    for cls, reg in zip(*pair['ours']):
        n = cls.shape[2] * cls.shape[3]
        cls = cls.permute(0, 2, 3, 1).reshape(2, n, -1)
        reg = reg.permute(0, 2, 3, 1).reshape(2, n, -1)
        ref_cls, ref_reg = (pscores[:,
                                    start:start + n], pregs[:,
                                                            start:start + n])
        # real signals, not near-constant outputs
        assert ref_cls.std() > 0.05 and ref_reg.std() > 0.3
        assert max_abs_diff(cls, ref_cls) < 1e-4
        assert max_abs_diff(reg, ref_reg) < 1e-4
        start += n
    assert start == pscores.shape[1]


def test_converter_errors_are_clear(pair, tmp_path):
    import pickle
    src, dst = pair['src'], str(tmp_path / 'out.pth')
    other = 'xs' if pair['model'].bbox_head.in_channels == 96 else 's'
    config = str(CONFIGS / 'picodet' / f'picodet-{other}_lcnet_416_coco.py')
    with pytest.raises(ValueError, match='shape mismatches'):
        convert_picodet(src, dst, config=config)
    with pytest.raises(ValueError, match='80 classes, not 3'):
        convert_picodet(src, dst, num_classes=3)
    with open(src, 'rb') as f:
        params = pickle.load(f)
    params['head.extra_branch.weight'] = np.zeros(3, 'float32')
    bad = str(tmp_path / 'bad.pdparams')
    with open(bad, 'wb') as f:
        pickle.dump(params, f)
    with pytest.raises(KeyError, match='head.extra_branch.weight'):
        convert_picodet(bad, dst)


def test_trainable_parameters_match_paddle(pair):
    ref, model = pair['ref'], pair['model']
    seen, total = set(), 0
    for name, param in ref.named_parameters():
        unused = name.startswith('head.p') and name.endswith('scale_reg')
        stats = name.endswith(('_mean', '_variance'))
        if id(param) in seen or unused or stats:
            continue
        seen.add(id(param))
        total += param.size
    assert sum(p.numel() for p in model.parameters()) == total


@pytest.mark.parametrize('epoch', [0, 150])
def test_losses_match_paddle(pair, epoch):
    num_max = max(len(b) for b in GT_BOXES)
    bboxes = np.zeros((2, num_max, 4), 'float32')
    labels = np.zeros((2, num_max, 1), 'int64')
    mask = np.zeros((2, num_max, 1), 'float32')
    for i, (b, lab) in enumerate(zip(GT_BOXES, GT_LABELS)):
        bboxes[i, :len(b)], labels[i, :len(b), 0], mask[i, :len(b)] = b, lab, 1
    with paddle.no_grad():
        expected = pair['ref'].head.get_loss(
            (*pair['outs'][:3], pair['feats']),
            dict(
                gt_class=paddle.to_tensor(labels),
                gt_bbox=paddle.to_tensor(bboxes),
                pad_gt_mask=paddle.to_tensor(mask),
                im_id=paddle.to_tensor(np.zeros((2, 1), 'int64')),
                epoch_id=epoch))
    gts = [
        InstanceData(bboxes=torch.from_numpy(b), labels=torch.from_numpy(lab))
        for b, lab in zip(GT_BOXES, GT_LABELS)
    ]
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', epoch)
    try:
        with torch.no_grad():
            losses = pair['model'].bbox_head.loss_by_feat(
                *pair['ours'], gts, [{}, {}])
    finally:
        hub.update_info('epoch', 0)
    for ours, theirs in (('loss_cls', 'loss_vfl'), ('loss_bbox', 'loss_bbox'),
                         ('loss_dfl', 'loss_dfl')):
        ref = float(expected[theirs])
        assert ref > 0.1
        assert abs(float(losses[ours]) - ref) < 1e-4 * ref, (ours, ref)


def test_detections_match_paddle_nms(pair):
    assert_detections_match_paddle_nms(pair)


def test_ema_matches_paddle_model_ema():
    from mm_pplcnet.models.detection import PaddleEMA
    ema_mod = paddle_ref.import_ppdet('ppdet.optimizer.ema')
    ref = paddle.nn.Sequential(
        paddle.nn.Linear(4, 3), paddle.nn.BatchNorm1D(3))
    ours = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    ref_ema = ema_mod.ModelEMA(ref, decay=0.9998)
    our_ema = PaddleEMA(ours, decay=0.9998)
    rng = np.random.default_rng(0)
    for _ in range(25):  # new weights every step, as training would
        w, b = rng.normal(size=(4, 3)), rng.normal(size=3)
        mean, var = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
        ref[0].weight.set_value(w.astype('float32'))
        ref[0].bias.set_value(b.astype('float32'))
        ref[1]._mean.set_value(mean.astype('float32'))
        ref[1]._variance.set_value(var.astype('float32'))
        with torch.no_grad():
            ours[0].weight.copy_(torch.from_numpy(w.T))
            ours[0].bias.copy_(torch.from_numpy(b))
            ours[1].running_mean.copy_(torch.from_numpy(mean))
            ours[1].running_var.copy_(torch.from_numpy(var))
        ref_ema.update()
        our_ema.update_parameters(ours)
    expected = {k: v.numpy() for k, v in ref_ema.apply().items()}
    got = our_ema.module.state_dict()
    np.testing.assert_allclose(
        got['0.weight'].numpy().T, expected['0.weight'], rtol=1e-5)
    np.testing.assert_allclose(
        got['1.running_var'].numpy(), expected['1._variance'], rtol=1e-5)
    # and not mmengine's EMA, which starts from the model's weights
    assert not np.allclose(got['0.weight'].numpy().T, w, atol=1e-2)


def _paddle_sample(img_bgr, boxes, labels):
    return dict(
        image=img_bgr[..., ::-1].copy(),
        gt_bbox=boxes.copy(),
        gt_class=labels[:, None].astype('int32'))


def _mmdet_results(img_bgr, boxes, labels):
    from mmdet.structures.bbox import HorizontalBoxes
    return dict(
        img=img_bgr.copy(),
        img_shape=img_bgr.shape[:2],
        gt_bboxes=HorizontalBoxes(torch.from_numpy(boxes.copy())),
        gt_bboxes_labels=labels.copy(),
        gt_ignore_flags=np.zeros(len(labels), bool))


def test_transforms_match_paddle_operators():
    from mm_pplcnet.datasets.transforms import (PaddleRandomCrop,
                                                PaddleRandomDistort)
    ops = paddle_ref.import_ppdet('ppdet.data.transform.operators')
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    boxes = np.array([[10, 12, 60, 90], [70, 20, 150, 110], [5, 5, 20, 30]],
                     'float32')
    labels = np.array([1, 2, 3])
    cropped_any = False
    for seed in range(12):
        np.random.seed(seed)
        ref = ops.RandomCrop()(_paddle_sample(img, boxes, labels))
        np.random.seed(seed)
        ours = PaddleRandomCrop()(_mmdet_results(img, boxes, labels))
        np.testing.assert_array_equal(ours['img'][..., ::-1], ref['image'])
        np.testing.assert_allclose(ours['gt_bboxes'].numpy(), ref['gt_bbox'])
        np.testing.assert_array_equal(ours['gt_bboxes_labels'],
                                      ref['gt_class'][:, 0])
        cropped_any |= ref['image'].shape != img.shape

        np.random.seed(seed)
        ref = ops.RandomDistort()(_paddle_sample(img, boxes, labels))
        np.random.seed(seed)
        ours = PaddleRandomDistort()(_mmdet_results(img, boxes, labels))
        assert ours['img'].dtype == np.float32
        np.testing.assert_allclose(
            ours['img'][..., ::-1], ref['image'], rtol=1e-5, atol=1e-3)
    assert cropped_any


def test_weight_decay_where_paddle_applies_it(pair):
    """Our optimizer config decays exactly the parameters Paddle's global
    L2 regularizer reaches (no ``L2Decay(0.)`` of their own), with the
    same learning rate everywhere."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope

    from mm_pplcnet.converters.common import paddle_bn_name
    from mm_pplcnet.converters.picodet import _map_key
    cfg = Config.fromfile(
        str(CONFIGS / 'picodet' / 'picodet-s_lcnet_416_coco.py'))
    model = pair['model']
    with DefaultScope.overwrite_default_scope('mmdet'):
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr = cfg.optim_wrapper.optimizer.lr
    groups = {
        id(p): (g['weight_decay'], g['lr'])
        for g in optim.param_groups
        for p in g['params']
    }
    ours = dict(model.named_parameters())
    checked = 0
    for name, param in pair['ref'].named_parameters():
        if param.stop_gradient or name.endswith('scale_reg'):
            continue  # BN statistics, unused scalars
        key = _map_key(paddle_bn_name(name))
        assert key is not None, name
        no_decay = getattr(param.regularizer, '_coeff', None) == 0.0
        decay, lr = groups[id(ours[key])]
        assert decay == (0.0 if no_decay else 4e-5), name
        assert param.optimize_attr['learning_rate'] == 1.0
        assert lr == base_lr
        checked += 1
    assert checked == len(ours)
