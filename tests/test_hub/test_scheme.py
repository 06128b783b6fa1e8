"""``paddle://`` end to end and offline: download from a local HTTP server,
conversion, cache reuse, a corrupt download, a server that is down, local
files, and ``init_cfg`` / ``get_model`` / ``load_checkpoint`` through it."""
import socket

import pytest
import torch
from hub_fixtures import *  # noqa: F401,F403 (the fixtures)
from mmengine.runner.checkpoint import _load_checkpoint

from mm_pplcnet.converters.pplcnet import build_classifier
from mm_pplcnet.hub import MIRROR_ENV, PUBLISHED, known_names, resolve
from mm_pplcnet.hub import scheme as scheme_mod
from mm_pplcnet.utils.compare import check_close


def _logits(model, images):
    with torch.no_grad():
        return model.eval()(torch.from_numpy(images), mode='tensor').numpy()


def test_download_convert_and_reuse(hub, server, paddle_weights):
    ckpt = _load_checkpoint('paddle://PPLCNet_x0_25', map_location='cpu')
    assert server.hits == {'PPLCNet_x0_25_pretrained.pdparams': 1}
    assert (hub / 'PPLCNet_x0_25_pretrained.pdparams').is_file()
    converted = list((hub / 'mm_pplcnet').glob('PPLCNet_x0_25_*.pth'))
    assert len(converted) == 1
    # nothing else is left in the cache (no temporary files or configs)
    assert list((hub / 'mm_pplcnet').iterdir()) == converted
    assert ckpt['meta']['scale'] == 0.25
    model = build_classifier(0.25, 1000)
    model.load_state_dict(ckpt['state_dict'], strict=True)
    expected = paddle_weights['logits']['PPLCNet_x0_25']
    assert expected.std() > 0.1
    check_close(expected, _logits(model, paddle_weights['images']), 1e-4,
                'paddle:// PP-LCNet x0.25', 'PaddleClas')
    # again (any case): neither a download nor a conversion
    mtime = converted[0].stat().st_mtime_ns
    ckpt2 = _load_checkpoint('paddle://pplcnet_x0_25', map_location='cpu')
    assert server.hits == {'PPLCNet_x0_25_pretrained.pdparams': 1}
    assert converted[0].stat().st_mtime_ns == mtime
    for key, value in ckpt['state_dict'].items():
        assert torch.equal(value, ckpt2['state_dict'][key])


def test_damaged_conversion_is_redone(hub, server):
    path = resolve('PPLCNet_x0_25')
    with open(path, 'r+b') as f:  # cut the converted file short
        f.truncate(100)
    ckpt = _load_checkpoint('paddle://PPLCNet_x0_25')
    assert ckpt['meta']['scale'] == 0.25
    assert server.hits == {'PPLCNet_x0_25_pretrained.pdparams': 1}


def test_corrupt_download_is_refused_and_not_cached(hub, server):
    server.truncate.add('PPLCNet_x0_35_pretrained.pdparams')
    with pytest.raises(RuntimeError, match='not a usable pplcnet weights') \
            as err:
        _load_checkpoint('paddle://PPLCNet_x0_35')
    assert 'download was deleted' in str(err.value)
    assert not (hub / 'PPLCNet_x0_35_pretrained.pdparams').exists()
    assert not list(hub.glob('mm_pplcnet/*'))
    # the server is fixed: the next load downloads again and works
    server.truncate.clear()
    ckpt = _load_checkpoint('paddle://PPLCNet_x0_35')
    assert ckpt['meta']['scale'] == 0.35
    assert server.hits['PPLCNet_x0_35_pretrained.pdparams'] == 2


def test_expected_hash_is_checked(hub, server, monkeypatch):
    entry = PUBLISHED['PPLCNet_x0_25']
    monkeypatch.setitem(
        PUBLISHED, 'PPLCNet_x0_25',
        type(entry)(entry.name, entry.url, entry.family, sha256='0' * 64))
    with pytest.raises(RuntimeError, match='SHA-256'):
        _load_checkpoint('paddle://PPLCNet_x0_25')
    assert not (hub / 'PPLCNet_x0_25_pretrained.pdparams').exists()


def test_server_down_says_how_to_pass_a_local_file(hub, monkeypatch):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv(MIRROR_ENV, f'http://127.0.0.1:{port}/')
    with pytest.raises(RuntimeError, match='could not download') as err:
        _load_checkpoint('paddle://PPLCNet_x1_0')
    msg = str(err.value)
    assert "paddle:///path/to/PPLCNet_x1_0_pretrained.pdparams" in msg
    assert MIRROR_ENV in msg and 'PPLCNet_x1_0_pretrained.pdparams' in msg
    assert not list(hub.glob('*.pdparams'))


def test_unknown_name_lists_known_ones(hub):
    with pytest.raises(KeyError, match='PPLCNet_x1_0_ssld') as err:
        _load_checkpoint('paddle://PPLCNet_x3_0')
    for name in ('MobileNetV3_large_x0_35', 'picodet_s_416_coco_lcnet'):
        assert name in str(err.value)
    with pytest.raises(FileNotFoundError, match='no such Paddle weights'):
        _load_checkpoint('paddle://missing/file.pdparams')


def test_known_names_resolve_to_published_urls():
    assert len(known_names()) == 37
    assert PUBLISHED['PPLCNetV2_base_ssld'].url.endswith(
        '/legendary_models/PPLCNetV2_base_ssld_pretrained.pdparams')
    assert PUBLISHED['PPLCNet_x1_0_ssld'].url.endswith(
        '/legendary_models/PPLCNet_x1_0_ssld_pretrained.pdparams')
    assert PUBLISHED['MobileNetV3_large_x0_35'].url.endswith(
        '/MobileNetV3_large_x0_35_pretrained.pdparams')
    assert PUBLISHED['picodet_s_416_coco_lcnet'].url.endswith(
        '/models/picodet_s_416_coco_lcnet.pdparams')
    assert {e.family
            for e in PUBLISHED.values()
            } == {'pplcnet', 'pplcnetv2', 'mobilenet_v3', 'picodet'}


def test_local_pplcnetv2_file(tmp_path, monkeypatch):
    """A PaddleClas PP-LCNetV2 file (with its extra folded dw_conv keys)
    through paddle://: the family is read from its keys."""
    import numpy as np

    from mm_pplcnet.converters.pplcnetv2 import build_classifier as build_v2
    from mm_pplcnet.reference import paddle as paddle_ref
    paddle = paddle_ref.require_paddle()
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    ref = paddle_ref.build_ppcls_pplcnetv2('small')
    paddle_ref.randomize_paddle_(ref)
    src = tmp_path / 'PPLCNetV2_small_pretrained.pdparams'
    paddle.save(ref.state_dict(), str(src))
    ckpt = _load_checkpoint('paddle://' + str(src), map_location='cpu')
    assert ckpt['meta']['arch'] == 'small'
    assert ckpt['meta']['dropped_folded_keys'] > 0
    model = build_v2('small')
    model.load_state_dict(ckpt['state_dict'], strict=True)
    images = np.random.default_rng(0).normal(size=(1, 3, 64, 64)).astype('f4')
    check_close(
        paddle_ref.paddle_forward(ref, images), _logits(model, images), 1e-4,
        'paddle:// PP-LCNetV2 small', 'PaddleClas')


def test_local_file_and_mirror_folder(hub, paddle_weights, monkeypatch,
                                      tmp_path):
    src = paddle_weights['root'] / 'PPLCNet_x0_25_pretrained.pdparams'
    monkeypatch.chdir(paddle_weights['root'])
    for spec in (str(src), 'PPLCNet_x0_25_pretrained.pdparams'):
        ckpt = _load_checkpoint('paddle://' + spec)
        assert ckpt['meta']['scale'] == 0.25  # family read from the keys
    # a mirror folder instead of a server: nothing downloaded
    monkeypatch.setenv(MIRROR_ENV, str(paddle_weights['root']))
    assert resolve('PPLCNet_x0_35').endswith('.pth')
    assert not list(hub.glob('*.pdparams'))
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match='points at a folder without'):
        resolve('PPLCNet_x0_5')
    # not a Paddle network
    other = tmp_path / 'other.pdparams'
    torch.save({}, str(other))
    with pytest.raises(ValueError):
        _load_checkpoint(f'paddle://{other}')


def test_detect_family():
    detect = scheme_mod.detect_family
    assert detect(['conv1.conv.weight',
                   'blocks2.0.dw_conv.conv.weight']) == 'pplcnet'
    assert detect(['conv.conv.weight',
                   'last_second_conv.conv.weight']) == 'mobilenet_v3'
    assert detect(['backbone.conv1.conv.weight',
                   'neck.conv_t.convs.0']) == 'picodet'
    with pytest.raises(ValueError, match='paddle:// converts'):
        detect(['fc.weight'])


def test_init_cfg_and_get_model(hub, server, paddle_weights):
    from mmpretrain import get_model

    from mm_pplcnet.models.backbones import PPLCNet
    backbone = PPLCNet(
        scale=0.25,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='paddle://PPLCNet_x0_25',
            prefix='backbone.'))
    backbone.init_weights()
    model = get_model('pplcnet-x0.25_3rdparty_in1k', pretrained=True)
    assert server.hits == {'PPLCNet_x0_25_pretrained.pdparams': 1}
    for key, value in backbone.state_dict().items():
        assert torch.equal(value, model.backbone.state_dict()[key]), key
    check_close(paddle_weights['logits']['PPLCNet_x0_25'],
                _logits(model, paddle_weights['images']), 1e-4,
                'get_model(pplcnet-x0.25_3rdparty_in1k)', 'PaddleClas')


class _OpensAFile:
    """Unpickling this opens (creates) a file: a stand-in for code run by
    a malicious download."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, 'w')


def test_malicious_download_runs_no_code(hub, server, paddle_weights,
                                         tmp_path):
    import pickle
    marker = tmp_path / 'code_ran'
    name = 'PPLCNet_x0_5_pretrained.pdparams'
    with open(paddle_weights['root'] / name, 'wb') as f:
        pickle.dump({'conv1.conv.weight': _OpensAFile(str(marker))}, f)
    try:
        with pytest.raises(RuntimeError, match='not a usable'):
            _load_checkpoint('paddle://PPLCNet_x0_5')
    finally:
        (paddle_weights['root'] / name).unlink()
    assert not marker.exists(), 'unpickling a download ran code'
