import pytest
import torch
from conftest import CONFIGS
from mmengine.config import Config

from mm_pplcnet.converters.pplcnet import build_classifier
from mm_pplcnet.models.classification import PPLCNetClsHead

# trainable parameters of the whole classifier, 1000 classes
# (../shared/reference/pplcnet.md)
TRAINABLE = {
    0.25: 1_521_184,
    0.35: 1_643_090,
    0.5: 1_879_576,
    0.75: 2_357_008,
    1.0: 2_952_520,
    1.5: 4_499_832,
    2.0: 6_521_512,
    2.5: 9_017_560,
}


@pytest.mark.parametrize('scale', sorted(TRAINABLE))
def test_classifier_config_parameter_counts(scale):
    """Each shipped config builds the exact PaddleClas network."""
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(
        str(CONFIGS / f'pplcnet/pplcnet-x{scale}_4xb512_in1k.py'))
    assert cfg.model.backbone.scale == scale
    model = MODELS.build(cfg.model)
    n = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert n == TRAINABLE[scale]
    # Paddle's published figure also counts BN running mean / var
    bn = sum(m.running_mean.numel() * 2 for m in model.modules()
             if isinstance(m, torch.nn.BatchNorm2d))
    assert round((n + bn) / 1e6, 2) == pytest.approx({
        0.25: 1.52,
        0.35: 1.65,
        0.5: 1.89,
        0.75: 2.37,
        1.0: 2.96,
        1.5: 4.52,
        2.0: 6.54,
        2.5: 9.04
    }[scale])
    model.eval()
    with torch.no_grad():
        logits = model(torch.randn(2, 3, 224, 224), mode='tensor')
    assert logits.shape == (2, 1000)


def test_head_structure_and_inputs():
    head = PPLCNetClsHead(num_classes=10, in_channels=64)
    assert head.last_conv.bias is None
    assert isinstance(head.act, torch.nn.Hardswish)
    assert head.dropout.p == 0.2
    head.eval()
    fmap = torch.randn(3, 64, 7, 7)
    pooled = fmap.mean((2, 3))
    a = head((fmap, ))
    b = head((pooled, ))
    assert a.shape == (3, 10)
    assert torch.allclose(a, b, atol=1e-6)
    with pytest.raises(ValueError, match='in_channels'):
        head((torch.randn(1, 32, 7, 7), ))


def test_head_without_last_conv():
    head = PPLCNetClsHead(num_classes=5, in_channels=64, mid_channels=None)
    assert head.last_conv is None and head.fc.in_features == 64
    assert head((torch.randn(2, 64, 3, 3), )).shape == (2, 5)


def test_build_classifier_with_timm_bias():
    model = build_classifier(1.0, 1000, last_conv_bias=True)
    n = sum(p.numel() for p in model.parameters())
    assert n == TRAINABLE[1.0] + 1280


def test_bad_num_classes():
    with pytest.raises(ValueError, match='num_classes'):
        PPLCNetClsHead(num_classes=0, in_channels=8)
