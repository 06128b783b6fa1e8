"""Deploy folders: Predictor (torch-free) against PyTorch predict."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import CONFIGS, REPO, TOOLS, run_tool

from mm_pplcnet.benchmark.config_jobs import build_config_model
from mm_pplcnet.deploy import Predictor, read_deploy_json
from mm_pplcnet.deploy.builder import example_images, write_deploy_folder
from mm_pplcnet.deploy.make import check_folder
from mm_pplcnet.deploy.parity import compare
from mm_pplcnet.deploy.postprocess import batched_nms, detect

TOY = {
    'classifier':
    CONFIGS / 'pplcnet' / 'pplcnet-x0.5_1xb16_toy-cls.py',
    'picodet':
    CONFIGS / 'picodet' / 'picodet-xs_lcnet_1xb8-24e_toy-coco-192.py',
    'picodet-legacy':
    CONFIGS / 'picodet'
    / 'picodet-legacy_pplcnet-x0.5_1xb8-24e_toy-coco-192.py',
    'deeplabv3plus':
    CONFIGS / 'deeplabv3plus'
    / 'deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py',
}
TASK = dict(
    classifier='classification',
    picodet='detection',
    deeplabv3plus='segmentation')
TASK['picodet-legacy'] = 'detection'

_MODELS = {}


def _model(name):
    if name not in _MODELS:
        _MODELS[name] = build_config_model(str(TOY[name]))
    return _MODELS[name]


@pytest.fixture(scope='module')
def folders(tmp_path_factory):
    """One deploy folder per (toy config, backend), written lazily."""
    root = tmp_path_factory.mktemp('deploy')
    made = {}

    def get(name, backend):
        key = (name, backend)
        if key not in made:
            model, cfg, scope = _model(name)
            out = str(root / f'{name}-{backend}')
            write_deploy_folder(model, cfg, scope, out, backend)
            made[key] = out
        return made[key]

    return get


@pytest.mark.parametrize('backend', ['onnxruntime', 'openvino'])
@pytest.mark.parametrize('name', list(TOY))
def test_predictor_equals_pytorch_predict(name, backend, folders):
    folder = folders(name, backend)
    model, cfg, scope = _model(name)
    # three non-square images of odd sizes in one batch
    images = example_images(3, seed=1)
    result = check_folder(
        folder, model, cfg, scope, images, random_weights=True)
    assert result['batch'] == 3
    assert len(result['diffs']) == 3
    spec = read_deploy_json(folder)
    assert spec['task'] == TASK[name] and spec['backend'] == backend
    got = Predictor(folder)(images[0])
    if TASK[name] == 'detection':
        assert got['boxes'].shape[1] == 4
        assert len(got['labels']) == result['diffs'][0]['detections'] > 0
        assert spec['preprocess']['input_size'] == [192, 192]
    elif TASK[name] == 'segmentation':
        assert got['label_map'].shape == images[0].shape[:2]
        assert spec['preprocess']['steps'][0]['keep_ratio'] is True
    else:
        assert got['topk_labels'].shape == (4, )
        assert spec['classes'] == ['0', '1', '2', '3'] or len(
            spec['classes']) == 4


def test_imagenet_classifier_resize_crop(tmp_path):
    config = CONFIGS / 'pplcnet' / 'pplcnet-x1.0_4xb512_in1k.py'
    model, cfg, scope = build_config_model(str(config))
    spec = write_deploy_folder(model, cfg, scope, str(tmp_path / 'd'))
    pre = spec['preprocess']
    assert [s['type'] for s in pre['steps']] == ['resize_edge', 'center_crop']
    assert pre['input_size'] == [224, 224] and pre['to_rgb']
    assert len(spec['classes']) == 1000
    result = check_folder(
        str(tmp_path / 'd'), model, cfg, scope, example_images(2, seed=2))
    assert max(d['max_score_diff'] for d in result['diffs']) < 1e-4


def test_deploy_tool(tmp_path):
    out = run_tool([
        TOOLS / 'deployment' / 'deploy.py', TOY['picodet'], '--out',
        tmp_path / 'det', '--backend', 'openvino'
    ],
                   cwd=REPO)
    assert 'Predictor == PyTorch predict' in out
    spec = json.loads((tmp_path / 'det' / 'deploy.json').read_text())
    assert spec['check']['batch'] == 2
    assert sorted(spec['model']['files']) == ['model.bin', 'model.xml']
    assert spec['postprocess'] == dict(
        score_thr=0.025, nms_pre=1000, iou_threshold=0.6, max_per_img=100)


def test_predictor_imports_no_torch(folders, tmp_path):
    """A deploy-only install: torch and OpenMMLab cannot be imported."""
    det = folders('picodet', 'onnxruntime')
    seg = folders('deeplabv3plus', 'openvino')
    img = tmp_path / 'img.png'
    import cv2
    cv2.imwrite(str(img), example_images(1)[0])
    code = textwrap.dedent(f"""
        import sys
        BLOCKED = ('torch', 'mmengine', 'mmcv', 'mmdet', 'mmseg',
                   'mmpretrain', 'torchvision', 'paddle')

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in BLOCKED:
                    raise ImportError(f'{{name}} is blocked')

        sys.meta_path.insert(0, Block())
        from mm_pplcnet.deploy import Predictor
        det = Predictor({det!r})([{str(img)!r}, {str(img)!r}])
        seg = Predictor({seg!r})({str(img)!r})
        assert len(det) == 2 and len(det[0]['boxes']) > 0
        assert seg['label_map'].shape == {example_images(1)[0].shape[:2]}
        loaded = sorted(m for m in sys.modules
                        if m.split('.')[0] in BLOCKED)
        assert not loaded, loaded
        print('ok')
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          env=env,
                          timeout=300)
    assert proc.returncode == 0 and 'ok' in proc.stdout, proc.stderr[-3000:]


def test_bad_inputs(folders, tmp_path):
    import shutil
    src = folders('classifier', 'onnxruntime')
    folder = tmp_path / 'copy'
    shutil.copytree(src, folder)
    predictor = Predictor(str(folder))
    with pytest.raises(FileNotFoundError, match='nope.jpg.*does not exist'):
        predictor('nope.jpg')
    bad = tmp_path / 'bad.jpg'
    bad.write_text('not an image')
    with pytest.raises(ValueError, match='bad.jpg.*cannot be decoded'):
        predictor(str(bad))
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8'):
        predictor(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match='no images given'):
        predictor([])
    with pytest.raises(TypeError, match='got NoneType'):
        predictor(None)
    with pytest.raises(ValueError, match='is a folder, not an image file'):
        predictor(str(tmp_path))
    # the demo refuses an output it cannot write before running anything
    proc = subprocess.run([
        sys.executable,
        str(TOOLS / 'demo' / 'deploy_demo.py'),
        str(folder),
        str(bad), '--out',
        str(tmp_path / 'result.xyz')
    ],
                          capture_output=True,
                          text=True)
    assert proc.returncode == 2 and 'cannot write that file type' in \
        proc.stderr
    # a model file from elsewhere
    with open(folder / 'model.onnx', 'ab') as f:
        f.write(b'\0')
    with pytest.raises(ValueError, match='model.onnx.*does not match'):
        Predictor(str(folder))
    (folder / 'model.onnx').unlink()
    with pytest.raises(FileNotFoundError, match='model.onnx.*is missing'):
        Predictor(str(folder))
    (folder / 'deploy.json').unlink()
    with pytest.raises(FileNotFoundError, match='deploy.json.*is missing'):
        Predictor(str(folder))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        Predictor(str(tmp_path / 'absent'))
    (folder / 'deploy.json').write_text('{"format": "other"}')
    with pytest.raises(ValueError, match='is not a mm_pplcnet-deploy'):
        Predictor(str(folder))


def test_detect_matches_mmcv_batched_nms():
    """The numpy / OpenCV post-processing against our head's PyTorch one
    on random candidates (many overlapping boxes, 3 classes)."""
    import torch
    from mmengine.config import ConfigDict

    from mm_pplcnet.models.detection.pico_head_v2 import PicoHeadV2
    rng = np.random.default_rng(0)
    n, c = 600, 3
    xy = rng.uniform(0, 300, (n, 2)).astype('f4')
    wh = rng.uniform(5, 80, (n, 2)).astype('f4')
    boxes = np.concatenate([xy, xy + wh], 1)
    scores = rng.uniform(0, 1, (n, c)).astype('f4')
    cfg = dict(score_thr=0.3, nms_pre=150, iou_threshold=0.5, max_per_img=50)
    got = detect(scores, boxes, (0.5, 0.75), cfg)
    head = PicoHeadV2.__new__(PicoHeadV2)
    ref = head._postprocess(
        torch.from_numpy(scores), torch.from_numpy(boxes),
        dict(scale_factor=(0.5, 0.75)),
        ConfigDict(
            score_thr=0.3,
            nms_pre=150,
            nms=dict(type='nms', iou_threshold=0.5),
            max_per_img=50), True, True)
    ref = dict(
        boxes=ref.bboxes.numpy(),
        scores=ref.scores.numpy(),
        labels=ref.labels.numpy())
    assert len(got['labels']) == 50
    compare('detection', [ref], [got], box_tol=1e-3, score_tol=0)
    assert len(
        batched_nms(np.zeros((0, 4), 'f4'), np.zeros(0), np.zeros(0),
                    0.5)) == 0


def test_score_threshold_override(folders):
    folder = folders('picodet', 'onnxruntime')
    image = example_images(1, seed=4)[0]
    every = Predictor(folder)(image)
    high = Predictor(folder, score_thr=0.5)(image)
    assert (high['scores'] > 0.5).all()
    assert len(high['scores']) == (every['scores'] > 0.5).sum()
    with pytest.raises(ValueError, match='score_thr applies to detection'):
        Predictor(folders('classifier', 'onnxruntime'), score_thr=0.5)


@pytest.mark.parametrize('name', ['picodet', 'deeplabv3plus', 'classifier'])
def test_deploy_demo(name, folders, tmp_path):
    import cv2
    folder = folders(name, 'onnxruntime')
    img = tmp_path / 'img.jpg'
    cv2.imwrite(str(img), example_images(1, seed=6)[0])
    out = run_tool([
        TOOLS / 'demo' / 'deploy_demo.py', folder, img, '--out',
        tmp_path / 'o' / 'result.png', '--score-thr', '0.1'
    ],
                   cwd=REPO)
    assert 'network' in out and 'wrote' in out
    drawn = cv2.imread(str(tmp_path / 'o' / 'result.png'))
    assert drawn.shape == cv2.imread(str(img)).shape
    assert (drawn != cv2.imread(str(img))).any()
    proc = subprocess.run([
        sys.executable,
        str(TOOLS / 'demo' / 'deploy_demo.py'), folder, 'missing.jpg'
    ],
                          capture_output=True,
                          text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)),
                          timeout=300)
    assert proc.returncode != 0 and 'missing.jpg' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_compare_folders_tool(folders, tmp_path):
    """tools/analysis/compare_deploy.py: a folder agrees with itself on
    every detection (same runtime, same input: bit-identical); other
    tasks and empty image folders are refused."""
    from mm_pplcnet.datasets import write_pages
    from mm_pplcnet.deploy.quantize import compare_folders
    images = tmp_path / 'pages'
    assert write_pages(str(images), seed=5, count=2, size=(240, 180)) == 2
    import shutil
    ref = other = folders('picodet', 'openvino')
    out = run_tool([
        TOOLS / 'analysis' / 'compare_deploy.py', ref, other, '--images',
        images, '--score-thr', '0.0', '--out', tmp_path / 'rows.json'
    ],
                   cwd=REPO)
    rows = json.loads((tmp_path / 'rows.json').read_text())
    assert len(rows) == 1 and rows[0]['fp32_detections'] > 0, out
    assert rows[0]['kept_fraction'] == 1.0
    assert rows[0]['int8_detections'] == rows[0]['fp32_detections']
    assert rows[0]['missed_fp32_scores'] == []
    with pytest.raises(ValueError, match='is a classification folder'):
        compare_folders(ref, [folders('classifier', 'onnxruntime')],
                        [str(images / 'page_5.png')])
    renamed = tmp_path / 'renamed'
    shutil.copytree(ref, renamed)
    spec = json.loads((renamed / 'deploy.json').read_text())
    spec['classes'] = ['a'] * len(spec['classes'])
    (renamed / 'deploy.json').write_text(json.dumps(spec))
    with pytest.raises(ValueError, match='name different classes'):
        compare_folders(ref, [str(renamed)], [str(images / 'page_5.png')])
    empty = tmp_path / 'empty'
    empty.mkdir()
    proc = subprocess.run([
        sys.executable,
        str(TOOLS / 'analysis' / 'compare_deploy.py'), ref, other, '--images',
        str(empty)
    ],
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert 'image folder' in proc.stderr and 'holds no images' in proc.stderr


def test_tied_scores_are_named_not_a_mismatch():
    """Random weights can saturate every score: a disagreement among tied
    detections is reported as such (a dry run skips it), any other as a
    mismatch."""
    from mm_pplcnet.deploy.parity import TiedScoresError, compare
    boxes = np.array([[0, 0, 10, 10], [5, 5, 20, 20]], np.float32)
    ref = [dict(boxes=boxes, scores=np.ones(2), labels=np.array([0, 1]))]
    got = [dict(ref[0], labels=np.array([1, 0]))]
    with pytest.raises(TiedScoresError, match='2 reference scores tie'):
        compare('detection', ref, got)
    ref[0]['scores'] = np.array([0.9, 0.8])
    with pytest.raises(ValueError, match='labels') as info:
        compare('detection', ref, got)
    assert not isinstance(info.value, TiedScoresError)
