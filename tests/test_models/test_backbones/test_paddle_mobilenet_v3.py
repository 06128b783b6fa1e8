import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mm_pplcnet.models import InvertedResidual, PaddleMobileNetV3

# Trainable parameters of PaddleClas' own networks (ppcls 2.6.0,
# legendary_models/mobilenet_v3.py, 1000 classes), counted once with
#   m = MobileNetV3_{arch}_x{scale}(pretrained=False)
#   sum(p.size for n, p in m.named_parameters() if not p.stop_gradient)
# for the whole model, and for the backbone without `last_conv.` / `fc.`
# (conv, blocks, last_second_conv). Paddle's published Params(M) also count
# the BN running mean / variance.
PADDLE = {
    # (arch, scale): (whole model, backbone, published Params(M))
    ('small', 0.35): (1_665_954, 128_954, 1.67),
    ('small', 0.5): (1_902_536, 252_896, 1.91),
    ('small', 0.75): (2_375_106, 541_146, 2.38),
    ('small', 1.0): (2_939_958, 921_678, 2.95),
    ('small', 1.25): (3_627_370, 1_424_770, 3.64),
    ('large', 0.35): (2_104_328, 393_248, 2.11),
    ('large', 0.5): (2_673_422, 778_022, 2.69),
    ('large', 0.75): (3_912_248, 1_709_648, 3.93),
    ('large', 1.0): (5_480_206, 2_970_406, 5.50),
    ('large', 1.25): (7_443_308, 4_626_308, 7.47),
}
# stage widths (stage 4 is last_second_conv) of every variant
WIDTHS = {
    ('small', 0.35): (8, 8, 8, 16, 200),
    ('small', 0.5): (8, 8, 16, 24, 288),
    ('small', 0.75): (16, 16, 24, 40, 432),
    ('small', 1.0): (16, 16, 24, 48, 576),
    ('small', 1.25): (24, 24, 32, 64, 720),
    ('large', 0.35): (8, 8, 16, 40, 336),
    ('large', 0.5): (8, 16, 24, 56, 480),
    ('large', 0.75): (16, 24, 32, 88, 720),
    ('large', 1.0): (16, 24, 40, 112, 960),
    ('large', 1.25): (24, 32, 48, 144, 1200),
}
VARIANTS = sorted(PADDLE)


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('arch,scale', VARIANTS)
def test_widths_params_and_strides(arch, scale):
    model = PaddleMobileNetV3(arch, scale, out_indices=(0, 1, 2, 3, 4))
    model.eval()
    assert tuple(model.out_channels) == WIDTHS[arch, scale]
    assert count(model) == PADDLE[arch, scale][1]
    assert model.stage_strides() == [2, 4, 8, 16, 32]
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 224, 160))
    assert isinstance(outs, tuple) and len(outs) == 5
    for out, c, s in zip(outs, WIDTHS[arch, scale], (2, 4, 8, 16, 32)):
        assert out.shape == (1, c, 224 // s, 160 // s)


@pytest.mark.parametrize('arch,scale', VARIANTS)
def test_config_builds_paddles_classifier(arch, scale):
    """Each shipped config builds PaddleClas' exact network."""
    from conftest import CONFIGS
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import mm_pplcnet.models.classification  # noqa: F401
    cfg = Config.fromfile(
        str(CONFIGS / 'mobilenet_v3'
            / f'paddle-mobilenet-v3-{arch}-x{scale}_4xb512_in1k.py'))
    assert cfg.model.backbone.arch == arch
    assert cfg.model.backbone.scale == scale
    model = MODELS.build(cfg.model)
    n = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert n == PADDLE[arch, scale][0]
    bn = sum(m.running_mean.numel() * 2 for m in model.modules()
             if isinstance(m, torch.nn.BatchNorm2d))
    assert round((n + bn) / 1e6, 2) == pytest.approx(PADDLE[arch, scale][2])


def test_large_x1_0_recipe_has_autoaugment():
    from conftest import CONFIGS
    from mmengine.config import Config
    from mmpretrain.registry import TRANSFORMS
    cfg = Config.fromfile(
        str(CONFIGS / 'mobilenet_v3'
            / 'paddle-mobilenet-v3-large-x1.0_4xb512_in1k.py'))
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline] == [
        'LoadImageFromFile', 'RandomResizedCrop', 'RandomFlip', 'AutoAugment',
        'PackInputs'
    ]
    TRANSFORMS.build(pipeline[3])
    assert cfg.optim_wrapper.optimizer.lr == 1.3


def test_stage_split_is_paddles():
    large = PaddleMobileNetV3('large')
    assert large.stage_blocks == [(0, 1), (1, 3), (3, 6), (6, 12), (12, 15)]
    small = PaddleMobileNetV3('small')
    assert small.stage_blocks == [(0, 0), (0, 1), (1, 3), (3, 8), (8, 11)]
    assert len(large.blocks) == 15 and len(small.blocks) == 11
    # every stage after the first starts with its stride-2 block
    for model in (large, small):
        for start, _ in model.stage_blocks[1:]:
            conv = model.blocks[start].bottleneck_conv.conv
            assert conv.stride == (2, 2)


def test_network_structure_is_paddles():
    model = PaddleMobileNetV3('large', 1.0)
    blocks = list(model.blocks)
    # the expansion conv exists even where mid == in (first block)
    first = blocks[0]
    assert first.expand_conv.conv.in_channels == 16
    assert first.expand_conv.conv.out_channels == 16
    assert isinstance(first.expand_conv.activate, torch.nn.ReLU)
    assert first.with_residual
    assert not blocks[1].with_residual  # stride 2
    assert [b.mid_se is not None for b in blocks] == [
        False, False, False, True, True, True, False, False, False, False,
        True, True, True, True, True
    ]
    acts = [type(b.bottleneck_conv.activate) for b in blocks]
    assert acts == [torch.nn.ReLU] * 6 + [torch.nn.Hardswish] * 9
    block = blocks[13]  # (5, 960, 160, SE, hardswish, 1)
    dw = block.bottleneck_conv.conv
    assert dw.groups == dw.in_channels == dw.out_channels == 960
    assert dw.kernel_size == (5, 5) and dw.bias is None
    assert not block.linear_conv.with_activation  # linear projection
    assert block.linear_conv.with_norm
    # SE on the expanded width: 960 -> 240 -> 960, slope-0.2 hardsigmoid
    assert block.mid_se.conv1.conv.out_channels == 240
    x = torch.linspace(-4, 4, 81)
    gate = block.mid_se.conv2.activate(x)
    assert torch.allclose(gate, (0.2 * x + 0.5).clamp(0, 1))
    # expansion widths are scaled with make_divisible too (88 * 0.35 = 30.8)
    small = PaddleMobileNetV3('small', 0.35)
    assert small.blocks[2].expand_conv.conv.out_channels == 32
    # head: last_second_conv 1x1 + BN + hardswish
    assert model.last_second_conv.conv.kernel_size == (1, 1)
    assert isinstance(model.last_second_conv.activate, torch.nn.Hardswish)
    # residual block: out = x + linear(se(dw(expand(x))))
    block.eval()
    inp = torch.randn(1, 160, 7, 7)
    with torch.no_grad():
        ref = inp + block.linear_conv(
            block.mid_se(block.bottleneck_conv(block.expand_conv(inp))))
        assert torch.allclose(block(inp), ref)


def test_stem_is_paddles():
    model = PaddleMobileNetV3('small', 1.25)
    assert model.conv.conv.stride == (2, 2)
    assert model.conv.conv.out_channels == 24
    assert isinstance(model.conv.activate, torch.nn.Hardswish)
    assert model.stem_channels == 24 and model.last_channels == 720


@pytest.mark.parametrize('out_indices', [(4, ), (1, 2, 3, 4), (0, ), (-1, ),
                                         (-3, -2, -1)])
def test_out_indices(out_indices):
    model = PaddleMobileNetV3('small', 0.5, out_indices=out_indices).eval()
    expected = sorted(i % 5 for i in out_indices)
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64))
    assert len(outs) == len(expected)
    for out, i in zip(outs, expected):
        assert out.shape[1] == model.out_channels[i]
        assert out.shape[-1] == 64 // (2**(i + 1))


@pytest.mark.parametrize('arch', ['small', 'large'])
@pytest.mark.parametrize('strides,dilations,out_stride', [
    ((2, 2, 2, 1, 1), (1, 1, 1, 2, 4), 8),
    ((2, 2, 2, 2, 1), (1, 1, 1, 1, 2), 16),
])
def test_dilation_output_stride(arch, strides, dilations, out_stride):
    model = PaddleMobileNetV3(
        arch,
        0.5,
        out_indices=(1, 2, 3, 4),
        strides=strides,
        dilations=dilations).eval()
    assert model.stage_strides() == [2, 4, 8, min(16, out_stride), out_stride]
    start, end = model.stage_blocks[4]
    for block in model.blocks[start:end]:
        conv = block.bottleneck_conv.conv
        assert conv.dilation == (dilations[4], ) * 2
        assert conv.padding == (dilations[4] * 2, ) * 2  # 5x5 kernels
        assert conv.stride == (1, 1)
    # the table's stride-2 blocks get no residual when dilated
    assert not model.blocks[start].with_residual
    with torch.no_grad():
        c1, c2, c3, c4 = model(torch.randn(1, 3, 128, 256))
    assert c1.shape[-2:] == (32, 64)  # stride 4
    assert c2.shape[-2:] == (16, 32)  # stride 8
    assert c4.shape[-2:] == (128 // out_stride, 256 // out_stride)
    assert c4.shape[1] == model.out_channels[4]
    # same parameters as the undilated network: weights are interchangeable
    plain = PaddleMobileNetV3(arch, 0.5)
    assert count(model) == count(plain)
    model.load_state_dict(plain.state_dict())
    # the class table is untouched
    assert PaddleMobileNetV3.arch_settings['large'][4][0][5] == 2
    assert PaddleMobileNetV3.arch_settings['small'][3][0][5] == 2


@pytest.mark.parametrize('frozen_stages', [-1, 0, 1, 3, 5])
@pytest.mark.parametrize('arch', ['small', 'large'])
def test_frozen_stages(arch, frozen_stages):
    model = PaddleMobileNetV3(arch, 0.35, frozen_stages=frozen_stages)
    model.train()
    stages = [model._stage_modules(i) for i in range(5)]
    frozen = [model.conv] if frozen_stages >= 0 else []
    trainable = [] if frozen_stages >= 0 else [model.conv]
    for i, modules in enumerate(stages):
        (frozen if i < frozen_stages else trainable).extend(modules)
    for module in frozen:
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules())
    for module in trainable:
        assert all(p.requires_grad for p in module.parameters())
        assert all(m.training for m in module.modules())
    n_frozen = sum(count(m) for m in frozen)
    assert n_frozen + sum(count(m) for m in trainable) == count(model)
    if frozen_stages == 5:
        assert model.last_second_conv in frozen
    if frozen_stages >= 0:  # frozen BN statistics do not move
        before = model.conv.bn.running_mean.clone()
        model(torch.randn(2, 3, 32, 32))
        assert torch.equal(model.conv.bn.running_mean, before)


def test_norm_eval():
    model = PaddleMobileNetV3('small', 0.35, norm_eval=True)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert bns and all(not m.training for m in bns)
    assert all(p.requires_grad for p in model.parameters())
    model = PaddleMobileNetV3('small', 0.35, norm_eval=False).train()
    assert all(m.training for m in model.modules()
               if isinstance(m, _BatchNorm))


def test_norm_act_cfg_and_custom_table():
    model = PaddleMobileNetV3(
        'small',
        0.35,
        norm_cfg=dict(type='GN', num_groups=8),
        act_cfg=dict(type='ReLU6'))
    assert isinstance(model.blocks[1].linear_conv.gn, torch.nn.GroupNorm)
    assert isinstance(model.conv.activate, torch.nn.ReLU6)
    assert isinstance(model.last_second_conv.activate, torch.nn.ReLU6)
    # the blocks keep the table's activations
    assert isinstance(model.blocks[0].expand_conv.activate, torch.nn.ReLU)
    model(torch.randn(1, 3, 32, 32))
    table = [
        [],
        [[3, 32, 16, False, dict(type='ReLU6'), 2]],
        [[5, 64, 24, True, 'hardswish', 2], [5, 72, 24, True, 'relu', 1]],
    ]
    custom = PaddleMobileNetV3(table, 1.0, out_indices=(0, 1, 2))
    assert custom.out_channels == [16, 16, 6 * 24]
    assert custom.stage_strides() == [2, 4, 8]
    assert isinstance(custom.blocks[0].expand_conv.activate, torch.nn.ReLU6)
    assert custom.blocks[2].with_residual
    assert table[1][0][4] == dict(type='ReLU6')  # not mutated
    outs = custom(torch.randn(1, 3, 32, 32))
    assert [o.shape[1] for o in outs] == [16, 16, 144]
    assert PaddleMobileNetV3(
        table, last_channels=100, out_indices=-1).out_channels[-1] == 104


def test_scale_names_and_any_scale():
    assert PaddleMobileNetV3('large', 'x0_35').scale == pytest.approx(0.35)
    model = PaddleMobileNetV3('small', 0.6)
    assert model.last_channels == 344  # make_divisible(576 * 0.6)


@pytest.mark.parametrize('kwargs,match', [
    (dict(arch='medium'), 'unknown arch'),
    (dict(arch=[]), 'non-empty list of stages'),
    (dict(arch=[[]]), 'non-empty list of blocks'),
    (dict(arch=[[], []]), 'stage 1 must be a non-empty'),
    (dict(arch=[[[3, 16, 16, False, 'relu']]]), 'stage 0 block 0'),
    (dict(arch=[[[4, 16, 16, False, 'relu', 1]]]), 'odd'),
    (dict(arch=[[[3, 0, 16, False, 'relu', 1]]]), 'mid_channels'),
    (dict(arch=[[[3, 16, 16, False, 'gelu', 1]]]), 'hardswish'),
    (dict(arch=[[[3, 16, 16, False, 'relu', 3]]]), 'stride'),
    (dict(scale='big'), 'unknown scale'),
    (dict(scale=0), 'unknown scale'),
    (dict(scale=-0.5), 'unknown scale'),
    (dict(scale=True), 'unknown scale'),
    (dict(stem_channels=0), 'stem_channels'),
    (dict(last_channels=-1), 'last_channels'),
    (dict(out_indices=(5, )), 'out of range'),
    (dict(out_indices=(-6, )), 'out of range'),
    (dict(out_indices=(1, 1)), 'twice'),
    (dict(out_indices='4'), 'out_indices'),
    (dict(frozen_stages=6), 'frozen_stages'),
    (dict(frozen_stages=-2), 'frozen_stages'),
    (dict(frozen_stages=1.0), 'frozen_stages'),
    (dict(strides=(2, 2, 2)), 'one value per stage'),
    (dict(strides=(2, 2, 2, 3, 2)), 'allowed'),
    (dict(dilations=(1, 1, 1, 0, 1)), 'positive'),
    (dict(dilations=(1, 1, 1, 1.5, 1)), 'positive'),
    (dict(norm_eval='no'), 'norm_eval must be True or False'),
    (dict(with_last_conv=None), 'with_last_conv must be'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        PaddleMobileNetV3(**kwargs)


def test_inverted_residual_checks_residual():
    with pytest.raises(ValueError, match='residual needs stride 1'):
        InvertedResidual(16, 32, 16, 3, stride=2, residual=True)
    with pytest.raises(ValueError, match='residual needs stride 1'):
        InvertedResidual(16, 32, 24, 3, residual=True)
    assert not InvertedResidual(16, 32, 16, 3, residual=False).with_residual


def test_with_cp_same_output_and_grads():
    torch.manual_seed(0)
    a = PaddleMobileNetV3('small', 0.35, with_cp=False)
    b = PaddleMobileNetV3('small', 0.35, with_cp=True)
    b.load_state_dict(a.state_dict())
    assert all(block.with_cp for block in b.blocks)
    x = torch.randn(2, 3, 32, 32)
    ya, yb = a(x)[0], b(x)[0]
    assert torch.allclose(ya, yb, atol=1e-6)
    ya.sum().backward()
    yb.sum().backward()
    ga = a.blocks[3].mid_se.conv1.conv.weight.grad
    gb = b.blocks[3].mid_se.conv1.conv.weight.grad
    assert torch.allclose(ga, gb, atol=1e-5)


def test_registered_without_clashing():
    from mmengine.registry import MODELS
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    assert MODELS.get('PaddleMobileNetV3') is PaddleMobileNetV3
    model = PRETRAIN_MODELS.build(dict(type='PaddleMobileNetV3', arch='small'))
    assert isinstance(model, PaddleMobileNetV3)
    # mmpretrain's own MobileNetV3 is a different network
    assert PRETRAIN_MODELS.get('MobileNetV3') is not PaddleMobileNetV3


def test_pretrained_is_strict(tmp_path):
    model = PaddleMobileNetV3('small', 0.35)
    ckpt = tmp_path / 'mv3.pth'
    torch.save(
        {
            'state_dict': {
                'backbone.' + k: v
                for k, v in model.state_dict().items()
            }
        }, ckpt)
    loaded = PaddleMobileNetV3(
        'small',
        0.35,
        init_cfg=dict(
            type='Pretrained', checkpoint=str(ckpt), prefix='backbone.'))
    loaded.init_weights()
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v)
    wrong = PaddleMobileNetV3(
        'small',
        0.5,
        init_cfg=dict(
            type='Pretrained', checkpoint=str(ckpt), prefix='backbone.'))
    with pytest.raises(ValueError, match='shape mismatches'):
        wrong.init_weights()


def test_without_last_conv_for_detection(tmp_path):
    """PicoDet's MobileNetV3 stops at the last block (160 x scale for
    large); ImageNet weights still load, minus last_second_conv."""
    full = PaddleMobileNetV3(arch='large', scale=0.75, out_indices=(2, 3, 4))
    ckpt = str(tmp_path / 'in1k.pth')
    torch.save(
        {
            'state_dict': {
                'backbone.' + k: v
                for k, v in full.state_dict().items()
            }
        }, ckpt)
    model = PaddleMobileNetV3(
        arch='large',
        scale=0.75,
        with_last_conv=False,
        out_indices=(2, 3, 4),
        init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.'))
    model.init_weights()
    assert model.last_second_conv is None
    assert model.out_channels[2:] == [32, 88, 120]
    outs = model.eval()(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [32, 88, 120]
    for k, v in model.state_dict().items():
        assert torch.equal(v, full.state_dict()[k]), k
