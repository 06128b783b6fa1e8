"""PaddleClas PP-LCNet weights convert exactly: PaddleClas' own network
with random weights and BN statistics, saved with paddle.save, converted
by our tool code, gives the same logits (max abs difference < 1e-4)."""
import numpy as np
import pytest
import torch
from helpers import max_abs_diff

from mm_pplcnet.converters import convert_pplcnet, load_pdparams, paddle_url
from mm_pplcnet.converters.pplcnet import build_classifier

paddle_ref = pytest.importorskip('mm_pplcnet.reference.paddle')
try:
    paddle = paddle_ref.require_paddle()
except ImportError as err:  # pragma: no cover - depends on the install
    pytest.skip(str(err), allow_module_level=True)

SCALES = (0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5)


@pytest.fixture(scope='module')
def images():
    return np.random.default_rng(0).normal(size=(2, 3, 224,
                                                 224)).astype('float32')


@pytest.mark.parametrize('scale', SCALES)
def test_paddle_parity(scale, images, tmp_path):
    paddle.seed(int(scale * 100))
    ref = paddle_ref.build_ppcls_pplcnet(scale)
    paddle_ref.randomize_paddle_(ref, seed=int(scale * 100))
    src = str(tmp_path / f'PPLCNet_x{scale}.pdparams')
    paddle.save(ref.state_dict(), src)
    expected = paddle_ref.paddle_forward(ref, images)

    # the file is a pickled dict of arrays: no Paddle needed to read it
    params = load_pdparams(src)
    assert 'fc.weight' in params and 'StructuredToParameterName@@' not in \
        params
    dst = str(tmp_path / 'converted.pth')
    meta = convert_pplcnet('paddle', src, dst)
    assert meta['scale'] == scale
    model = build_classifier(scale, 1000).eval()
    model.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)
    with torch.no_grad():
        logits = model(torch.from_numpy(images), mode='tensor').numpy()
    assert logits.shape == expected.shape == (2, 1000)
    assert expected.std() > 0.1  # a real signal, not near-zero logits
    assert max_abs_diff(logits, expected) < 1e-4


def test_paddle_dropout_factor_matters(images, tmp_path):
    """Without Paddle's downscale_in_infer factor the logits differ: the
    parity above is not an accident of the random weights."""
    from mm_pplcnet.converters import paddle_pplcnet_to_mm
    ref = paddle_ref.build_ppcls_pplcnet(0.5)
    paddle_ref.randomize_paddle_(ref)
    expected = paddle_ref.paddle_forward(ref, images)
    state = paddle_pplcnet_to_mm(
        paddle_ref.state_dict_numpy(ref), dropout_p=0.0)
    model = build_classifier(0.5, 1000).eval()
    model.load_state_dict(state, strict=False)
    with torch.no_grad():
        logits = model(torch.from_numpy(images), mode='tensor').numpy()
    # features scaled by 1 / 0.8: the logits move by a quarter
    assert max_abs_diff(logits, expected) > 0.1 * np.abs(expected).max()


def test_paddle_wrong_file_and_scale(tmp_path):
    bad = tmp_path / 'not_paddle.pdparams'
    bad.write_bytes(b'not a pickle')
    with pytest.raises(ValueError, match='not a Paddle .pdparams'):
        convert_pplcnet('paddle', str(bad), str(tmp_path / 'o.pth'))
    ref = paddle_ref.build_ppcls_pplcnet(0.5)
    src = str(tmp_path / 'x05.pdparams')
    paddle.save(ref.state_dict(), src)
    with pytest.raises(ValueError, match='shape mismatches'):
        convert_pplcnet('paddle', src, str(tmp_path / 'o.pth'), scale=1.0)


def test_paddle_urls_and_offline_download(tmp_path, monkeypatch):
    assert paddle_url(1.0) == (
        'https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/'
        'legendary_models/PPLCNet_x1_0_pretrained.pdparams')
    assert paddle_url(0.25).endswith('PPLCNet_x0_25_pretrained.pdparams')
    assert paddle_url(
        2.5, ssld=True).endswith('PPLCNet_x2_5_ssld_pretrained.pdparams')
    with pytest.raises(ValueError, match='SSLD'):
        paddle_url(0.75, ssld=True)
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    with pytest.raises(RuntimeError, match='could not download'):
        load_pdparams('http://127.0.0.1:9/PPLCNet_x1_0_pretrained.pdparams')
