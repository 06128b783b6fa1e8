"""ONNX export checked against PyTorch, and the FLOPs tool."""
import pytest
from conftest import CONFIGS, TOOLS, run_tool

from mm_pplcnet.deploy import build_export_model, export_and_check

pytest.importorskip('onnxruntime')
CLS = str(CONFIGS / 'pplcnet' / 'pplcnet-x1.0_4xb512_in1k.py')


@pytest.mark.parametrize('backbone_only', [False, True])
def test_export_classifier_and_backbone(backbone_only, tmp_path):
    model, hw, scope = build_export_model(CLS, backbone_only=backbone_only)
    assert hw == (224, 224) and scope == 'mmpretrain'
    result = export_and_check(model, str(tmp_path / 'm.onnx'),
                              (1, 3, 224, 224))
    assert max(result['max_abs_diff']) < 1e-4
    expected = (1, 512, 7, 7) if backbone_only else (1, 1000)
    assert result['shapes'] == [expected]


def test_export_tools_run(tmp_path):
    out = run_tool([
        TOOLS / 'deployment' / 'export_onnx.py', CLS, '--out',
        tmp_path / 'x.onnx', '--shape', '128', '128'
    ],
                   cwd=tmp_path)
    assert 'max |ONNX Runtime - PyTorch|' in out
    out = run_tool([TOOLS / 'analysis' / 'get_flops.py', CLS], cwd=tmp_path)
    assert 'params 2,952,520' in out and 'Paddle-style FLOPs 0.161 G' in out
