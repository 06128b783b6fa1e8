"""INT8 deploy folders: the float-layer policy, calibration input errors,
the report."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import CONFIGS, REPO, TOOLS, run_tool

from mm_pplcnet.deploy import Predictor
from mm_pplcnet.deploy.builder import example_images
from mm_pplcnet.deploy.quantize import (agreement, list_images, prepare_onnx,
                                        split_images)

DET = CONFIGS / 'picodet' / 'picodet-xs_lcnet_1xb8-24e_toy-coco-192.py'
SEG = CONFIGS / 'deeplabv3plus' / \
    'deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py'


@pytest.fixture(scope='module')
def calib(tmp_path_factory):
    root = tmp_path_factory.mktemp('calib')
    for i, img in enumerate(example_images(8, seed=3)):
        cv2.imwrite(str(root / f'{i}.png'), img)
    return root


@pytest.mark.slow
@pytest.mark.parametrize('backend', ['onnxruntime', 'openvino'])
def test_int8_detector_folder(backend, calib, tmp_path):
    out = tmp_path / 'int8'
    run_tool([
        TOOLS / 'deployment' / 'deploy.py', DET, '--out', out, '--backend',
        backend, '--int8', '--calib', calib, '--calib-size', '4'
    ],
             cwd=REPO)
    spec = json.loads((out / 'deploy.json').read_text())
    assert spec['model']['precision'] == 'int8'
    floats = spec['model']['float_layers']
    # PP-LCNet's stem and blocks2-4 (stride <= 8) stay float ...
    assert len(floats['high_resolution']) == 11
    assert all('backbone' in n for n in floats['high_resolution'])
    # ... and the 4 levels' class, box and alignment prediction convs
    assert len(floats['prediction']) == 12
    report = json.loads((out / 'int8_report.json').read_text())
    assert report['evaluation'] == dict(images=4, held_out=True)
    assert report['quantized_convs'] > 60
    got = Predictor(str(out))(example_images(1)[0])
    assert got['boxes'].shape[1] == 4
    if backend == 'onnxruntime':
        import onnx
        ops = {
            n.op_type
            for n in onnx.load(str(out / 'model.onnx')).graph.node
        }
        assert 'QuantizeLinear' in ops and 'DequantizeLinear' in ops


@pytest.mark.slow
def test_int8_segmentor_report(calib, tmp_path):
    out = tmp_path / 'seg'
    run_tool([
        TOOLS / 'deployment' / 'deploy.py', SEG, '--out', out, '--int8',
        '--calib', calib, '--calib-size', '3', '--no-check'
    ],
             cwd=REPO)
    report = json.loads((out / 'int8_report.json').read_text())
    agree = report['agreement_with_fp32']
    assert agree['images'] == 3 and 0 <= agree['pixel_agreement'] <= 1


def test_calibration_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='absent.*does not exist'):
        list_images(str(tmp_path / 'absent'))
    (tmp_path / 'notes.txt').write_text('x')
    with pytest.raises(ValueError, match='holds no images.*--calib-dataset'):
        list_images(str(tmp_path))
    proc = subprocess.run([
        sys.executable,
        str(TOOLS / 'deployment' / 'deploy.py'),
        str(DET), '--out',
        str(tmp_path / 'o'), '--int8', '--calib',
        str(tmp_path), '--no-check'
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)),
                          timeout=600)
    assert proc.returncode != 0
    assert 'holds no images' in proc.stdout + proc.stderr
    assert 'Traceback' not in proc.stderr


@pytest.mark.parametrize('arch', ['PPLCNet', 'PaddleMobileNetV3'])
def test_prepared_graph_keeps_hardswish(arch, tmp_path):
    """``quant_pre_process`` inlines HardSwish into HardSigmoid + Mul
    (slow on OpenVINO); the prepared graph has it back as one op, the
    SE gates' HardSigmoid untouched, the outputs unchanged."""
    import onnx
    import onnxruntime as ort
    import torch

    from mm_pplcnet.benchmark.backends import export_onnx
    from mm_pplcnet.models.backbones import PaddleMobileNetV3, PPLCNet
    torch.manual_seed(0)
    net = (PPLCNet(scale=0.5) if arch == 'PPLCNet' else PaddleMobileNetV3(
        arch='small', scale=0.5)).eval()
    for m in net.modules():  # outputs of a useful scale
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(m.weight)
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_var.fill_(0.5)
            m.weight.data.uniform_(0.5, 1.5)
    x = torch.randn(1, 3, 64, 64)
    raw = export_onnx(net, x, str(tmp_path / 'raw.onnx'))
    prepared = prepare_onnx(raw, str(tmp_path / 'prepared.onnx'))

    def ops(path):
        nodes = onnx.load(path).graph.node
        return [n.op_type for n in nodes]

    before, after = ops(raw), ops(prepared)
    assert after.count('HardSwish') == before.count('HardSwish') > 0
    assert after.count('HardSigmoid') == before.count('HardSigmoid')
    outs = []
    for path in (raw, prepared):
        sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
        outs.append(sess.run(None, {'input': x.numpy()})[0])
    scale = np.abs(outs[0]).max()
    assert scale > 1e-3
    np.testing.assert_allclose(outs[1], outs[0], atol=1e-5 * scale)


def test_split_and_agreement():
    calib, evaluation = split_images([f'{i}.png' for i in range(10)], 4)
    assert len(calib) == 4 and len(evaluation) == 4
    assert set(calib).isdisjoint(evaluation)
    assert split_images(['a.png'], 4) == (['a.png'], ['a.png'])
    box = np.array([[0, 0, 100, 100]], np.float32)
    ref = [dict(boxes=box, scores=np.array([0.9]), labels=np.array([1]))]
    moved = [dict(ref[0], boxes=box + 1)]
    assert agreement('detection', ref, moved)['kept_fraction'] == 1.0
    moved = [dict(ref[0], boxes=box + 10)]
    assert agreement('detection', ref, moved)['kept_fraction'] == 0.0
    # two FP32 regions, the 0.6 one moved: it is the one named as missed
    two = [
        dict(
            boxes=np.concatenate([box, box + 200]),
            scores=np.array([0.9, 0.6]),
            labels=np.array([1, 2]))
    ]
    got = [dict(two[0], boxes=two[0]['boxes'] + [[0], [20]])]
    res = agreement('detection', two, got)
    assert res['kept_fraction'] == 0.5
    assert res['missed_fp32_scores'] == [0.6]
    assert agreement('detection', two, two)['missed_fp32_scores'] == []
    a = np.zeros((4, 4), np.int64)
    b = a.copy()
    b[0, 0] = 1
    seg = agreement('segmentation', [dict(label_map=a)], [dict(label_map=b)])
    assert seg['pixel_agreement'] == 15 / 16


@pytest.mark.slow
def test_int8_calibrates_on_the_config_dataset(tmp_path):
    """--calib-dataset: calibration from the config's test set and its
    metric (COCO mAP) for FP32 and INT8 in the report."""
    from mm_pplcnet.datasets import make_toy_coco
    make_toy_coco(str(tmp_path / 'data' / 'toy_coco'))
    (tmp_path / 'configs').symlink_to(CONFIGS)
    run_tool([
        TOOLS / 'deployment' / 'deploy.py', 'configs/picodet/' + DET.name,
        '--out', 'int8', '--int8', '--calib-dataset', '--calib-size', '4',
        '--no-check'
    ],
             cwd=tmp_path,
             env=dict(PYTHONPATH=str(REPO)))
    report = json.loads((tmp_path / 'int8' / 'int8_report.json').read_text())
    assert report['calibration'] == dict(
        source='config test dataset', images=4)
    metric = report['dataset_metric']
    assert metric['images'] == 24
    for precision in ('fp32', 'int8'):
        assert 0 <= metric[precision]['coco/bbox_mAP'] <= 1
