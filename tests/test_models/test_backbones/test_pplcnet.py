import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mm_pplcnet.models import PPLCNet, make_divisible, parse_scale

# PaddleClas widths (stem, blocks2..blocks6) and the trainable parameters
# of conv1..blocks6 (../shared/reference/pplcnet.md)
REFERENCE = {
    0.25: ((8, 8, 16, 32, 64, 128), 76_344),
    0.35: ((8, 16, 24, 48, 88, 176), 136_810),
    0.5: ((8, 16, 32, 64, 128, 256), 270_896),
    0.75: ((16, 24, 48, 96, 192, 384), 584_488),
    1.0: ((16, 32, 64, 128, 256, 512), 1_016_160),
    1.5: ((24, 48, 96, 192, 384, 768), 2_235_792),
    2.0: ((32, 64, 128, 256, 512, 1024), 3_929_792),
    2.5: ((40, 80, 160, 320, 640, 1280), 6_098_160),
}
SCALES = sorted(REFERENCE)


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('scale', SCALES)
def test_widths_params_and_strides(scale):
    widths, params = REFERENCE[scale]
    model = PPLCNet(scale=scale, out_indices=(0, 1, 2, 3, 4)).eval()
    assert model.stem_channels == widths[0]
    assert tuple(model.out_channels) == widths[1:]
    assert count(model) == params
    assert model.stage_strides() == [2, 4, 8, 16, 32]
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 224, 160))
    assert isinstance(outs, tuple) and len(outs) == 5
    for out, c, s in zip(outs, widths[1:], (2, 4, 8, 16, 32)):
        assert out.shape == (2, c, 224 // s, 160 // s)


@pytest.mark.parametrize('out_indices', [(4, ), (2, 3, 4), (1, 4), (0, ),
                                         (-1, ), (-3, -2, -1)])
def test_out_indices(out_indices):
    model = PPLCNet(scale=0.5, out_indices=out_indices).eval()
    expected = sorted(i % 5 for i in out_indices)
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64))
    assert len(outs) == len(expected)
    for out, i in zip(outs, expected):
        assert out.shape[1] == model.out_channels[i]
        assert out.shape[-1] == 64 // (2**(i + 1))


def test_network_structure_is_paddles():
    model = PPLCNet(scale=1.0)
    kernels = [
        b.dw_conv.conv.kernel_size[0] for name in model.stage_names
        for b in getattr(model, name)
    ]
    assert kernels == [3] * 6 + [5] * 7  # 5x5 on the last seven blocks
    se = [
        b.se is not None for name in model.stage_names
        for b in getattr(model, name)
    ]
    assert se == [False] * 11 + [True] * 2  # SE on the last two
    block = model.blocks6[0]
    assert block.dw_conv.conv.groups == block.dw_conv.conv.in_channels
    assert block.dw_conv.conv.bias is None
    assert isinstance(block.dw_conv.activate, torch.nn.Hardswish)
    # SE: C -> C // 4 -> C, ReLU then hardsigmoid of slope 1/6
    assert block.se.conv1.conv.out_channels == 256 // 4
    x = torch.linspace(-4, 4, 81)
    gate = block.se.conv2.activate(x)
    assert torch.allclose(gate, torch.nn.functional.hardsigmoid(x))
    # no residual: a block's output is pw(se(dw(x))) exactly
    block.eval()
    inp = torch.randn(1, 256, 8, 8)
    with torch.no_grad():
        ref = block.pw_conv(block.se(block.dw_conv(inp)))
        assert torch.equal(block(inp), ref)


def test_make_divisible_paddle_rounding():
    assert make_divisible(32 * 0.35) == 16  # naive rounding gives 8
    assert make_divisible(256 * 0.35) == 88
    assert make_divisible(512 * 0.35) == 176
    assert make_divisible(16 * 0.25) == 8
    assert make_divisible(3) == 8


@pytest.mark.parametrize('given,value', [(1, 1.0), (0.5, 0.5), ('0.75', 0.75),
                                         ('x0_35', 0.35), ('x1.0', 1.0),
                                         ('2.5x', 2.5)])
def test_parse_scale(given, value):
    assert parse_scale(given) == pytest.approx(value)


def test_any_positive_scale():
    model = PPLCNet(scale=0.6)
    assert model.out_channels == [
        make_divisible(c * 0.6) for c in (32, 64, 128, 256, 512)
    ]


@pytest.mark.parametrize('kwargs,match', [
    (dict(scale='big'), 'unknown scale'),
    (dict(scale=0), 'unknown scale'),
    (dict(scale=-1.0), 'unknown scale'),
    (dict(scale=True), 'unknown scale'),
    (dict(out_indices=(5, )), 'out of range'),
    (dict(out_indices=(-6, )), 'out of range'),
    (dict(out_indices=(1, 1)), 'twice'),
    (dict(frozen_stages=6), 'frozen_stages'),
    (dict(frozen_stages=-2), 'frozen_stages'),
    (dict(arch='tiny'), 'unknown arch'),
    (dict(arch=[[[3, 32, 1]]]), 'stage 0 block 0'),
    (dict(arch=[[[4, 32, 1, False]]]), 'odd'),
    (dict(arch=[[[3, 32, 3, False]]]), 'stride'),
    (dict(arch=[[]]), 'non-empty'),
    (dict(strides=(1, 2, 2)), 'one value per stage'),
    (dict(strides=(1, 2, 2, 3, 2)), 'allowed'),
    (dict(dilations=(1, 1, 1, 0, 1)), 'positive'),
    (dict(scale=float('inf')), 'unknown scale'),
    (dict(out_indices=(True, )), 'out of range'),
    (dict(strides=(True, 2, 2, 2, 2)), 'allowed'),
    (dict(arch=[[[3, 32, True, False]]]), 'stride'),
    (dict(stem_channels=-5), 'stem_channels'),
    (dict(se_ratio=0), 'SE ratio'),
    (dict(norm_eval='no'), 'norm_eval must be True or False'),
    (dict(with_cp=1), 'with_cp must be True or False'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        PPLCNet(**kwargs)


def test_wrong_input_is_explained():
    model = PPLCNet(scale=0.25)
    with pytest.raises(
            ValueError, match=r'\(N, 3, H, W\), got \(1, 1, 32, 32\)'):
        model(torch.randn(1, 1, 32, 32))
    with pytest.raises(ValueError, match='RGB'):
        model(torch.randn(3, 32, 32))


def test_conv_cfg_reaches_every_conv():
    from mmcv.cnn.bricks import Conv2dAdaptivePadding
    model = PPLCNet(scale=0.25, conv_cfg=dict(type='Conv2dAdaptivePadding'))
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(isinstance(m, Conv2dAdaptivePadding) for m in convs)


def test_out_indices_type_error():
    with pytest.raises(TypeError, match='out_indices'):
        PPLCNet(out_indices='4')


def test_arch_override_for_ablations():
    table = [[list(b) for b in stage]
             for stage in PPLCNet.arch_settings['default']]
    for stage in table:
        for block in stage:
            block[3] = True  # SE on all 13 blocks
            block[0] = 5  # 5x5 everywhere
    model = PPLCNet(scale=0.5, arch=table, act_cfg=dict(type='ReLU'))
    blocks = [b for n in model.stage_names for b in getattr(model, n)]
    assert all(b.se is not None for b in blocks)
    assert all(b.dw_conv.conv.kernel_size == (5, 5) for b in blocks)
    assert isinstance(blocks[0].dw_conv.activate, torch.nn.ReLU)
    # the shared class table is untouched
    assert PPLCNet.arch_settings['default'][0][0] == [3, 32, 1, False]
    assert count(model) > count(PPLCNet(scale=0.5))


@pytest.mark.parametrize('strides,dilations,out_stride', [
    ((1, 2, 2, 1, 1), (1, 1, 1, 2, 4), 8),
    ((1, 2, 2, 2, 1), (1, 1, 1, 1, 2), 16),
])
def test_dilation_output_stride(strides, dilations, out_stride):
    model = PPLCNet(
        scale=0.5, out_indices=(1, 4), strides=strides,
        dilations=dilations).eval()
    assert model.stage_strides()[-1] == out_stride
    blocks5 = model.blocks5
    assert all(b.dw_conv.conv.dilation == (dilations[3], dilations[3])
               for b in blocks5)
    k, d = 5, dilations[4]
    assert model.blocks6[1].dw_conv.conv.padding == (d * (k - 1) // 2, ) * 2
    with torch.no_grad():
        c1, c5 = model(torch.randn(1, 3, 128, 256))
    assert c1.shape[-2:] == (32, 64)  # stride 4
    assert c5.shape[-2:] == (128 // out_stride, 256 // out_stride)
    # same parameters as the undilated network: weights are interchangeable
    assert count(model) == count(PPLCNet(scale=0.5))
    assert PPLCNet.arch_settings['default'][3][0][2] == 2


@pytest.mark.parametrize('frozen_stages', [-1, 0, 1, 3, 5])
def test_frozen_stages(frozen_stages):
    model = PPLCNet(scale=0.25, frozen_stages=frozen_stages)
    model.train()
    frozen = [model.conv1] if frozen_stages >= 0 else []
    frozen += [
        getattr(model, n) for n in model.stage_names[:max(frozen_stages, 0)]
    ]
    trainable = [
        getattr(model, n) for n in model.stage_names[max(frozen_stages, 0):]
    ]
    if frozen_stages < 0:
        trainable.append(model.conv1)
    for module in frozen:
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules())
    for module in trainable:
        assert all(p.requires_grad for p in module.parameters())
        assert all(m.training for m in module.modules())
    # frozen BN statistics do not move in training
    if frozen_stages >= 0:
        before = model.conv1.bn.running_mean.clone()
        model(torch.randn(2, 3, 32, 32))
        assert torch.equal(model.conv1.bn.running_mean, before)


def test_norm_eval():
    model = PPLCNet(scale=0.25, norm_eval=True)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert bns and all(not m.training for m in bns)
    assert all(p.requires_grad for p in model.parameters())
    model = PPLCNet(scale=0.25, norm_eval=False).train()
    assert all(m.training for m in model.modules()
               if isinstance(m, _BatchNorm))


def test_norm_and_act_cfg():
    model = PPLCNet(
        scale=0.25,
        norm_cfg=dict(type='GN', num_groups=8),
        act_cfg=dict(type='ReLU6'))
    assert isinstance(model.blocks3[0].pw_conv.gn, torch.nn.GroupNorm)
    assert isinstance(model.blocks3[0].pw_conv.activate, torch.nn.ReLU6)
    model(torch.randn(1, 3, 32, 32))


def test_with_cp_same_output_and_grads():
    torch.manual_seed(0)
    a = PPLCNet(scale=0.25, with_cp=False)
    b = PPLCNet(scale=0.25, with_cp=True)
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 32, 32)
    ya, yb = a(x)[0], b(x)[0]
    assert torch.allclose(ya, yb, atol=1e-6)
    ya.sum().backward()
    yb.sum().backward()
    ga = a.blocks2[0].dw_conv.conv.weight.grad
    gb = b.blocks2[0].dw_conv.conv.weight.grad
    assert torch.allclose(ga, gb, atol=1e-5)
