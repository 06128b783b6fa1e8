import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mm_pplcnet.models import PPLCNetV2, RepDepthwiseSeparable, make_divisible
from mm_pplcnet.utils.randomize import randomize_

# widths (stem conv, stem block, stages 0-3), trainable backbone parameters
# (PaddleClas' minus its unused dw_conv of the rep blocks and the head), and
# after switch_to_deploy
REFERENCE = {
    'small': ((24, 48, 96, 192, 384, 768), 1_864_512, 1_828_800),
    'base': ((32, 64, 128, 256, 512, 1024), 4_095_488, 4_032_512),
    'large': ((40, 80, 160, 320, 640, 1280), 7_622_720, 7_524_800),
}
ARCHS = sorted(REFERENCE)


def count(module):
    return sum(p.numel() for p in module.parameters())


def blocks(model):
    return [m for m in model.modules() if isinstance(m, RepDepthwiseSeparable)]


@pytest.mark.parametrize('arch', ARCHS)
def test_widths_params_strides_and_folding(arch):
    widths, params, deployed = REFERENCE[arch]
    model = randomize_(PPLCNetV2(arch, out_indices=(0, 1, 2, 3, 4))).eval()
    assert model.scale == PPLCNetV2.default_scales[arch]
    assert model.stem_channels == widths[0]
    assert tuple(model.out_channels) == widths[1:]
    assert count(model) == params
    assert model.stage_strides() == [2, 4, 8, 16, 32]
    x = torch.randn(2, 3, 224, 160)
    with torch.no_grad():
        outs = model(x)
        assert not model.deployed
        assert model.switch_to_deploy() is model and model.deployed
        folded = model(x)
    assert count(model) == deployed
    assert len(outs) == 5
    for out, f, c, s in zip(outs, folded, widths[1:], (2, 4, 8, 16, 32)):
        assert out.shape == (2, c, 224 // s, 160 // s)
        assert out.std() > 0.1
        # same outputs, relative to their scale
        assert (f - out).abs().max() <= 1e-5 * max(1, out.abs().max())
    for block in blocks(model):
        if block.use_rep:
            assert block.dw_conv_list is None and block.dw_conv.bias is not \
                None and block.dw_conv.kernel_size == (5, 5)


def test_network_structure_is_paddles():
    model = PPLCNetV2('base')
    bl = blocks(model)
    assert len(bl) == 1 + 2 + 2 + 6 + 2
    # the stem block: plain 3x3 depthwise conv-BN-ReLU
    assert not bl[0].use_rep and bl[0].dw_conv.conv.kernel_size == (3, 3)
    assert isinstance(bl[0].dw_conv.activate, torch.nn.ReLU)
    stage3, stage4 = list(model.stages[2]), list(model.stages[3])
    assert all(b.use_rep and not b.split_pw for b in stage4)
    # branches 5, 3 (stride 2) and 5, 3, 1 (stride 1)
    assert [b.conv.kernel_size[0] for b in stage3[0].dw_conv_list] == [5, 3]
    assert [b.conv.kernel_size[0] for b in stage3[1].dw_conv_list] == [5, 3, 1]
    assert all(not b.dw_conv_list[0].with_activation for b in stage3)
    # SE (ReLU, sigmoid) and split pointwise convs only in stage 3
    assert all(b.se is not None and b.split_pw for b in stage3)
    assert sum(b.se is not None for b in bl) == 6
    se = stage3[0].se
    assert se.conv1.conv.out_channels == 256 // 4
    assert isinstance(se.conv2.activate, torch.nn.Sigmoid)
    assert stage3[0].pw_conv_1.conv.out_channels == 256
    # shortcut only in stage 4's stride-1 block
    assert [b.use_shortcut for b in bl] == [False] * 12 + [True]
    assert not any(b.use_rep for b in bl[:5])


def test_block_output_is_paddles_formula():
    block = randomize_(model_block := PPLCNetV2('small').stages[3][1]).eval()
    assert model_block.use_shortcut
    x = torch.randn(1, 768, 7, 7)
    with torch.no_grad():
        y = sum(b(x) for b in block.dw_conv_list)
        ref = block.pw_conv(torch.relu(y)) + x
        assert torch.allclose(block(x), ref, atol=1e-5)


def test_any_positive_scale_and_custom_table():
    model = PPLCNetV2('large', scale=0.6)
    assert model.out_channels == [
        make_divisible(c * 0.6) for c in (64, 128, 256, 512, 1024)
    ]
    table = [[list(b) for b in stage]
             for stage in PPLCNetV2.arch_settings['small']]
    table[2][1][4] = True  # rep in stage 1 too
    model = PPLCNetV2(table, out_indices=(2, ))
    assert model.scale == 1.0 and model.stages[1][1].use_rep
    assert PPLCNetV2.arch_settings['small'][2][1][4] is False


@pytest.mark.parametrize('kwargs,match', [
    (dict(scale='big'), 'unknown scale'),
    (dict(scale=0), 'unknown scale'),
    (dict(arch='huge'), 'unknown arch'),
    (dict(arch=[[[3, 64, 1, False, False, False, False]]]), '5 stages'),
    (dict(arch=[[[3, 64, 1]]] * 5), 'stage 0 block 0'),
    (dict(arch=[[[4, 64, 1, 0, 0, 0, 0]]] * 5), 'odd'),
    (dict(out_indices=(5, )), 'out of range'),
    (dict(out_indices=(2, 2)), 'twice'),
    (dict(frozen_stages=6), 'frozen_stages'),
    (dict(strides=(1, 2, 2)), 'one value per stage'),
    (dict(strides=(1, 2, 2, 3, 2)), 'allowed'),
    (dict(dilations=(1, 1, 1, 0, 1)), 'positive'),
    (dict(stem_channels=0), 'stem_channels'),
    (dict(se_ratio=0), 'SE ratio'),
    (dict(norm_eval='no'), 'norm_eval must be True or False'),
    (dict(deploy='yes'), 'deploy must be True or False'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        PPLCNetV2(**kwargs)


def test_wrong_input_and_non_bn_folding_are_explained():
    model = PPLCNetV2('small')
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\), got \(1, 1, 8, 8'):
        model(torch.randn(1, 1, 8, 8))
    gn = PPLCNetV2('small', norm_cfg=dict(type='GN', num_groups=8))
    with pytest.raises(TypeError, match='folds batch norm only'):
        gn.switch_to_deploy()


@pytest.mark.parametrize('strides,dilations,out_stride', [
    ((1, 2, 2, 1, 1), (1, 1, 1, 2, 4), 8),
    ((1, 2, 2, 2, 1), (1, 1, 1, 1, 2), 16),
])
def test_dilation_keeps_weights_and_folds(strides, dilations, out_stride):
    model = randomize_(
        PPLCNetV2(
            'small', out_indices=(1, 4), strides=strides,
            dilations=dilations)).eval()
    assert model.stage_strides()[-1] == out_stride
    # same parameters as the undilated network: weights interchangeable
    assert model.state_dict().keys() == PPLCNetV2('small').state_dict().keys()
    assert count(model) == REFERENCE['small'][1]
    conv = model.stages[3][1].dw_conv_list[0].conv
    assert conv.dilation == (dilations[4], ) * 2
    x = torch.randn(1, 3, 128, 192)
    with torch.no_grad():
        c1, c4 = model(x)
        assert c1.shape[-2:] == (32, 48)
        assert c4.shape[-2:] == (128 // out_stride, 192 // out_stride)
        model.switch_to_deploy()
        f1, f4 = model(x)
    assert (f4 - c4).abs().max() <= 1e-5 * max(1, c4.abs().max())
    assert model.stages[3][1].dw_conv.padding == (2 * dilations[4], ) * 2


def test_deploy_build_loads_folded_weights():
    model = randomize_(PPLCNetV2('small')).eval().switch_to_deploy()
    other = PPLCNetV2('small', deploy=True).eval()
    other.load_state_dict(model.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(x)[0], other(x)[0])


@pytest.mark.parametrize('frozen_stages', [-1, 0, 1, 3, 5])
def test_frozen_stages(frozen_stages):
    model = PPLCNetV2('small', frozen_stages=frozen_stages).train()
    stages = [model.stem[1], *model.stages]
    frozen = ([model.stem[0]] if frozen_stages >= 0 else []) + \
        stages[:max(frozen_stages, 0)]
    trainable = stages[max(frozen_stages, 0):]
    if frozen_stages < 0:
        trainable.append(model.stem[0])
    for module in frozen:
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules())
    for module in trainable:
        assert all(p.requires_grad for p in module.parameters())
        assert all(m.training for m in module.modules())
    # folding keeps frozen stages frozen
    model.switch_to_deploy()
    for i, stage in enumerate(model.stages):
        assert all(p.requires_grad == (i + 1 >= frozen_stages)
                   for p in stage.parameters())


def test_norm_eval():
    model = PPLCNetV2('small', norm_eval=True).train()
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert bns and all(not m.training for m in bns)
    assert all(p.requires_grad for p in model.parameters())


def test_with_cp_keeps_bn_statistics():
    """with_cp changes memory only: the recomputation in the backward pass
    does not update the branches' BN statistics a second time."""
    torch.manual_seed(0)
    a = PPLCNetV2('small', with_cp=False).train()
    b = PPLCNetV2('small', with_cp=True).train()
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    a(x)[0].sum().backward()
    b(x)[0].sum().backward()
    for (name, u), v in zip(a.state_dict().items(), b.state_dict().values()):
        if 'running' in name or 'num_batches' in name:
            assert torch.allclose(u.float(), v.float(), atol=1e-6), name


def test_with_cp_same_output_and_grads():
    torch.manual_seed(0)
    a = PPLCNetV2('small', with_cp=False)
    b = PPLCNetV2('small', with_cp=True)
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 32, 32)
    ya, yb = a(x)[0], b(x)[0]
    assert torch.allclose(ya, yb, atol=1e-5)
    ya.sum().backward()
    yb.sum().backward()
    ga = a.stages[2][1].dw_conv_list[2].conv.weight.grad
    gb = b.stages[2][1].dw_conv_list[2].conv.weight.grad
    assert ga.abs().max() > 0
    assert torch.allclose(ga, gb, atol=1e-4 * float(ga.abs().max()))


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg', 'mmpretrain'])
def test_builds_in_every_scope(scope):
    import importlib

    from mmengine.registry import init_default_scope
    registry = importlib.import_module(f'{scope}.registry').MODELS
    init_default_scope(scope)
    model = registry.build(
        dict(type='PPLCNetV2', arch='small', out_indices=(2, 3, 4)))
    assert isinstance(model, PPLCNetV2)
    assert [o.shape[1]
            for o in model(torch.randn(1, 3, 64, 64))] == [192, 384, 768]


def test_pretrained_init_cfg_is_strict(tmp_path):
    src = randomize_(PPLCNetV2('small'))
    ckpt = str(tmp_path / 'v2.pth')
    state = {'backbone.' + k: v for k, v in src.state_dict().items()}
    torch.save({'state_dict': state}, ckpt)
    dst = PPLCNetV2(
        'small',
        init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.'))
    dst.init_weights()
    for k, v in src.state_dict().items():
        assert torch.equal(v, dst.state_dict()[k]), k
    # mmseg's model-level pretrained= (the backbone's own keys)
    own = str(tmp_path / 'own.pth')
    torch.save(src.state_dict(), own)
    other = PPLCNetV2('small', pretrained=own)
    other.init_weights()
    assert torch.equal(other.stem[0].conv.weight, src.stem[0].conv.weight)
    wrong = PPLCNetV2(
        'base',
        init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.'))
    with pytest.raises(ValueError, match='shape mismatches'):
        wrong.init_weights()
