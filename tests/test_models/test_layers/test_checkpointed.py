"""``with_cp`` changes memory only: the BatchNorm running statistics and
``num_batches_tracked`` after training steps equal those without it (the
recomputation in the backward pass must not update them a second time)."""
import pytest
import torch
from conftest import CONFIGS
from mmengine.config import Config

from mm_pplcnet.converters import build_picodet
from mm_pplcnet.models.backbones import PaddleMobileNetV3, PPLCNet


def _set_with_cp(model: torch.nn.Module, value: bool) -> None:
    for module in model.modules():
        if hasattr(module, 'with_cp'):
            module.with_cp = value


def _assert_same_after_steps(make, step, steps=2):
    """Train two copies (with_cp off / on) for ``steps`` and compare every
    buffer and gradient."""
    torch.manual_seed(0)
    plain = make(False)
    cp = make(True)
    cp.load_state_dict(plain.state_dict())
    for model in (plain, cp):
        model.train()
        for _ in range(steps):
            step(model).backward()
    ref, out = plain.state_dict(), cp.state_dict()
    tracked = [k for k in ref if k.endswith('num_batches_tracked')]
    assert tracked and all(int(ref[k]) == steps for k in tracked)
    for key in ref:
        scale = max(1.0, float(ref[key].abs().max()))
        assert torch.allclose(
            out[key].double(), ref[key].double(), rtol=0,
            atol=1e-6 * scale), key
    for (name, p), q in zip(plain.named_parameters(), cp.parameters()):
        if p.grad is not None:
            scale = max(1.0, float(p.grad.abs().max()))
            assert torch.allclose(
                q.grad, p.grad, rtol=0, atol=1e-5 * scale), name


BACKBONES = [
    ('PPLCNet-x0.25',
     lambda cp: PPLCNet(scale=0.25, out_indices=(2, 3, 4), with_cp=cp)),
    ('PPLCNet-x1.0',
     lambda cp: PPLCNet(scale=1.0, out_indices=(4, ), with_cp=cp)),
    ('MobileNetV3-small-x0.35', lambda cp: PaddleMobileNetV3(
        'small', 0.35, out_indices=(2, 3, 4), with_cp=cp)),
    ('MobileNetV3-large-x0.5',
     lambda cp: PaddleMobileNetV3('large', 0.5, out_indices=(4, ), with_cp=cp)
     ),
]


@pytest.mark.parametrize(
    'make', [b[1] for b in BACKBONES], ids=[b[0] for b in BACKBONES])
def test_backbone_bn_statistics_do_not_depend_on_with_cp(make):
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    _assert_same_after_steps(make, lambda m: sum(y.sum() for y in m(x)))


def test_issue_case_counts_one_batch_per_step():
    model = PPLCNet(scale=0.25, out_indices=(4, ), with_cp=True).train()
    model(torch.randn(2, 3, 32, 32))[0].sum().backward()
    assert int(model.blocks2[0].dw_conv.bn.num_batches_tracked) == 1


def test_detector_bn_statistics_do_not_depend_on_with_cp():
    from test_models.test_detection.test_picodet import fake_batch
    cfg = Config.fromfile(
        str(CONFIGS / 'picodet' / 'picodet-xs_lcnet_320_coco.py'))
    batch = None

    def make(cp: bool) -> torch.nn.Module:
        nonlocal batch
        model = build_picodet(cfg.model)
        model.init_weights()
        _set_with_cp(model, cp)
        assert model.backbone.with_cp == cp
        if batch is None:  # fixed size: no random batch resize
            batch = model.data_preprocessor(fake_batch(), training=False)
        return model

    def step(model):
        losses = model.loss(batch['inputs'], batch['data_samples'])
        return sum(losses.values())

    _assert_same_after_steps(make, step)
