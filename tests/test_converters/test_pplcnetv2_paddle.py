"""PaddleClas PP-LCNetV2 weights convert exactly: PaddleClas' own
``PPLCNetV2_{small,base,large}`` with random weights and BN statistics,
saved with paddle.save, converted by our tool code, gives the same logits
(within 1e-4 x max(1, max|logit|)) before and after folding, and after
PaddleClas' own folding (the released files' extra ``dw_conv`` keys)."""
import numpy as np
import pytest
import torch

from mm_pplcnet.converters.pplcnetv2 import (build_classifier,
                                             convert_pplcnetv2, paddle_url)
from mm_pplcnet.utils.compare import check_close

paddle_ref = pytest.importorskip('mm_pplcnet.reference.paddle')
try:
    paddle = paddle_ref.require_paddle()
except ImportError as err:  # pragma: no cover - depends on the install
    pytest.skip(str(err), allow_module_level=True)

# PaddleClas' trainable parameters: all, and those of the dw_conv that
# holds the folded kernel (never used in training; ours has none)
PADDLE_PARAMS = {
    'small': (4_193_448, 64_896),
    'base': (6_800_360, 113_152),
    'large': (10_716_840, 174_720),
}


def _count_paddle(model):
    total = sum(
        int(np.prod(p.shape)) for p in model.parameters()
        if not p.stop_gradient)
    folded = sum(
        int(np.prod(p.shape)) for n, p in model.named_parameters()
        if n.endswith(('.dw_conv.weight', '.dw_conv.bias')))
    return total, folded


@pytest.fixture(scope='module')
def images():
    return np.random.default_rng(0).normal(size=(2, 3, 224,
                                                 224)).astype('float32')


def _logits(model, images):
    with torch.no_grad():
        return model(torch.from_numpy(images), mode='tensor').numpy()


@pytest.mark.parametrize('arch', sorted(PADDLE_PARAMS))
def test_paddle_parity_before_and_after_folding(arch, images, tmp_path):
    seed = len(arch)
    paddle.seed(seed)
    ref = paddle_ref.build_ppcls_pplcnetv2(arch)
    paddle_ref.randomize_paddle_(ref, seed=seed)
    assert _count_paddle(ref) == PADDLE_PARAMS[arch]
    expected = paddle_ref.paddle_forward(ref, images)
    assert expected.std() > 0.1  # a real signal

    src = str(tmp_path / f'PPLCNetV2_{arch}.pdparams')
    paddle.save(ref.state_dict(), src)
    dst = str(tmp_path / 'converted.pth')
    meta = convert_pplcnetv2('paddle', src, dst)
    assert meta['arch'] == arch and not meta['deploy']
    n_rep = sum(1 for k in ref.state_dict() if k.endswith('dw_conv.bias'))
    assert meta['dropped_folded_keys'] == 2 * n_rep > 0
    model = build_classifier(arch).eval()
    model.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)
    total, folded = PADDLE_PARAMS[arch]
    assert sum(p.numel() for p in model.parameters()) == total - folded
    check_close(expected, _logits(model, images), 1e-4, 'logits', 'Paddle')
    model.backbone.switch_to_deploy()
    check_close(expected, _logits(model, images), 1e-4, 'folded logits',
                'Paddle')

    # PaddleClas' own folding: its forward uses dw_conv, whose (now
    # trained-looking) values are in the file next to the branches, as in
    # the released .pdparams
    paddle_ref.reparameterize_paddle_(ref)
    check_close(expected, paddle_ref.paddle_forward(ref, images), 1e-4,
                'Paddle folded logits', 'Paddle')
    paddle.save(ref.state_dict(), src)
    convert_pplcnetv2('paddle', src, dst)
    model = build_classifier(arch).eval()
    model.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)
    check_close(expected, _logits(model, images), 1e-4, 'logits', 'Paddle')


def test_paddle_wrong_file_arch_and_urls(tmp_path):
    ref = paddle_ref.build_ppcls_pplcnetv2('small')
    src = str(tmp_path / 'small.pdparams')
    paddle.save(ref.state_dict(), src)
    with pytest.raises(ValueError, match='shape mismatches'):
        convert_pplcnetv2('paddle', src, str(tmp_path / 'o.pth'), arch='base')
    with pytest.raises(ValueError, match='arch must be one of'):
        convert_pplcnetv2('paddle', src, str(tmp_path / 'o.pth'), arch='xl')
    v1 = paddle_ref.build_ppcls_pplcnet(0.5)
    src = str(tmp_path / 'v1.pdparams')
    paddle.save(v1.state_dict(), src)
    with pytest.raises(KeyError, match='not PaddleClas PP-LCNetV2 ones'):
        convert_pplcnetv2('paddle', src, str(tmp_path / 'o.pth'))
    assert not (tmp_path / 'o.pth').exists()
    assert paddle_url('base') == (
        'https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/'
        'legendary_models/PPLCNetV2_base_pretrained.pdparams')
    assert paddle_url(
        'base', ssld=True).endswith('PPLCNetV2_base_ssld_pretrained.pdparams')
    with pytest.raises(ValueError, match='SSLD'):
        paddle_url('small', ssld=True)
