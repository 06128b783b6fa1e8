"""Benchmark rows of torch.compile, INT8 and the end-to-end Predictor
(tiny runs: they check the plumbing, not the speed)."""
import json

import pytest
from conftest import CONFIGS, REPO, TOOLS, run_tool
from test_benchmark import tiny_job

from mm_pplcnet.benchmark import BACKENDS, config_jobs, report, run_benchmark
from mm_pplcnet.benchmark.runner import isa_flags


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    """The tiny classifier jobs build in mmpretrain's scope, whatever an
    earlier test (a detector config) left as the default scope."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')


def _run(jobs, names):
    return run_benchmark(
        jobs,
        names,
        threads=[1],
        rounds=1,
        iters=2,
        warmup=1,
        settle=0,
        progress=False)


@pytest.mark.slow
def test_compile_and_int8_rows(tmp_path):
    names = ['torch-compile', 'onnxruntime-int8', 'openvino-int8']
    rows = _run([tiny_job(top1=60.0)], names)
    for r in rows:
        assert r.error is None, r.error
        assert len(r.times_ms) == 2
    compiled, ort_int8, ov_int8 = rows
    # torch.compile is held to eager's outputs, INT8 only recorded
    assert compiled.max_abs_diff < 1e-3 and 'compile_s' in compiled.info
    assert ort_int8.max_abs_diff is not None
    assert int(ort_int8.info['float_convs']) >= 1
    assert int(ov_int8.info['quantized_convs']) >= 1
    # one panel per backend
    assert report.plot(rows, str(tmp_path / 'p.png'), 1, 'cmd')


@pytest.mark.slow
def test_compile_rows_never_fall_back_to_eager(monkeypatch):
    """Dynamo stops compiling a ``forward`` after ``recompile_limit``
    models of one class and runs the rest eagerly (the default suite's
    later rows were eager under the torch-compile name); the backend
    raises the limits, and would say so rather than time eager code."""
    import torch
    import torch._dynamo.config as dynamo_config
    from torch import nn
    torch._dynamo.reset()
    for name in ('recompile_limit', 'cache_size_limit'):
        if hasattr(dynamo_config, name):
            monkeypatch.setattr(dynamo_config, name, 1)
    x = torch.randn(1, 3, 8, 8)
    for _ in range(3):  # three models of one class: two past the limit
        model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Hardswish()).eval()
        run = BACKENDS['torch-compile'](1).prepare(model, x)
        with torch.no_grad():
            ref = model(x).numpy()
        assert abs(run(x.numpy()) - ref).max() <= 1e-5 * abs(ref).max()
    torch._dynamo.reset()


def test_end_to_end_rows_need_a_config():
    rows = _run([tiny_job()], ['predictor-onnxruntime'])
    assert 'need a --config job' in rows[0].error


def test_end_to_end_rows_on_a_config(tmp_path):
    config = CONFIGS / 'picodet' / 'picodet-xs_lcnet_1xb8-24e_toy-coco-192.py'
    jobs = config_jobs(str(config))[:1]
    rows = _run(jobs, [
        'predictor-onnxruntime', 'predictor-openvino',
        'predictor-openvino-int8', 'rapid-layout'
    ])
    for r in rows[:3]:
        assert r.error is None, r.error
        assert r.info['image'].endswith('page_1216x1600.png')
        assert len(r.times_ms) == 2
    assert [r.info['precision'] for r in rows[:3]] == ['fp32', 'fp32', 'int8']
    if BACKENDS['rapid-layout'].available():
        assert rows[3].error is None, rows[3].error
    else:
        assert 'rapid_layout is not installed' in rows[3].error


def test_isa_flags_in_report(tmp_path):
    flags = isa_flags()
    assert isinstance(flags, list)
    config = CONFIGS / 'pplcnet' / 'pplcnet-x0.5_1xb16_toy-cls.py'
    out = run_tool([
        TOOLS / 'benchmark.py', '--config', config, '--shape', '64', '64',
        '--backends', 'eager', 'onnxruntime-int8', '--threads', '1',
        '--rounds', '1', '--iters', '1', '--warmup', '1', '--out-dir',
        tmp_path, '--no-progress'
    ],
                   cwd=REPO)
    assert 'CPU ISA:' in out and '; ISA:' in out
    meta = json.loads((tmp_path / 'benchmark.json').read_text())['meta']
    assert meta['isa'] == flags


def test_picodet_paddle_inference_row():
    """paddledet's PicoDet on Paddle Inference (MKLDNN), its nearest
    upsample written as reshape + tile, equals ours with its weights."""
    from mm_pplcnet.benchmark.detector_jobs import picodet_job
    from mm_pplcnet.benchmark.zoo import checks, default_jobs
    assert [j.name for j in default_jobs(['PicoDet-S'])] == ['PicoDet-S-416']
    rows = _run([picodet_job('PicoDet-XS-416', 96)],
                ['eager', 'paddle-inference'])
    for r in rows:
        assert r.error is None, r.error
    assert rows[1].max_abs_diff < 1e-3 and rows[1].info['mkldnn'] == 'on'
    for r in rows:
        r.model = 'PicoDet-S-416'
    (check, ) = [c for c in checks(rows, [1]) if 'PicoDet' in c['check']]
    assert check['backend'] == 'eager' and check['target'] == '<= 0.7'
