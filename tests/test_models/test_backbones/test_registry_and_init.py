import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope

import mm_pplcnet  # noqa: F401
from mm_pplcnet.models import PPLCNet


@pytest.mark.parametrize('scope,registry_module', [
    ('mmdet', 'mmdet.registry'),
    ('mmseg', 'mmseg.registry'),
    ('mmpretrain', 'mmpretrain.registry'),
])
def test_builds_in_every_scope(scope, registry_module):
    import importlib
    registry = importlib.import_module(registry_module).MODELS
    init_default_scope(scope)
    model = registry.build(
        dict(type='PPLCNet', scale=0.5, out_indices=(2, 3, 4)))
    assert isinstance(model, PPLCNet)
    outs = model(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [64, 128, 256]


def _save(model, path, prefix=''):
    state = {prefix + k: v for k, v in model.state_dict().items()}
    torch.save({'meta': {}, 'state_dict': state}, path)


def test_pretrained_init_cfg_loads_exactly(tmp_path):
    src = PPLCNet(scale=0.5)
    for m in src.modules():  # non-default statistics to see them load
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
    ckpt = str(tmp_path / 'cls.pth')
    _save(src, ckpt, prefix='backbone.')
    dst = PPLCNet(
        scale=0.5,
        init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.'))
    dst.init_weights()
    for k, v in src.state_dict().items():
        assert torch.equal(v, dst.state_dict()[k]), k


def test_pretrained_wrong_scale_lists_shapes(tmp_path):
    ckpt = str(tmp_path / 'x05.pth')
    _save(PPLCNet(scale=0.5), ckpt, prefix='backbone.')
    model = PPLCNet(
        scale=1.0,
        init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.'))
    with pytest.raises(ValueError, match='shape mismatches') as err:
        model.init_weights()
    assert 'conv1.conv.weight' in str(err.value)
    assert 'scale' in str(err.value)


def test_pretrained_wrong_prefix_is_explained(tmp_path):
    ckpt = str(tmp_path / 'x05.pth')
    _save(PPLCNet(scale=0.5), ckpt, prefix='backbone.')
    model = PPLCNet(
        scale=0.5,
        init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='encoder.'))
    with pytest.raises(KeyError, match='start with backbone.'):
        model.init_weights()


def test_pretrained_missing_and_unexpected_keys(tmp_path):
    state = PPLCNet(scale=0.5).state_dict()
    state.pop('blocks6.1.se.conv1.conv.weight')
    state['blocks7.0.weight'] = torch.zeros(1)
    ckpt = str(tmp_path / 'bad.pth')
    torch.save(state, ckpt)
    model = PPLCNet(
        scale=0.5, init_cfg=dict(type='Pretrained', checkpoint=ckpt))
    with pytest.raises(ValueError) as err:
        model.init_weights()
    text = str(err.value)
    assert 'missing keys (1): blocks6.1.se.conv1.conv.weight' in text
    assert 'unexpected keys (1): blocks7.0.weight' in text


def test_pretrained_missing_file_and_offline_url(tmp_path):
    model = PPLCNet(
        scale=0.5,
        init_cfg=dict(
            type='Pretrained', checkpoint=str(tmp_path / 'nope.pth')))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        model.init_weights()
    # an unreachable URL (no network here, or a closed port) gives advice
    url = 'http://127.0.0.1:9/pplcnet_x1_0.pth'
    model = PPLCNet(
        scale=0.5, init_cfg=dict(type='Pretrained', checkpoint=url))
    with pytest.raises(RuntimeError, match='could not download'):
        model.init_weights()
    assert not osp.exists('pplcnet_x1_0.pth')
