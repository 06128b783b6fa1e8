"""Legacy PaddleDetection PP-PicoDet (2021: LCNet + CSPPAN + PicoHead +
SimOTA) weights convert exactly, and our SimOTA targets, losses and
post-processing compute what paddledet's own code computes.

paddledet 2.6.0's legacy PicoDet on LCNet x1.0 gets random weights and BN
statistics of O(1) activations (``randomize_ppdet_picodet_``), is saved
with ``paddle.save`` and converted by our tool, at the COCO setting (80
classes, 416 x 416) and the layout setting (CDLA's 10 classes, 800 x 608,
H x W). With the same inputs (measured on 2 CPU cores):
- per-level class probabilities and box distributions: max abs diff
  < 1e-4 (measured at most 8e-7 for the probabilities, 4.1e-6 for the
  distributions, whose std is about 1);
- SimOTA assignment: the same label for every prior of both images;
- losses for the same predictions and gts (also with an image without
  gts): relative difference < 1e-4 (measured at most 2e-7: float32
  rounding; Paddle's VFL takes logits, ours the probabilities);
- detections after Paddle's MultiClassNMS: same boxes (1e-3 px), scores
  (1e-5) and classes;
- trainable parameters: paddledet's minus its four unused
  ``p{3..6}_feat.scale_reg`` scalars, for x1.0 and x1.5.
The converter tells the generation from the keys and names a mismatch of
generation, head type or number of classes.
"""
import contextlib
import io
import runpy
import sys

import numpy as np
import pytest
import torch
from conftest import CONFIGS, TOOLS
from helpers import assert_detections_match_paddle_nms, max_abs_diff
from mmengine.config import Config
from mmengine.structures import InstanceData

from mm_pplcnet.converters import (build_picodet, convert_picodet,
                                   detect_generation, load_pdparams)

paddle_ref = pytest.importorskip('mm_pplcnet.reference.paddle')
try:
    paddle = paddle_ref.require_paddle()
    paddle_ref.import_ppdet('ppdet.modeling.heads.pico_head')
    paddle_ref.import_ppdet('ppdet.modeling.necks.csp_pan')
except ImportError as err:  # pragma: no cover - depends on the install
    pytest.skip(str(err), allow_module_level=True)

# setting: (config, classes, (H, W) of the input, calibration (N, H, W))
SETTINGS = {
    'coco':
    ('picodet-legacy_pplcnet-x1.0_416_coco.py', 80, (416, 416), (2, 416, 416)),
    # one calibration image of the full size is enough for O(1) statistics
    'layout': ('picodet-legacy_pplcnet-x1.0_800x608_cdla.py', 10, (800, 608),
               (1, 800, 608)),
}
# per setting: gt boxes (x1, y1, x2, y2) and labels of the two images
GTS = {
    'coco': (
        [
            np.array([[20.3, 30.7, 120.2, 200.9], [100.1, 40.2, 250.6, 140.3],
                      [5.5, 150.2, 60.1, 250.7], [200.4, 220.6, 410.2, 400.3]],
                     'float32'),
            np.array([[60.2, 70.9, 180.4, 230.1], [300.5, 10.2, 330.8, 44.6]],
                     'float32'),
        ],
        [np.array([3, 17, 3, 79]), np.array([42, 0])],
    ),
    'layout': (
        [
            np.array(
                [[30.3, 40.7, 580.2, 120.9], [40.1, 150.2, 300.6, 500.3],
                 [320.5, 150.2, 590.1, 430.7], [35.2, 700.4, 560.9, 760.1]],
                'float32'),
            np.array([[60.2, 70.9, 540.4, 330.1], [50.5, 400.2, 560.8, 420.6],
                      [100.1, 500.5, 130.3, 530.8]], 'float32'),
        ],
        [np.array([1, 4, 2, 9]), np.array([0, 3, 7])],
    ),
}


def _config(name: str) -> str:
    return str(CONFIGS / 'picodet' / name)


def _run_converter(*args: str) -> str:
    """Run tools/model_converters/picodet_to_mmdet.py in this process;
    return what it printed."""
    argv = sys.argv
    sys.argv = ['picodet_to_mmdet.py', *args]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(
                str(TOOLS / 'model_converters' / 'picodet_to_mmdet.py'),
                run_name='__main__')
    finally:
        sys.argv = argv
    return out.getvalue()


@pytest.fixture(scope='module', params=sorted(SETTINGS))
def pair(request, tmp_path_factory):
    """paddledet's legacy PicoDet with random weights and ours converted
    from its .pdparams (through the converter tool), with both models'
    outputs on the same two images."""
    setting = request.param
    config, num_classes, (h, w), calibration = SETTINGS[setting]
    paddle.seed(7)
    rng = np.random.default_rng(0)
    calibration = rng.normal(size=(calibration[0], 3,
                                   *calibration[1:])).astype('f4')
    images = rng.normal(size=(2, 3, h, w)).astype('f4')
    ref = paddle_ref.build_ppdet_picodet_legacy(1.0, num_classes=num_classes)
    paddle_ref.randomize_ppdet_picodet_(ref, calibration, seed=7)
    tmp = tmp_path_factory.mktemp(f'picodet_legacy_{setting}')
    src, dst = str(tmp / 'picodet.pdparams'), str(tmp / 'picodet.pth')
    paddle.save(ref.state_dict(), src)
    printed = _run_converter(src, dst, '--config', _config(config))
    model = build_picodet(Config.fromfile(_config(config)).model).eval()
    checkpoint = torch.load(dst, weights_only=True)
    model.load_state_dict(checkpoint['state_dict'], strict=True)
    ref.eval()  # BN statistics in both; forward_train: per-level outputs
    with paddle.no_grad():
        feats = ref.neck(ref.backbone({'image': paddle.to_tensor(images)}))
        outs = ref.head.forward_train(feats)
    with torch.no_grad():
        ours = model.bbox_head(model.extract_feat(torch.from_numpy(images)))
    return dict(
        setting=setting,
        ref=ref,
        model=model,
        feats=feats,
        outs=outs,
        ours=ours,
        src=src,
        meta=checkpoint['meta'],
        printed=printed,
        num_classes=num_classes)


def test_outputs_match_per_level(pair):
    logits, dists = pair['outs']
    assert len(logits) == len(pair['ours'][0]) == 4
    for cls, reg, ref_logit, ref_reg in zip(*pair['ours'], logits, dists):
        # Paddle's forward_train gives logits, ours probabilities
        ref_cls = torch.from_numpy(ref_logit.numpy()).sigmoid()
        ref_reg = ref_reg.numpy()
        assert cls.shape == ref_cls.shape
        assert cls.shape[1] == pair['num_classes']
        assert reg.shape == ref_reg.shape == (*cls.shape[:1], 32,
                                              *cls.shape[2:])
        # real signals, not near-constant outputs
        assert ref_cls.std() > 0.1 and ref_reg.std() > 0.5
        assert max_abs_diff(cls, ref_cls) < 1e-4
        assert max_abs_diff(reg, ref_reg) < 1e-4


def test_input_size_gives_the_levels(pair):
    h, w = SETTINGS[pair['setting']][2]
    sizes = [tuple(c.shape[2:]) for c in pair['ours'][0]]
    assert sizes == [(-(-h // s), -(-w // s)) for s in (8, 16, 32, 64)]


def _paddle_gt_meta(boxes, labels):
    """gt_meta of paddledet's legacy reader (no PadGT: per-image lists)."""
    return dict(
        gt_bbox=[paddle.to_tensor(b) for b in boxes],
        gt_class=[
            paddle.to_tensor(lab[:, None].astype('int32')) for lab in labels
        ],
        im_id=paddle.to_tensor(np.arange(len(boxes))[:, None]))


@pytest.mark.parametrize('empty_image', [False, True])
def test_assignment_and_losses_match_paddle(pair, empty_image, monkeypatch):
    boxes, labels = GTS[pair['setting']]
    if empty_image:  # the second image without gts
        boxes = [boxes[0], np.zeros((0, 4), 'float32')]
        labels = [labels[0], np.zeros(0, 'int64')]
    ref_head, head = pair['ref'].head, pair['model'].bbox_head
    # record both assignments (Paddle's per image, ours per batch)
    ref_labels, our_labels = [], []
    ref_assign, our_assign = ref_head.assigner, head.assigner

    def record_ref(*args, **kwargs):
        out = ref_assign(*args, **kwargs)
        ref_labels.append(out[1])
        return out

    def record_ours(*args, **kwargs):
        out = our_assign(*args, **kwargs)
        our_labels.append(out.labels.numpy())
        return out

    monkeypatch.setattr(ref_head, 'assigner', record_ref)
    monkeypatch.setattr(head, 'assigner', record_ours)
    # Paddle's Integral reshapes per mode: get_loss needs training mode
    # (it runs no BN, so the outputs stay those of the eval-mode forward)
    ref_head.train()
    try:
        with paddle.no_grad():
            expected = ref_head.get_loss(pair['outs'],
                                         _paddle_gt_meta(boxes, labels))
    finally:
        ref_head.eval()
    gts = [
        InstanceData(bboxes=torch.from_numpy(b), labels=torch.from_numpy(lab))
        for b, lab in zip(boxes, labels)
    ]
    with torch.no_grad():
        losses = head.loss_by_feat(*pair['ours'], gts, [{}, {}])

    assert len(ref_labels) == 2 and len(our_labels) == 1
    np.testing.assert_array_equal(our_labels[0], np.stack(ref_labels))
    for i, lab in enumerate(labels):
        pos = our_labels[0][i] < pair['num_classes']
        # every gt has positives, some more than one (dynamic k)
        assert set(our_labels[0][i][pos]) == set(lab)
        assert pos.sum() > len(lab) or len(lab) == 0
    for ours, theirs in (('loss_cls', 'loss_vfl'), ('loss_bbox', 'loss_bbox'),
                         ('loss_dfl', 'loss_dfl')):
        ref = float(expected[theirs])
        assert ref > 0.1
        assert abs(float(losses[ours]) - ref) < 1e-4 * ref, (ours, ref)


def test_detections_match_paddle_nms(pair):
    # our config's test settings are those of Paddle's legacy ymls
    cfg = pair['model'].bbox_head.test_cfg
    assert (cfg.score_thr, cfg.nms_pre, cfg.nms.iou_threshold,
            cfg.max_per_img) == (0.025, 1000, 0.6, 100)
    assert_detections_match_paddle_nms(pair)


def test_converter_tells_legacy_weights(pair, tmp_path):
    meta = pair['meta']
    assert meta['generation'] == 'legacy'
    assert (meta['scale'], meta['channels'], meta['num_convs'],
            meta['num_classes']) == (1.0, 128, 4, pair['num_classes'])
    assert 'legacy PicoDet' in pair['printed']
    assert detect_generation(load_pdparams(pair['src'])) == 'legacy'
    # without a config the model is built from the sizes in the weights
    meta = convert_picodet(pair['src'], str(tmp_path / 'auto.pth'))
    assert meta['generation'] == 'legacy'
    assert meta['num_classes'] == pair['num_classes']


def test_converter_errors_are_clear(pair, tmp_path):
    src, dst = pair['src'], str(tmp_path / 'out.pth')
    with pytest.raises(SystemExit, match='error: .*holds a legacy PicoDet'):
        _run_converter(src, dst, '--generation', 'v2')
    with pytest.raises(SystemExit):  # argparse: only v2 / legacy
        with contextlib.redirect_stderr(io.StringIO()):
            _run_converter(src, dst, '--generation', 'v3')
    # a config of the current PicoDet
    with pytest.raises(ValueError, match='legacy PicoDet .* PicoHeadV2 head'):
        convert_picodet(
            src, dst, config=_config('picodet-s_lcnet_416_coco.py'))
    # the other setting's number of classes: the prediction convs differ
    other = 'layout' if pair['setting'] == 'coco' else 'coco'
    other_config, other_classes = SETTINGS[other][:2]
    with pytest.raises(ValueError, match='shape mismatches') as info:
        convert_picodet(src, dst, config=_config(other_config))
    out = pair['num_classes'] + 32
    for i in range(4):
        assert (f'bbox_head.head_cls_list.{i}.weight: checkpoint '
                f'({out}, 128, 1, 1) vs model ({other_classes + 32}, 128, 1, '
                f'1)') in str(info.value)
    with pytest.raises(ValueError, match=f'{pair["num_classes"]} classes'):
        convert_picodet(src, dst, num_classes=other_classes)


def test_converter_tells_v2_weights(tmp_path):
    """A current (v2) PicoDet file is told apart from a legacy one."""
    ref = paddle_ref.build_ppdet_picodet(0.75, 96, 2)
    src = str(tmp_path / 'picodet_v2.pdparams')
    paddle.save(ref.state_dict(), src)
    assert detect_generation(load_pdparams(src)) == 'v2'
    dst = str(tmp_path / 'out.pth')
    with pytest.raises(ValueError, match='holds a v2 PicoDet'):
        convert_picodet(src, dst, generation='legacy')
    with pytest.raises(ValueError, match='v2 PicoDet .* PicoHead head'):
        convert_picodet(
            src,
            dst,
            config=_config('picodet-legacy_pplcnet-x1.0_416_coco.py'))
    assert convert_picodet(src, dst)['generation'] == 'v2'


# LCNet scale: (config, paddledet's trainable parameters)
PARAMS = {
    1.0: ('picodet-legacy_pplcnet-x1.0_416_coco.py', 1_830_692),
    1.5: ('picodet-legacy_pplcnet-x1.5_416_coco.py', 3_107_668),
}


@pytest.mark.parametrize('scale', sorted(PARAMS))
def test_trainable_parameters_match_paddle(scale):
    config, expected = PARAMS[scale]
    ref = paddle_ref.build_ppdet_picodet_legacy(scale)
    seen, total, unused = set(), 0, 0
    for name, param in ref.named_parameters():
        if id(param) in seen or param.stop_gradient:
            continue  # aliases (head_cls{i}), BN statistics
        seen.add(id(param))
        if name.startswith('head.p') and name.endswith('scale_reg'):
            unused += param.size  # GFLHead's scales, unused by PicoHead
        else:
            total += param.size
    assert unused == 4
    assert total + unused == expected
    model = build_picodet(Config.fromfile(_config(config)).model)
    assert sum(p.numel() for p in model.parameters()) == total
