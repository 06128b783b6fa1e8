"""PaddleClas MobileNetV3 weights convert exactly: PaddleClas' own network
with random weights, saved with paddle.save, converted by our tool code,
gives the same logits (max abs difference < 1e-4)."""
import numpy as np
import pytest
import torch
from helpers import max_abs_diff

from mm_pplcnet.converters import (build_mobilenet_v3_classifier,
                                   convert_mobilenet_v3,
                                   paddle_mobilenet_v3_to_mm,
                                   paddle_mobilenet_v3_url)
from mm_pplcnet.converters.mobilenet_v3 import parse_variant

paddle_ref = pytest.importorskip('mm_pplcnet.reference.paddle')
try:
    paddle = paddle_ref.require_paddle()
except ImportError as err:  # pragma: no cover - depends on the install
    pytest.skip(str(err), allow_module_level=True)

VARIANTS = [(arch, scale) for arch in ('small', 'large')
            for scale in (0.35, 0.5, 0.75, 1.0, 1.25)]


@pytest.fixture(scope='module', autouse=True)
def one_torch_thread():
    """Paddle's OpenMP threads keep spinning after each Paddle forward and
    slow a 2-thread torch forward down tenfold on a 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def ppcls_mv3():
    return paddle_ref.import_ppcls(
        'ppcls.arch.backbone.legendary_models.mobilenet_v3')


@pytest.fixture(scope='module')
def images():
    rng = np.random.default_rng(0)
    return rng.normal(size=(2, 3, 224, 224)).astype('float32')


def build_paddle(ppcls_mv3, arch, scale):
    name = f'MobileNetV3_{arch}_x{str(scale).replace(".", "_")}'
    return getattr(ppcls_mv3, name)(pretrained=False)


def randomize_and_calibrate_(model, seed: int) -> None:
    """``randomize_paddle_``, then BN statistics of a random batch.

    With random weights the residual stream of MobileNetV3 grows to logits
    of 1e2..1e3, where float32 rounding alone exceeds 1e-4. Statistics
    measured on a batch (one training-mode pass with momentum 0) keep every
    activation O(1) and stay different per channel, so a conversion that
    mixes BN tensors up still fails.
    """
    paddle_ref.randomize_paddle_(model, seed=seed)
    bns = [
        layer for layer in model.sublayers()
        if isinstance(layer, paddle.nn.BatchNorm)
    ]
    assert bns
    batch = np.random.default_rng(seed).normal(size=(2, 3, 224, 224))
    for layer in bns:
        layer._momentum = 0.0
    model.train()
    with paddle.no_grad():
        model(paddle.to_tensor(batch.astype('float32')))
    for layer in bns:
        layer._momentum = 0.9
    model.eval()


@pytest.mark.parametrize('arch,scale', VARIANTS)
def test_paddle_parity(arch, scale, ppcls_mv3, images, tmp_path):
    seed = int(scale * 100) + (arch == 'large')
    ref = build_paddle(ppcls_mv3, arch, scale)
    randomize_and_calibrate_(ref, seed)
    src = str(tmp_path / f'MobileNetV3_{arch}_x{scale}.pdparams')
    paddle.save(ref.state_dict(), src)
    expected = paddle_ref.paddle_forward(ref, images)

    dst = str(tmp_path / 'converted.pth')
    meta = convert_mobilenet_v3(src, dst)  # arch and scale inferred
    assert (meta['arch'], meta['scale']) == (arch, scale)
    model = build_mobilenet_v3_classifier(arch, scale).eval()
    model.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)
    with torch.no_grad():
        logits = model(torch.from_numpy(images), mode='tensor').numpy()
    assert logits.shape == expected.shape == (2, 1000)
    assert expected.std() > 0.1  # a real signal, not near-zero logits
    assert max_abs_diff(logits, expected) < 1e-4


def test_dropout_factor_and_backbone_only(ppcls_mv3, images, tmp_path):
    """Without Paddle's downscale_in_infer factor the logits differ; the
    backbone-only file loads strictly into the backbone."""
    ref = build_paddle(ppcls_mv3, 'small', 0.5)
    randomize_and_calibrate_(ref, 7)
    expected = paddle_ref.paddle_forward(ref, images)
    state = paddle_mobilenet_v3_to_mm(
        paddle_ref.state_dict_numpy(ref), dropout_p=0.0)
    model = build_mobilenet_v3_classifier('small', 0.5).eval()
    model.load_state_dict(state, strict=False)
    with torch.no_grad():
        logits = model(torch.from_numpy(images), mode='tensor').numpy()
    assert max_abs_diff(logits, expected) > 0.1 * np.abs(expected).max()

    from mm_pplcnet.models import PaddleMobileNetV3
    src = str(tmp_path / 'small_x0_5.pdparams')
    paddle.save(ref.state_dict(), src)
    dst = str(tmp_path / 'backbone.pth')
    meta = convert_mobilenet_v3(src, dst, backbone_only=True, arch='small')
    assert meta['backbone_only'] and meta['scale'] == 0.5
    keys = torch.load(dst, weights_only=True)['state_dict']
    assert keys and all(k.startswith('backbone.') for k in keys)
    backbone = PaddleMobileNetV3(
        'small',
        0.5,
        init_cfg=dict(type='Pretrained', checkpoint=dst, prefix='backbone.'))
    backbone.init_weights()


def test_wrong_file_arch_and_scale(ppcls_mv3, tmp_path):
    out = str(tmp_path / 'o.pth')
    bad = tmp_path / 'not_paddle.pdparams'
    bad.write_bytes(b'not a pickle')
    with pytest.raises(ValueError, match='not a Paddle .pdparams'):
        convert_mobilenet_v3(str(bad), out)
    src = str(tmp_path / 'small_x0_75.pdparams')
    paddle.save(build_paddle(ppcls_mv3, 'small', 0.75).state_dict(), src)
    # a small file named large: no large variant has these shapes
    with pytest.raises(ValueError, match='match none of the MobileNetV3'):
        convert_mobilenet_v3(src, out, arch='large')
    with pytest.raises(ValueError, match='missing keys'):
        convert_mobilenet_v3(src, out, arch='large', scale=0.75)
    with pytest.raises(ValueError, match='shape mismatches'):
        convert_mobilenet_v3(src, out, scale=1.0)
    with pytest.raises(ValueError, match='arch must be one of'):
        convert_mobilenet_v3(src, out, arch='medium')
    # a PP-LCNet file is not a MobileNetV3 one
    lcnet = str(tmp_path / 'lcnet.pdparams')
    paddle.save(paddle_ref.build_ppcls_pplcnet(0.5).state_dict(), lcnet)
    with pytest.raises(
            KeyError, match='keys are not PaddleClas MobileNetV3 ones'):
        convert_mobilenet_v3(lcnet, out)


def test_urls_and_variant_names():
    assert paddle_mobilenet_v3_url('large', 0.35) == (
        'https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/'
        'legendary_models/MobileNetV3_large_x0_35_pretrained.pdparams')
    assert paddle_mobilenet_v3_url(
        'small', 1.0).endswith('MobileNetV3_small_x1_0_pretrained.pdparams')
    assert paddle_mobilenet_v3_url(
        'small', 1.25).endswith('MobileNetV3_small_x1_25_pretrained.pdparams')
    with pytest.raises(ValueError, match='publishes no'):
        paddle_mobilenet_v3_url('large', 2.0)
    assert parse_variant('large_x0_35') == ('large', 0.35)
    assert parse_variant('MobileNetV3_small_x1_0') == ('small', 1.0)
    assert parse_variant('small-x1.25') == ('small', 1.25)
    with pytest.raises(ValueError, match='variant name'):
        parse_variant('x1_0')


def test_tool(ppcls_mv3, tmp_path, monkeypatch, capsys):
    """tools/model_converters/mobilenet_v3_to_mmpretrain.py on a file."""
    import importlib.util
    import sys

    from conftest import TOOLS
    spec = importlib.util.spec_from_file_location(
        'mv3_tool', TOOLS / 'model_converters/mobilenet_v3_to_mmpretrain.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    src = str(tmp_path / 'large_x0_35.pdparams')
    paddle.save(build_paddle(ppcls_mv3, 'large', 0.35).state_dict(), src)
    dst = str(tmp_path / 'out.pth')
    monkeypatch.setattr(sys, 'argv', ['tool', src, dst, '--backbone-only'])
    tool.main()
    assert 'MobileNetV3 large x0.35 backbone' in capsys.readouterr().out
    meta = torch.load(dst, weights_only=True)['meta']
    assert meta['arch'] == 'large' and meta['backbone_only']
    monkeypatch.setattr(sys, 'argv', ['tool', 'medium_x1_0', dst])
    with pytest.raises(SystemExit, match='neither a file'):
        tool.main()
