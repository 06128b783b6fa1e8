"""Every format gives the weights and outputs of the ``.pdparams``.

PaddleClas' PP-LCNet (x0.5, 7 classes) and MobileNetV3 (small x0.5, 5
classes) with random weights are written by the installed paddlepaddle
as a ``.pdparams`` (``paddle.save``), a Paddle 3 inference model
(``paddle.jit.save``: ``.json`` + ``.pdiparams``) and a Paddle 2.x one
(static graph: ``.pdmodel`` + ``.pdiparams``), and by paddle2onnx as ONNX
files of both. Each converts to exactly the same state dict as the
``.pdparams``; our logits match Paddle's (< 1e-4 of their scale) and
ONNX Runtime's on each export.

For PicoDet the creation order is checked against paddledet: weights
named as Paddle names them when it saves an inference model
(``param.name``) map to the keys the structured ``.pdparams`` maps to.
"""
import shutil

import numpy as np
import pytest
import torch
from conftest import run_tool

from mm_pplcnet.converters import load_mobilenet_v3, load_pplcnet
from mm_pplcnet.utils.compare import check_close

paddle_ref = pytest.importorskip('mm_pplcnet.reference.paddle')
paddle = paddle_ref.require_paddle()
ort = pytest.importorskip('onnxruntime')
pytestmark = pytest.mark.slow  # Paddle exports in subprocesses

# family: (variant as the export script takes it, classes, loader)
FAMILIES = {
    'pplcnet': ('0.5', 7, lambda src: load_pplcnet(src)),
    'mobilenet_v3': ('small_x0_5', 5, lambda src: load_mobilenet_v3(src)),
}
EXPORTER = __file__.replace('test_paddle_formats_roundtrip.py',
                            'paddle_export.py')


def _paddle2onnx(model_file: str, dst: str) -> None:
    import importlib.util
    if importlib.util.find_spec('paddle2onnx') is None:
        pytest.fail('paddle2onnx is not installed: scripts/install.sh '
                    '--tests installs it')
    folder, name = model_file.rsplit('/', 1)
    run_tool([
        '-m', 'paddle2onnx.command', '--model_dir', folder, '--model_filename',
        name, '--params_filename',
        name.rsplit('.', 1)[0] + '.pdiparams', '--save_file', dst
    ],
             cwd=folder)


@pytest.fixture(scope='module', params=sorted(FAMILIES))
def exports(request, tmp_path_factory):
    family = request.param
    variant, classes, load = FAMILIES[family]
    tmp = tmp_path_factory.mktemp(family)
    ref = paddle_ref.build_ppcls_pplcnet(
        float(variant), class_num=classes) if family == 'pplcnet' else \
        getattr(paddle_ref.import_ppcls(
            'ppcls.arch.backbone.legendary_models.mobilenet_v3'),
            f'MobileNetV3_{variant}')(class_num=classes)
    paddle_ref.randomize_paddle_(ref, seed=3)
    src = str(tmp / 'model.pdparams')
    paddle.save(ref.state_dict(), src)
    images = np.random.default_rng(1).normal(size=(2, 3, 224,
                                                   224)).astype('f4')
    files = dict(pdparams=src)
    run_tool([EXPORTER, family, variant, classes, src, tmp], cwd=str(tmp))
    for mode, ext in (('pir', 'json'), ('old', 'pdmodel')):
        files[ext] = str(tmp / mode / f'inference.{ext}')
        files[f'onnx_{ext}'] = str(tmp / f'{mode}.onnx')
        _paddle2onnx(files[ext], files[f'onnx_{ext}'])
    return dict(
        family=family,
        files=files,
        load=load,
        classes=classes,
        images=images,
        expected=paddle_ref.paddle_forward(ref, images))


def _build(family: str, meta: dict):
    if family == 'pplcnet':
        from mm_pplcnet.converters.pplcnet import build_classifier
        return build_classifier(meta['scale'], meta['num_classes'])
    from mm_pplcnet.converters import build_mobilenet_v3_classifier
    return build_mobilenet_v3_classifier(meta['arch'], meta['scale'],
                                         meta['num_classes'])


FORMATS = ('pdparams', 'json', 'pdmodel', 'onnx_json', 'onnx_pdmodel')


@pytest.mark.parametrize('fmt', FORMATS)
def test_format_gives_the_pdparams_outputs(exports, fmt):
    base, base_meta = exports['load'](exports['files']['pdparams'])
    state, meta = exports['load'](exports['files'][fmt])
    assert meta['format'] == fmt.split('_')[0]
    assert meta['num_classes'] == exports['classes']
    assert {
        k: v
        for k, v in meta.items() if k not in ('src', 'format')
    } == {
        k: v
        for k, v in base_meta.items() if k not in ('src', 'format')
    }
    assert list(state) == list(base) or set(state) == set(base)
    for key in base:
        assert torch.equal(state[key], base[key]), key
    model = _build(exports['family'], meta).eval()
    model.load_state_dict(state, strict=False)
    with torch.no_grad():
        logits = model(
            torch.from_numpy(exports['images']), mode='tensor').numpy()
    assert exports['expected'].std() > 0.1
    diff = check_close(exports['expected'], logits, 1e-4, 'logits', 'Paddle')
    print(f'{exports["family"]} {fmt}: max |diff| vs Paddle {diff:.1e}')
    if fmt.startswith('onnx'):
        sess = ort.InferenceSession(
            exports['files'][fmt], providers=['CPUExecutionProvider'])
        ref = sess.run(None, {'x': exports['images']})[0]
        check_close(ref, logits, 1e-4, 'logits', 'ONNX Runtime')


def test_inference_model_needs_both_files(exports, tmp_path):
    json_file = exports['files']['json']
    lone = tmp_path / 'inference.json'
    shutil.copy(json_file, lone)
    with pytest.raises(FileNotFoundError, match='no .*pdiparams beside'):
        exports['load'](str(lone))
    lone_params = tmp_path / 'x.pdiparams'
    shutil.copy(json_file[:-5] + '.pdiparams', lone_params)
    with pytest.raises(FileNotFoundError, match='holds no names'):
        exports['load'](str(lone_params))
    # a folder works: inference.json / inference.pdmodel inside
    folder = json_file.rsplit('/', 1)[0]
    assert exports['load'](folder)[1]['format'] == 'json'
