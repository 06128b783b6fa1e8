"""timm lcnetv2_* weights convert exactly (logits within 1e-4 x
max(1, max|logit|)), also timm's re-parameterized (folded) state dicts."""
import pytest
import torch
from conftest import TOOLS, run_tool
from helpers import randomize_

from mm_pplcnet.converters.pplcnetv2 import build_classifier, convert_pplcnetv2
from mm_pplcnet.models import PPLCNetV2
from mm_pplcnet.utils.compare import check_close

timm = pytest.importorskip('timm')

TIMM_ARCHS = {
    'lcnetv2_small': 'small',
    'lcnetv2_base': 'base',
    'lcnetv2_large': 'large'
}
# timm's (and PaddleClas' published) parameter counts, folded
FOLDED_PARAMS = {
    'lcnetv2_small': 4_092_840,
    'lcnetv2_base': 6_624_232,
    'lcnetv2_large': 10_444_200
}


@pytest.mark.parametrize('name', sorted(TIMM_ARCHS))
def test_timm_parity_and_folded_weights(name, tmp_path):
    from timm.utils import reparameterize_model
    torch.manual_seed(0)
    ref = randomize_(timm.create_model(name, pretrained=False)).eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        expected = ref(x).numpy()
    assert expected.std() > 0.1  # a real signal
    src = tmp_path / f'{name}.pth'
    torch.save(ref.state_dict(), src)
    dst = tmp_path / 'converted.pth'
    meta = convert_pplcnetv2('timm', str(src), str(dst))
    assert meta['arch'] == TIMM_ARCHS[name] and not meta['deploy']
    model = build_classifier(meta['arch']).eval()
    model.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)
    with torch.no_grad():
        check_close(expected,
                    model(x, mode='tensor').numpy(), 1e-4, 'logits', 'timm')
        model.backbone.switch_to_deploy()
        check_close(expected,
                    model(x, mode='tensor').numpy(), 1e-4, 'folded logits',
                    'timm')
    assert sum(p.numel() for p in model.parameters()) == FOLDED_PARAMS[name]

    # timm's own folding gives a deploy=True checkpoint
    torch.save(reparameterize_model(ref).state_dict(), src)
    meta = convert_pplcnetv2('timm', str(src), str(dst))
    assert meta['deploy']
    model = build_classifier(meta['arch'], deploy=True).eval()
    model.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)
    with torch.no_grad():
        check_close(expected,
                    model(x, mode='tensor').numpy(), 1e-4, 'logits',
                    'timm folded')


def test_timm_backbone_only_tool_and_features(tmp_path):
    torch.manual_seed(1)
    ref = randomize_(timm.create_model('lcnetv2_small')).eval()
    src = tmp_path / 'lcnetv2_small.pth'
    torch.save(ref.state_dict(), src)
    dst = tmp_path / 'backbone.pth'
    out = run_tool([
        TOOLS / 'model_converters' / 'pplcnetv2_to_mmpretrain.py', 'timm', src,
        dst, '--backbone-only'
    ],
                   cwd=tmp_path)
    assert 'PP-LCNetV2 small backbone' in out
    keys = torch.load(dst, weights_only=True)['state_dict'].keys()
    assert all(k.startswith('backbone.') for k in keys)
    backbone = PPLCNetV2(
        'small',
        out_indices=(1, 2, 3, 4),
        init_cfg=dict(
            type='Pretrained', checkpoint=str(dst), prefix='backbone.'))
    backbone.init_weights()
    backbone.eval()
    x = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        theirs = ref.forward_intermediates(x, intermediates_only=True)
        assert len(theirs) == 4
        for ours, t in zip(backbone(x), theirs):
            assert ours.shape == t.shape and t.std() > 0.05
            check_close(t.numpy(), ours.numpy(), 1e-4, 'features', 'timm')


def test_timm_unknown_and_missing_keys(tmp_path):
    state = timm.create_model('lcnetv2_small').state_dict()
    del state['stages.2.0.se.fc1.weight']
    src = tmp_path / 'broken.pth'
    torch.save(state, src)
    with pytest.raises(ValueError, match='missing keys') as err:
        convert_pplcnetv2('timm', str(src), str(tmp_path / 'out.pth'))
    assert 'backbone.stages.2.0.se.conv1.conv.weight' in str(err.value)
    state['blocks.0.weight'] = torch.zeros(1)
    torch.save(state, src)
    with pytest.raises(KeyError, match='unknown timm lcnetv2 key'):
        convert_pplcnetv2('timm', str(src), str(tmp_path / 'out.pth'))
    assert not (tmp_path / 'out.pth').exists()
