"""The detection loop on the generated COCO-format set, with real runs:
tools/train.py (both assignment phases, EMA), --resume, tools/test.py
(COCO metric), the demo and ONNX export (1 and 2 processes:
test_distributed.py)."""
import re

import pytest
import torch
from conftest import CONFIGS, TOOLS, run_tool

TOY_CFG = CONFIGS / 'picodet' / 'picodet-xs_lcnet_1xb8-24e_toy-coco-192.py'
LEGACY_TOY_CFG = (
    CONFIGS / 'picodet'
    / 'picodet-legacy_pplcnet-x0.5_1xb8-24e_toy-coco-192.py')


def data_options(root):
    opts = [
        f'{split}_dataloader.dataset.data_root={root}/'
        for split in ('train', 'val', 'test')
    ]
    return opts + [
        f'{split}_evaluator.ann_file={root}/annotations/val.json'
        for split in ('val', 'test')
    ]


# one thread: as fast as two for these small batches, and no slowdown from
# oversubscribed cores when something else runs beside the tests
ONE_THREAD = dict(OMP_NUM_THREADS='1')


def bbox_maps(log):
    return [float(m) for m in re.findall(r'coco/bbox_mAP: ([\d.]+)', log)]


@pytest.mark.slow
def test_train_resume_test_demo_export(toy_coco, tmp_path):
    work = tmp_path / 'work'
    opts = ['--cfg-options'] + data_options(toy_coco)
    # epochs 1-12: ATSS assignment (static_assigner_epoch=12)
    log = run_tool([
        TOOLS / 'train.py', TOY_CFG, '--work-dir', work, *opts,
        'train_cfg.max_epochs=12'
    ],
                   cwd=tmp_path,
                   env=ONE_THREAD)
    assert (work / 'epoch_12.pth').is_file()
    first = bbox_maps(log)
    assert len(first) == 1
    # epochs 13-24 after --resume: task-aligned assignment
    log = run_tool(
        [TOOLS / 'train.py', TOY_CFG, '--work-dir', work, '--resume', *opts],
        cwd=tmp_path,
        env=ONE_THREAD)
    assert 'resumed epoch: 12, iter: 144' in log
    assert re.search(r'Epoch\(train\) \[13\]\[12/12\]', log)
    assert (work / 'epoch_24.pth').is_file()
    final = bbox_maps(log)[-1]
    # measured: 0.45 after 12 epochs, 0.69 after 24 (1 thread, seed 0)
    assert final > 0.5 and final > first[0]
    ckpt = torch.load(work / 'epoch_24.pth', weights_only=True)
    assert 'ema_state_dict' in ckpt or any(k.startswith('ema') for k in ckpt)

    out = run_tool([
        TOOLS / 'test.py', TOY_CFG, work / 'epoch_24.pth', '--work-dir',
        tmp_path / 'test', *opts
    ],
                   cwd=tmp_path)
    assert "'coco/bbox_mAP'" in out and bbox_maps(out)[-1] > 0.5

    image = toy_coco / 'val' / '000001.jpg'
    out = run_tool([
        TOOLS / 'demo' / 'det_demo.py', TOY_CFG, work / 'epoch_24.pth', image,
        '--out', tmp_path / 'demo.jpg'
    ],
                   cwd=tmp_path)
    assert (tmp_path / 'demo.jpg').stat().st_size > 5_000
    assert re.search(r'^\d+ boxes >= 0.3', out, re.M)
    assert int(re.search(r'^(\d+) boxes', out, re.M)[1]) >= 1


def epoch_losses(log):
    return [
        float(m) for m in re.findall(
            r'Epoch\(train\) \[\d+\]\[12/12\].*? loss: ([\d.]+)', log)
    ]


@pytest.mark.slow
def test_legacy_picodet_train_and_test(toy_coco, tmp_path):
    """Legacy PicoDet (SimOTA) trains with tools/train.py and evaluates
    with tools/test.py; 4 of the toy config's 24 epochs."""
    work = tmp_path / 'work'
    opts = ['--cfg-options'] + data_options(toy_coco)
    log = run_tool([
        TOOLS / 'train.py', LEGACY_TOY_CFG, '--work-dir', work, *opts,
        'train_cfg.max_epochs=4'
    ],
                   cwd=tmp_path,
                   env=ONE_THREAD)
    losses = epoch_losses(log)
    # measured 2.93, 2.73, 2.61, 2.54 (1 thread, seed 0)
    assert len(losses) == 4 and losses[-1] < 0.92 * losses[0]
    val_map = bbox_maps(log)
    assert len(val_map) == 1  # after the last epoch
    assert (work / 'epoch_4.pth').is_file()
    out = run_tool([
        TOOLS / 'test.py', LEGACY_TOY_CFG, work / 'epoch_4.pth', '--work-dir',
        tmp_path / 'test', *opts
    ],
                   cwd=tmp_path,
                   env=ONE_THREAD)
    assert "'coco/bbox_mAP'" in out and "'coco/bbox_mAP_50'" in out
    # the checkpoint holds the EMA weights the validation used (0.005 mAP
    # after 4 epochs; 0.571 after the full 24, see the config)
    assert bbox_maps(out)[-1] == pytest.approx(val_map[0], abs=2e-3)


def test_detector_onnx_export(tmp_path):
    pytest.importorskip('onnxruntime')
    from mm_pplcnet.deploy import build_export_model, export_and_check
    cfg = str(CONFIGS / 'picodet' / 'picodet-s_lcnet_320_coco.py')
    model, hw, scope = build_export_model(cfg)
    assert hw == (320, 320) and scope == 'mmdet'
    result = export_and_check(model, str(tmp_path / 'picodet.onnx'),
                              (1, 3, 320, 320))
    # per level (strides 8 ... 64): class scores, then box distributions
    assert result['shapes'] == [(1, 80, 40, 40), (1, 80, 20, 20),
                                (1, 80, 10, 10), (1, 80, 5, 5),
                                (1, 32, 40, 40), (1, 32, 20, 20),
                                (1, 32, 10, 10), (1, 32, 5, 5)]
    assert max(result['max_abs_diff']) < 1e-4


def assert_decode_matches_predict(model, path, shape, min_boxes=10):
    """docs/picodet.md's post-processing of the ONNX outputs (numpy
    reference in mm_pplcnet.deploy.decode_picodet) gives the head's
    predict_by_feat boxes."""
    import numpy as np
    import onnxruntime as ort

    from mm_pplcnet.deploy import decode_picodet
    from mm_pplcnet.utils.compare import check_same_detections
    x = np.random.default_rng(1).standard_normal(shape).astype('f4')
    outs = ort.InferenceSession(path).run(None, {'input': x})
    boxes, scores, labels = decode_picodet(outs)[0]
    detector = model.model
    with torch.no_grad():
        feats = detector.extract_feat(torch.from_numpy(x))
        ref = detector.bbox_head.predict_by_feat(*detector.bbox_head(feats))[0]
    assert len(scores) == len(ref.scores) > min_boxes
    # paired one to one: tied scores may come out in either order
    paired = check_same_detections(ref.bboxes.numpy(), ref.scores.numpy(),
                                   ref.labels.numpy(), boxes, scores, labels,
                                   1e-5, 1e-3, 'PyTorch')
    assert paired >= len(scores) - 2


def test_onnx_outputs_with_documented_postprocessing(tmp_path):
    pytest.importorskip('onnxruntime')
    from mm_pplcnet.deploy import build_export_model, export_and_check
    cfg = str(CONFIGS / 'picodet' / 'picodet-xs_lcnet_320_coco.py')
    model, _, _ = build_export_model(cfg)
    path = str(tmp_path / 'xs.onnx')
    export_and_check(model, path, (1, 3, 160, 160))
    assert_decode_matches_predict(model, path, (1, 3, 160, 160))


def test_legacy_detector_onnx_export_and_postprocessing(tmp_path):
    """Legacy PicoDet (CSP-PAN + PicoHead, CDLA's 10 classes) has the same
    ONNX contract as the current one: per level class probabilities (the
    sigmoid is inside the graph) and box distributions, decoded by the same
    post-processing."""
    pytest.importorskip('onnxruntime')
    from mm_pplcnet.deploy import build_export_model, export_and_check
    cfg = str(CONFIGS / 'picodet'
              / 'picodet-legacy_pplcnet-x1.0_800x608_cdla.py')
    model, hw, scope = build_export_model(cfg)
    assert hw == (800, 608) and scope == 'mmdet'
    # a smaller input than the config's 800 x 608 keeps the test quick
    shape = (1, 3, 320, 256)
    path = str(tmp_path / 'legacy.onnx')
    result = export_and_check(model, path, shape)
    levels = [(40, 32), (20, 16), (10, 8), (5, 4)]
    assert result['shapes'] == [(1, 10, *hw)
                                for hw in levels] + [(1, 32, *hw)
                                                     for hw in levels]
    assert max(result['max_abs_diff']) < 1e-4
    assert_decode_matches_predict(model, path, shape)
