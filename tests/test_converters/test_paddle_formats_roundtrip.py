"""Every format gives the weights and outputs of the ``.pdparams``.

PaddleClas' PP-LCNet (x0.5, 7 classes) and MobileNetV3 (small x0.5, 5
classes) with random weights are written by the installed paddlepaddle
as a ``.pdparams`` (``paddle.save``), a Paddle 3 inference model
(``paddle.jit.save``: ``.json`` + ``.pdiparams``) and a Paddle 2.x one
(static graph: ``.pdmodel`` + ``.pdiparams``), and by paddle2onnx as ONNX
files of both. Each converts to exactly the same state dict as the
``.pdparams``; our logits match Paddle's (< 1e-4 of their scale) and
ONNX Runtime's on each export. paddledet's PicoDets (both generations)
saved as Paddle 3 inference models convert to their ``.pdparams``
weights. All exports are written by one subprocess (``paddle_export.py``).
"""
import numpy as np
import pytest
import torch
from conftest import run_tool

from mm_pplcnet.converters import (PICODET_SIZES, load_mobilenet_v3,
                                   load_picodet, load_pplcnet)
from mm_pplcnet.utils.compare import check_close

paddle_ref = pytest.importorskip('mm_pplcnet.reference.paddle')
paddle = paddle_ref.require_paddle()
ort = pytest.importorskip('onnxruntime')
pytestmark = pytest.mark.slow  # Paddle exports in a subprocess

EXPORTER = __file__.replace('test_paddle_formats_roundtrip.py',
                            'paddle_export.py')
# family: (variant as paddle_export.py takes it, classes)
MODELS = {
    'pplcnet': ('0.5', 7),
    'mobilenet_v3': ('small_x0_5', 5),
    'picodet_legacy': ('1.0', 10),
    'picodet_v2': ('s', 10),
}
FORMATS = ('pdparams', 'json', 'pdmodel', 'onnx_json', 'onnx_pdmodel')


def _paddle_model(family: str):
    variant, classes = MODELS[family]
    if family == 'pplcnet':
        return paddle_ref.build_ppcls_pplcnet(
            float(variant), class_num=classes)
    if family == 'mobilenet_v3':
        mod = paddle_ref.import_ppcls(
            'ppcls.arch.backbone.legendary_models.mobilenet_v3')
        return getattr(mod, f'MobileNetV3_{variant}')(class_num=classes)
    if family == 'picodet_legacy':
        return paddle_ref.build_ppdet_picodet_legacy(
            float(variant), num_classes=classes)
    return paddle_ref.build_ppdet_picodet(*PICODET_SIZES[variant], classes)


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    import importlib.util
    if importlib.util.find_spec('paddle2onnx') is None:
        pytest.fail('paddle2onnx is not installed: scripts/install.sh '
                    '--tests installs it')
    root = tmp_path_factory.mktemp('exports')
    images = np.random.default_rng(1).normal(size=(2, 3, 224,
                                                   224)).astype('f4')
    out = {}
    for seed, family in enumerate(MODELS):
        ref = _paddle_model(family)
        paddle_ref.randomize_paddle_(ref, seed=seed)
        folder = root / family
        folder.mkdir()
        paddle.save(ref.state_dict(), str(folder / 'model.pdparams'))
        out[family] = dict(
            files=dict(
                pdparams=str(folder / 'model.pdparams'),
                json=str(folder / 'pir' / 'inference.json'),
                pdmodel=str(folder / 'old' / 'inference.pdmodel'),
                onnx_json=str(folder / 'pir.onnx'),
                onnx_pdmodel=str(folder / 'old.onnx')))
        if not family.startswith('picodet'):
            out[family]['expected'] = paddle_ref.paddle_forward(ref, images)
    run_tool(
        [EXPORTER, root] + [f'{f}:{v}:{c}' for f, (v, c) in MODELS.items()],
        cwd=str(root))
    return dict(models=out, images=images)


def _load(family: str, src: str):
    if family == 'pplcnet':
        return load_pplcnet(src)
    return load_mobilenet_v3(src)


def _build(family: str, meta: dict):
    if family == 'pplcnet':
        from mm_pplcnet.converters.pplcnet import build_classifier
        return build_classifier(meta['scale'], meta['num_classes'])
    from mm_pplcnet.converters import build_mobilenet_v3_classifier
    return build_mobilenet_v3_classifier(meta['arch'], meta['scale'],
                                         meta['num_classes'])


def _same_meta(meta: dict, base: dict) -> None:

    def drop(m):
        return {k: v for k, v in m.items() if k not in ('src', 'format')}

    assert drop(meta) == drop(base)


def _same_weights(state: dict, base: dict) -> None:
    assert set(state) == set(base)
    for key in base:
        assert torch.equal(state[key], base[key]), key


@pytest.mark.parametrize('fmt', FORMATS)
@pytest.mark.parametrize('family', ['pplcnet', 'mobilenet_v3'])
def test_classifier_format_gives_the_pdparams_outputs(exported, family, fmt):
    info = exported['models'][family]
    base, base_meta = _load(family, info['files']['pdparams'])
    state, meta = _load(family, info['files'][fmt])
    assert meta['format'] == fmt.split('_')[0]
    assert meta['num_classes'] == MODELS[family][1]
    _same_meta(meta, base_meta)
    _same_weights(state, base)
    model = _build(family, meta).eval()
    model.load_state_dict(state, strict=False)
    images = exported['images']
    with torch.no_grad():
        logits = model(torch.from_numpy(images), mode='tensor').numpy()
    assert info['expected'].std() > 0.1
    diff = check_close(info['expected'], logits, 1e-4, 'logits', 'Paddle')
    print(f'{family} {fmt}: max |diff| of the logits vs Paddle {diff:.1e} '
          f'(max |logit| {np.abs(info["expected"]).max():.1f})')
    if fmt.startswith('onnx'):
        sess = ort.InferenceSession(
            info['files'][fmt], providers=['CPUExecutionProvider'])
        ref = sess.run(None, {'x': images})[0]
        check_close(ref, logits, 1e-4, 'logits', 'ONNX Runtime')


@pytest.mark.parametrize('family', ['picodet_legacy', 'picodet_v2'])
def test_picodet_inference_model_gives_the_pdparams_weights(exported, family):
    """(paddle2onnx 2.1.0 fails on these PIR programs: "the 0th
    elementwise MUST be ir::FloatAttribute"; the ONNX path of a PicoDet
    is tested on the real CDLA layout export instead.)"""
    files = exported['models'][family]['files']
    base, base_meta, _ = load_picodet(files['pdparams'])
    state, meta, _ = load_picodet(files['json'])
    assert meta['format'] == 'json' and meta['num_classes'] == 10
    _same_meta(meta, base_meta)
    _same_weights(state, base)


def test_inference_model_needs_both_files(exported, tmp_path):
    import shutil
    json_file = exported['models']['pplcnet']['files']['json']
    lone = tmp_path / 'inference.json'
    shutil.copy(json_file, lone)
    with pytest.raises(FileNotFoundError, match='no .*pdiparams beside'):
        load_pplcnet(str(lone))
    lone_params = tmp_path / 'x.pdiparams'
    shutil.copy(json_file[:-5] + '.pdiparams', lone_params)
    with pytest.raises(FileNotFoundError, match='holds no names'):
        load_pplcnet(str(lone_params))
    # a folder works: inference.json / inference.pdmodel inside
    folder = json_file.rsplit('/', 1)[0]
    assert load_pplcnet(folder)[1]['format'] == 'json'
    # the weights of another model beside a model file
    other = exported['models']['mobilenet_v3']['files']['json']
    mixed = tmp_path / 'mixed'
    mixed.mkdir()
    shutil.copy(json_file, mixed / 'inference.json')
    shutil.copy(other[:-5] + '.pdiparams', mixed / 'inference.pdiparams')
    with pytest.raises(ValueError, match='the model says|do not belong'):
        load_pplcnet(str(mixed))


def test_truncated_and_text_pdmodel(exported, tmp_path):
    import shutil
    pdmodel = exported['models']['pplcnet']['files']['pdmodel']
    for name, data in (('cut', open(pdmodel, 'rb').read()[:5000]),
                       ('text', b'not a program\n')):
        folder = tmp_path / name
        folder.mkdir()
        (folder / 'inference.pdmodel').write_bytes(data)
        shutil.copy(pdmodel[:-8] + '.pdiparams',
                    folder / 'inference.pdiparams')
        with pytest.raises(ValueError, match='is not a Paddle .pdmodel file'):
            load_pplcnet(str(folder / 'inference.pdmodel'))
