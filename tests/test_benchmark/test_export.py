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


@pytest.mark.parametrize('tool', [('analysis', 'get_flops.py'),
                                  ('deployment', 'export_onnx.py')])
def test_shape_for_configs_without_a_test_size(tool, tmp_path):
    """The toy configs' test pipelines have no fixed size: ``--shape``
    gives it, and without it the tool says so in one line."""
    import subprocess
    import sys
    toy = str(CONFIGS / 'pplcnet' / 'pplcnet-x0.5_1xb16_toy-cls.py')
    args = [TOOLS / tool[0] / tool[1], toy, '--out', tmp_path / 'x.onnx']
    if tool[1] == 'get_flops.py':
        args = args[:2]
    out = run_tool(args + ['--shape', '64', '64'], cwd=tmp_path)
    assert '64, 64)' in out
    proc = subprocess.run([sys.executable, *map(str, args)],
                          cwd=tmp_path,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert 'pass --shape H W' in proc.stderr.strip().splitlines()[-1]
