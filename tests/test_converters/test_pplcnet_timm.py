"""timm lcnet_* weights convert exactly (logit parity < 1e-4)."""
import pytest
import torch
from conftest import TOOLS, run_tool
from helpers import max_abs_diff, randomize_

from mm_pplcnet.converters import convert_pplcnet
from mm_pplcnet.converters.pplcnet import build_classifier
from mm_pplcnet.models import PPLCNet

timm = pytest.importorskip('timm')

TIMM_SCALES = {
    'lcnet_035': 0.35,
    'lcnet_050': 0.5,
    'lcnet_075': 0.75,
    'lcnet_100': 1.0,
    'lcnet_150': 1.5
}


@pytest.mark.parametrize('name', sorted(TIMM_SCALES))
def test_timm_parity(name, tmp_path):
    torch.manual_seed(0)
    ref = timm.create_model(name, pretrained=False, num_classes=1000).eval()
    randomize_(ref)
    src = tmp_path / f'{name}.pth'
    torch.save(ref.state_dict(), src)
    dst = tmp_path / 'converted.pth'
    meta = convert_pplcnet('timm', str(src), str(dst))
    assert meta['scale'] == TIMM_SCALES[name]
    model = build_classifier(meta['scale'], 1000, last_conv_bias=True)
    model.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)
    model.eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        expected = ref(x)
        diff = max_abs_diff(model(x, mode='tensor'), expected)
    assert expected.std() > 0.1  # a real signal
    assert diff < 1e-4


def test_timm_backbone_only_and_features(tmp_path):
    """--backbone-only output loads through init_cfg; features equal timm's
    features_only maps at strides 2..32."""
    torch.manual_seed(1)
    ref = timm.create_model('lcnet_075', pretrained=False).eval()
    randomize_(ref)
    src = tmp_path / 'lcnet_075.pth'
    torch.save(ref.state_dict(), src)
    dst = tmp_path / 'backbone.pth'
    out = run_tool([
        TOOLS / 'model_converters' / 'pplcnet_to_mmpretrain.py', 'timm', src,
        dst, '--backbone-only'
    ],
                   cwd=tmp_path)
    assert 'PP-LCNet x0.75 backbone' in out
    keys = torch.load(dst, weights_only=True)['state_dict'].keys()
    assert all(k.startswith('backbone.') for k in keys)
    backbone = PPLCNet(
        scale=0.75,
        out_indices=(0, 1, 2, 3, 4),
        init_cfg=dict(
            type='Pretrained', checkpoint=str(dst), prefix='backbone.'))
    backbone.init_weights()
    backbone.eval()
    feats = timm.create_model(
        'lcnet_075', pretrained=False, features_only=True).eval()
    feats.load_state_dict(ref.state_dict(), strict=False)
    x = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        for ours, theirs in zip(backbone(x), feats(x)):
            assert ours.shape == theirs.shape and theirs.std() > 0.05
            assert max_abs_diff(ours, theirs) < 1e-4


def test_timm_incomplete_state_dict_lists_missing_keys(tmp_path):
    state = timm.create_model('lcnet_050', pretrained=False).state_dict()
    del state['blocks.5.1.se.conv_reduce.weight']
    src = tmp_path / 'broken.pth'
    torch.save(state, src)
    with pytest.raises(ValueError, match='missing keys') as err:
        convert_pplcnet('timm', str(src), str(tmp_path / 'out.pth'))
    assert 'backbone.blocks6.1.se.conv1.conv.weight' in str(err.value)
    assert not (tmp_path / 'out.pth').exists()


def test_source_mixed_up_names_the_right_source(tmp_path):
    """A timm file given as 'paddle' and a Paddle file given as 'timm' (or
    renamed .pth) say which source reads them, not how to unpickle."""
    paddle = pytest.importorskip('paddle')
    timm_file = tmp_path / 'lcnet_050.pth'
    torch.save(timm.create_model('lcnet_050').state_dict(), timm_file)
    with pytest.raises(ValueError, match="PyTorch file.*'timm' source"):
        convert_pplcnet('paddle', str(timm_file), str(tmp_path / 'a.pth'))
    pdparams = tmp_path / 'lcnet.pdparams'
    paddle.save({'w': paddle.zeros([2, 2])}, str(pdparams))
    with pytest.raises(ValueError, match="Paddle file.*'paddle' source"):
        convert_pplcnet('timm', str(pdparams), str(tmp_path / 'b.pth'))
    renamed = tmp_path / 'lcnet.pth'
    renamed.write_bytes(pdparams.read_bytes())
    with pytest.raises(ValueError, match="loads safely.*'paddle' source") \
            as info:
        convert_pplcnet('timm', str(renamed), str(tmp_path / 'c.pth'))
    assert 'weights_only` set to `False' not in str(info.value)
    # a zip checkpoint named .pdparams, an old-format .pth to the V2 tool
    zipped = tmp_path / 'zipped.pdparams'
    zipped.write_bytes(timm_file.read_bytes())
    with pytest.raises(ValueError, match="PyTorch checkpoint.*'timm'"):
        convert_pplcnet('paddle', str(zipped), str(tmp_path / 'd.pth'))
    from mm_pplcnet.converters import convert_pplcnetv2
    old = tmp_path / 'v2.pth'
    torch.save(
        timm.create_model('lcnetv2_small').state_dict(),
        old,
        _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="PyTorch checkpoint.*'timm'"):
        convert_pplcnetv2('paddle', str(old), str(tmp_path / 'e.pth'))
