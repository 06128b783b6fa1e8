"""The benchmark's logic: complexity counts, backends that agree with
PyTorch, reports written. No timing assertions."""
import csv
import json

import pytest
import torch
from conftest import CONFIGS, TOOLS, run_tool
from torch import nn

from mm_pplcnet.benchmark import (BACKENDS, Job, Row, checks,
                                  config_input_shape, config_jobs,
                                  count_complexity, default_jobs, fold_bn,
                                  report, run_benchmark)
from mm_pplcnet.benchmark.zoo import TensorClassifier, _mnv3_job
from mm_pplcnet.converters.pplcnet import build_classifier
from mm_pplcnet.utils.randomize import randomize_

# PaddleClas' published FLOPs (M) of PP-LCNet, ../shared/reference/pplcnet.md
PADDLE_FLOPS = {
    0.25: 18.25,
    0.35: 29.46,
    0.5: 47.28,
    0.75: 98.82,
    1.0: 160.81,
    1.5: 341.86,
    2.0: 590,
    2.5: 906,
}


@pytest.mark.parametrize('scale', sorted(PADDLE_FLOPS))
def test_paddle_style_flops_match_published(scale):
    model = TensorClassifier(build_classifier(scale, 1000))
    c = count_complexity(model)
    # published to 0.01M up to x1.5 (x1.5: 341.85 counted, 341.86
    # published), to 1M above
    tol = 0.015 if scale <= 1.5 else 0.5
    assert abs(c.paddle_flops / 1e6 - PADDLE_FLOPS[scale]) <= tol
    assert c.macs < c.paddle_flops


def test_fold_bn_keeps_outputs():
    model = randomize_(build_classifier(0.5, 10)).eval()
    folded = fold_bn(model)
    assert not any(
        isinstance(m, nn.BatchNorm2d) for m in folded.backbone.modules())
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        a = model(x, mode='tensor')
        b = folded(x, mode='tensor')
    assert a.abs().max() > 0.1
    assert torch.allclose(a, b, atol=1e-4)


def tiny_job(name='tiny', family='PP-LCNet', top1=50.0):
    return Job(
        name=name,
        family=family,
        build=lambda: TensorClassifier(randomize_(build_classifier(0.25, 10))),
        input_shape=(1, 3, 64, 64),
        top1=top1)


def test_every_backend_matches_eager_and_reports(tmp_path):
    # the FP32 network backends (INT8, torch.compile and end-to-end rows:
    # tests/test_benchmark/test_deploy_rows.py)
    names = [
        n for n, cls in BACKENDS.items()
        if cls.available() and n not in ('paddle-inference', 'torch-compile')
        and cls.exact and not cls.config_only
    ]
    assert {'eager', 'torch-tuned'} <= set(names)
    rows = run_benchmark([tiny_job()],
                         names,
                         threads=[1],
                         rounds=2,
                         iters=2,
                         warmup=1,
                         settle=0,
                         progress=False)
    assert [r.backend for r in rows] == names
    for r in rows:
        assert r.error is None, r.error
        assert r.max_abs_diff is not None and r.max_abs_diff < 1e-3
        assert len(r.times_ms) == 4
        assert r.params == sum(
            p.numel() for p in build_classifier(0.25, 10).parameters())
    tuned = rows[names.index('torch-tuned')]
    assert tuned.info['chosen'] in {
        k[len('trial_ms['):-1]
        for k in tuned.info if k.startswith('trial')
    }

    report.write_json(rows, str(tmp_path / 'b.json'), {'cpu': 'x'}, [])
    data = json.loads((tmp_path / 'b.json').read_text())
    assert len(data['rows']) == len(names)
    assert data['rows'][0]['samples'] == 4
    report.write_csv(rows, str(tmp_path / 'b.csv'))
    lines = list(csv.DictReader(open(tmp_path / 'b.csv')))
    assert [ln['backend'] for ln in lines] == names
    assert report.plot(rows, str(tmp_path / 'b.png'), 1, 'cmd')
    assert (tmp_path / 'b.png').stat().st_size > 10_000
    text = report.table(rows)
    assert 'tiny' in text and 'median ms' in text


def test_unknown_backend_and_failed_check_are_reported():

    class Broken(TensorClassifier):

        def forward(self, x):
            return super().forward(x) + torch.rand(1)  # not deterministic

    job = tiny_job()
    job.build = lambda: Broken(randomize_(build_classifier(0.25, 10)))
    messages = []
    rows = run_benchmark([job], ['nope', 'torch-tuned'], [1],
                         rounds=1,
                         iters=1,
                         warmup=0,
                         settle=0,
                         progress=False,
                         log=messages.append)
    assert 'unknown backend' in rows[0].error
    assert 'differ from PyTorch eager' in rows[1].error
    assert not rows[1].times_ms and len(messages) == 2


def test_paddle_inference_row_is_checked(tmp_path):
    pytest.importorskip('paddle')
    job = [j for j in default_jobs(['PP-LCNet-0.25x'])][0]
    job.input_shape = (1, 3, 96, 96)
    rows = run_benchmark([job], ['paddle-inference'], [1],
                         rounds=1,
                         iters=2,
                         warmup=1,
                         settle=0,
                         progress=False)
    assert rows[0].error is None, rows[0].error
    assert rows[0].max_abs_diff < 1e-3
    assert rows[0].info['mkldnn'] == 'on'


def test_mobilenet_v3_jobs_build_paddle_models():
    pytest.importorskip('paddle')
    job = _mnv3_job('small', 1.25)
    assert job.top1 == 70.67 and job.family == 'MobileNetV3-small'
    paddle_model = job.paddle_build()
    torch_model = job.paddle_to_torch(paddle_model)
    assert sum(p.numel() for p in torch_model.parameters()) == 3_627_370
    assert len(default_jobs()) == 21


# PaddleClas' published FLOPs of PPLCNetV2_base (604M) and timm's folded
# parameter counts (the same as PaddleClas' 6.6M for base)
V2_PARAMS = {'small': 4_092_840, 'base': 6_624_232, 'large': 10_444_200}


@pytest.mark.parametrize('arch', sorted(V2_PARAMS))
def test_pplcnetv2_jobs_are_folded_and_match_paddle(arch):
    job = default_jobs([f'PP-LCNetV2-{arch}'])[0]
    assert job.family == 'PP-LCNetV2' and job.extra['folded']
    model = job.build().eval()
    assert model.model.backbone.deployed
    c = count_complexity(model)
    assert c.params == V2_PARAMS[arch]
    if arch == 'base':
        assert job.top1 == 77.04
        assert abs(c.paddle_flops / 1e6 - 604) < 1.0


def test_pplcnetv2_paddle_inference_row_is_checked():
    pytest.importorskip('paddle')
    job = default_jobs(['PP-LCNetV2-small'])[0]
    job.input_shape = (1, 3, 96, 96)
    rows = run_benchmark([job], ['paddle-inference', 'onnxruntime'], [1],
                         rounds=1,
                         iters=1,
                         warmup=0,
                         settle=0,
                         progress=False)
    for r in rows:
        assert r.error is None, r.error
        assert r.max_abs_diff is not None and len(r.times_ms) == 1
    assert rows[0].info['mkldnn'] == 'on'
    text = report.latency_markdown(rows, 1)
    assert text.splitlines()[0] == ('| model | params | MACs | top-1 | '
                                    'Paddle Inference | ONNX Runtime |')
    assert text.splitlines()[2].startswith('| PP-LCNetV2-small | 4.09M |')


def fake_row(model, backend, ms, threads=1):
    return Row(
        model=model,
        family='',
        backend=backend,
        threads=threads,
        input_shape=(1, 3, 224, 224),
        times_ms=[ms])


def test_checks_compute_ratios():
    rows = [
        fake_row('PP-LCNet-1.0x', 'onnxruntime', 8.0),
        fake_row('MobileNetV3-small-1.25x', 'onnxruntime', 10.0),
        fake_row('PP-LCNet-0.5x', 'onnxruntime', 7.0),
        fake_row('MobileNetV3-large-0.35x', 'onnxruntime', 10.0),
        fake_row('PP-LCNet-1.0x', 'paddle-inference', 10.0),
    ]
    out = {c['check'].split(' [')[0]: c for c in checks(rows, [1])}
    pair1 = out['PP-LCNet-1.0x / MobileNetV3-small-1.25x latency']
    assert pair1['value'] == 0.8 and pair1['passed']
    pair2 = out['PP-LCNet-0.5x / MobileNetV3-large-0.35x latency']
    assert pair2['value'] == 0.7 and not pair2['passed']
    paddle = [c for c in out.values() if 'Paddle' in c['check']][0]
    assert paddle['value'] == 0.8 and not paddle['passed']
    # INT8 rows: their own check against Paddle FP32, not the FP32 one
    rows += [
        fake_row('PP-LCNet-1.0x', 'onnxruntime-int8', 4.5),
        fake_row('PP-LCNet-1.0x', 'openvino-int8', 3.5)
    ]
    out = {c['check'].split(' [')[0]: c for c in checks(rows, [1])}
    int8 = [c for c in out.values() if 'INT8' in c['check']][0]
    assert int8['backend'] == 'openvino-int8'
    assert int8['value'] == 0.35 and int8['passed']
    fp32 = [
        c for c in out.values()
        if 'Paddle' in c['check'] and 'INT8' not in c['check']
    ][0]
    assert fp32['backend'] == 'onnxruntime' and fp32['value'] == 0.8


def test_v2_check_on_every_backend_and_thread_count():
    rows = [
        fake_row('PP-LCNetV2-base', b, ms, n)
        for b, ms in (('openvino', 4.0), ('paddle-inference', 9.0))
        for n in (1, 2)
    ] + [
        fake_row('MobileNetV3-large-1.0x', b, 5.0, n)
        for b in ('openvino', 'paddle-inference') for n in (1, 2)
    ]
    out = checks(rows, [1, 2])
    assert [(c['backend'], c['threads'], c['value'], c['passed'])
            for c in out] == [('openvino', 1, 0.8, True),
                              ('paddle-inference', 1, 1.8, False),
                              ('openvino', 2, 0.8, True),
                              ('paddle-inference', 2, 1.8, False)]
    assert all(c['check'] == 'PP-LCNetV2-base / MobileNetV3-large-1.0x '
               'latency' for c in out)


def test_config_jobs_and_input_size():
    from mmengine.config import Config
    cfg = str(CONFIGS / 'pplcnet' / 'pplcnet-x0.5_4xb512_in1k.py')
    assert config_input_shape(Config.fromfile(cfg)) == (224, 224)
    jobs = config_jobs(cfg, shape=(96, 96))
    assert len(jobs) == 1 and jobs[0].input_shape == (1, 3, 96, 96)
    out = jobs[0].build()(torch.randn(1, 3, 96, 96))
    assert out.shape == (1000, )
    with pytest.raises(FileNotFoundError):
        config_jobs('nope.py')


@pytest.mark.slow
def test_tool_end_to_end(tmp_path):
    out = run_tool([
        TOOLS / 'benchmark.py', '--models', 'PP-LCNet-0.25x',
        'MobileNetV3-small-0.35x', '--backends', 'eager', 'onnxruntime',
        '--threads', '1', '--rounds', '1', '--iters', '2', '--warmup', '1',
        '--out-dir', tmp_path, '--no-progress'
    ],
                   cwd=tmp_path)
    assert 'PP-LCNet-0.25x' in out and 'MobileNetV3-small-0.35x' in out
    for ext in ('json', 'csv', 'txt', 'png'):
        assert (tmp_path / f'benchmark.{ext}').is_file()
    meta = json.loads((tmp_path / 'benchmark.json').read_text())['meta']
    assert meta['threads'] == [1] and 'torch' in meta['versions']
    assert meta['command'].startswith('python tools/benchmark.py')


@pytest.mark.parametrize('setup', [
    'fold-bn', 'fold-bn+channels-last', 'jit-freeze', 'jit-onednn',
    'jit-onednn+channels-last'
])
def test_every_torch_tuned_setup_shows_its_convolutions(setup):
    """Whichever set-up wins on a given machine, the profile accounts for
    its convolutions (oneDNN's TorchScript ops are invisible to torch's
    profiler: they are one row with their count)."""
    import numpy as np

    from mm_pplcnet.benchmark.profile import profile_torch
    model = tiny_job().build().eval()
    x = np.zeros((1, 3, 64, 64), np.float32)
    items = profile_torch(model, x, 1, runs=3, tuned=True, setup=setup)
    assert items and all(ms >= 0 for _, ms in items)
    assert 'conv' in ' '.join(op.lower() for op, _ in items)
    if 'onednn' in setup:
        assert any('mkldnn_convolution x' in op for op, _ in items)


@pytest.mark.parametrize('backend',
                         ['eager', 'torch-tuned', 'onnxruntime', 'openvino'])
def test_profilers_break_time_down(backend):
    import numpy as np

    from mm_pplcnet.benchmark.profile import PROFILERS
    if not BACKENDS[backend].available():
        pytest.skip(f'{backend} not installed')
    model = tiny_job().build().eval()
    x = np.zeros((1, 3, 64, 64), np.float32)
    items = PROFILERS[backend](model, x, 1, runs=3)
    assert items and all(ms >= 0 for _, ms in items)
    names = ' '.join(op.lower() for op, _ in items)
    assert 'conv' in names


def test_missed_checks_are_profiled():
    from mm_pplcnet.benchmark.profile import profile_missed_checks
    jobs = [tiny_job('PP-LCNet-1.0x'), tiny_job('MobileNetV3-small-1.25x')]
    check = dict(
        check='PP-LCNet-1.0x / MobileNetV3-small-1.25x latency',
        backend='eager',
        threads=1,
        value=1.2,
        target='<= 0.9',
        passed=False)
    blocks = profile_missed_checks([check, dict(check, passed=True)], jobs)
    assert len(blocks) == 1
    assert 'PP-LCNet-1.0x:' in blocks[0] and 'ms' in blocks[0]


def test_detector_config_jobs_with_and_without_postprocessing():
    cfg = str(CONFIGS / 'picodet' / 'picodet-xs_lcnet_320_coco.py')
    jobs = config_jobs(cfg, shape=(128, 128))
    assert [j.name for j in jobs] == [
        'picodet-xs_lcnet_320_coco', 'picodet-xs_lcnet_320_coco +post'
    ]
    rows = run_benchmark(
        jobs, ['eager', 'onnxruntime'], [1],
        rounds=1,
        iters=1,
        warmup=0,
        settle=0,
        progress=False)
    # the post-processing job runs on eager only
    assert [(r.model, r.backend)
            for r in rows] == [(jobs[0].name, 'eager'),
                               (jobs[0].name, 'onnxruntime'),
                               (jobs[1].name, 'eager')]
    for r in rows:
        assert r.error is None, r.error
        assert len(r.times_ms) == 1
    assert rows[0].params == 704_254
