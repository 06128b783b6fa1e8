"""One loading rule (strict unless partial loading is asked for) and one
clear message for a damaged checkpoint, whatever the damage."""
import pickle

import pytest
import torch

from mm_pplcnet.models.backbones import PaddleMobileNetV3, PPLCNet, PPLCNetV2
from mm_pplcnet.utils.checkpoint import (CheckpointMismatchError,
                                         DamagedCheckpointError,
                                         check_state_dict,
                                         load_pretrained_strict,
                                         load_state_dict_checked)
from mm_pplcnet.utils.safe_load import load_local_checkpoint

BACKBONES = {
    'PPLCNet':
    lambda **kw: PPLCNet(scale=0.25, out_indices=(4, ), **kw),
    'PaddleMobileNetV3':
    lambda **kw: PaddleMobileNetV3('small', 0.35, out_indices=(4, ), **kw),
}


def _save_whole_model(backbone, path):
    """A detector-style checkpoint: the backbone under ``backbone.``."""
    torch.save(
        {
            'state_dict': {
                f'backbone.{k}': v
                for k, v in backbone.state_dict().items()
            },
            'meta': {}
        }, path)


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_init_cfg_without_prefix_says_which_prefix(name, tmp_path):
    make = BACKBONES[name]
    path = str(tmp_path / 'whole.pth')
    _save_whole_model(make(), path)
    model = make(init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(
            CheckpointMismatchError,
            match=r"start with 'backbone\.': load it with .*"
            r"prefix='backbone\.'\)`"):
        model.init_weights()


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_init_cfg_list_is_strict_and_partial_on_request(name, tmp_path):
    make = BACKBONES[name]
    source = make()
    path = str(tmp_path / 'whole.pth')
    _save_whole_model(source, path)
    pretrained = dict(type='Pretrained', checkpoint=path, prefix='backbone.')
    init = [dict(type='Kaiming', layer='Conv2d'), pretrained]
    # the right file in a list: loaded exactly
    model = make(init_cfg=init)
    model.init_weights()
    for k, v in source.state_dict().items():
        assert torch.equal(model.state_dict()[k], v), k
    # another scale in a list: an error listing the shapes (was: warnings)
    other = PPLCNet(scale=0.5, out_indices=(4, )) if name == 'PPLCNet' \
        else PaddleMobileNetV3('small', 0.5, out_indices=(4, ))
    _save_whole_model(other, path)
    with pytest.raises(
            CheckpointMismatchError,
            match=r'shape mismatches \(\d+\): blocks'):
        make(init_cfg=[dict(type='Kaiming', layer='Conv2d'), pretrained
                       ]).init_weights()
    # partial loading, asked for: what fits is loaded, nothing else fails
    partial = make(init_cfg=[dict(pretrained, strict=False)])
    partial.init_weights()
    with pytest.raises(ValueError, match='2 Pretrained entries'):
        make(init_cfg=[pretrained, pretrained]).init_weights()


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_model_level_pretrained_is_a_strict_pretrained(name, tmp_path):
    make = BACKBONES[name]
    source = make()
    path = str(tmp_path / 'backbone.pth')
    torch.save(source.state_dict(), path)
    model = make(pretrained=path)  # mmseg hands `pretrained` to backbones
    assert model.init_cfg == dict(type='Pretrained', checkpoint=path)
    model.init_weights()
    for k, v in source.state_dict().items():
        assert torch.equal(model.state_dict()[k], v), k
    with pytest.raises(ValueError, match='either `pretrained` or'):
        make(pretrained=path, init_cfg=dict(type='Normal'))


def test_partial_load_lists_what_it_left_out(tmp_path):
    small, big = PPLCNet(scale=0.25), PPLCNet(scale=0.5)
    state = big.state_dict()
    state['extra.weight'] = torch.zeros(1)
    with pytest.raises(CheckpointMismatchError) as info:
        load_state_dict_checked(small, state, 'x.pth')
    text = str(info.value)
    assert 'unexpected keys (1): extra.weight' in text
    assert 'shape mismatches' in text and 'partial_load=True' in text
    before = {k: v.clone() for k, v in small.state_dict().items()}
    load_state_dict_checked(small, state, 'x.pth', strict=False)
    # what fits in shape (the stem: 8 channels at both scales) is loaded,
    # the rest is left as initialised
    loaded = 0
    for k, v in small.state_dict().items():
        if v.shape == state[k].shape:
            assert torch.equal(v, state[k]), k
            loaded += 1
        else:
            assert torch.equal(v, before[k]), k
    assert 0 < loaded < len(before)


def _damaged_files(tmp_path):
    good = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': PPLCNet(scale=0.25).state_dict()}, good)
    data = good.read_bytes()
    files = {
        'empty': (b'', r'it is empty \(0 bytes\)'),
        'truncated': (data[:len(data) // 2], 'truncated or damaged zip'),
        'cut_tail': (data[:-30], 'truncated or damaged zip'),
        'text': (b'not a checkpoint\n', "not a PyTorch checkpoint .*b'not"),
        'legacy_truncated': (pickle.dumps({'a': list(range(50))},
                                          protocol=2)[:40], 'torch.load'),
    }
    out = {}
    for name, (content, message) in files.items():
        path = tmp_path / f'epoch_2_{name}.pth'
        path.write_bytes(content)
        out[name] = (path, message)
    return good, out


def test_every_kind_of_damage_is_one_clear_message(tmp_path):
    good, files = _damaged_files(tmp_path)
    for name, (path, message) in files.items():
        with pytest.raises(DamagedCheckpointError, match=message) as info:
            load_local_checkpoint(str(path))
        text = str(info.value)
        assert text.startswith(f'checkpoint {path} is damaged'), name
        # the newest intact checkpoint of the folder, to resume from
        assert f'--resume {good}' in text, name
        # through every loader: init_cfg / demos / export use this one
        with pytest.raises(DamagedCheckpointError):
            load_pretrained_strict(PPLCNet(scale=0.25), str(path))


def test_damage_without_an_intact_neighbour(tmp_path):
    path = tmp_path / 'only.pth'
    path.write_bytes(b'')
    with pytest.raises(
            DamagedCheckpointError, match='no other intact checkpoint'):
        load_local_checkpoint(str(path))


def test_mismatch_names_the_folded_pplcnetv2_form():
    """Folded weights into a trained-form PP-LCNetV2 (and the reverse)
    name ``deploy=True`` / ``switch_to_deploy()``; another arch does not."""

    folded = PPLCNetV2(arch='small').eval()
    folded.switch_to_deploy()
    trained = PPLCNetV2(arch='small')
    with pytest.raises(CheckpointMismatchError, match='deploy=True'):
        check_state_dict(trained, folded.state_dict())
    with pytest.raises(CheckpointMismatchError, match='deploy=True'):
        check_state_dict(
            PPLCNetV2(arch='small', deploy=True), trained.state_dict())
    with pytest.raises(CheckpointMismatchError) as info:
        check_state_dict(PPLCNetV2(arch='base'), trained.state_dict())
    assert 'deploy=True' not in str(info.value)
