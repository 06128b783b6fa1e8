"""Where the time goes: per-operator time of a model on one backend.

Used by ``tools/benchmark.py`` when a speed check misses its target, so the
report says why, not only by how much.
"""
import json
import os
import os.path as osp
import tempfile
from collections import defaultdict
from functools import partial
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import nn

from .backends import BACKENDS, export_onnx

Breakdown = List[Tuple[str, float]]  # (operator type, ms per run)


def _sorted(totals: Dict[str, float], runs: int) -> Breakdown:
    return sorted(((k, v / runs) for k, v in totals.items()),
                  key=lambda kv: -kv[1])


def _unprofiled_ops(module) -> Dict[str, int]:
    """TorchScript ops that run outside the profiler's view (oneDNN's
    ``prim::mkldnn_convolution`` etc. after ``optimize_for_inference``),
    by kind, with their count in the graph."""
    graph = getattr(module, 'graph', None)
    if graph is None:
        return {}
    counts: Dict[str, int] = defaultdict(int)
    for node in graph.nodes():
        kind = node.kind()
        if kind.startswith('prim::') and 'mkldnn' in kind.lower() and \
                not kind.startswith('prim::Constant'):
            counts[kind] += 1
    return dict(counts)


def profile_torch(model: nn.Module,
                  x: np.ndarray,
                  threads: int,
                  runs: int = 20,
                  tuned: bool = False,
                  setup: Optional[str] = None) -> Breakdown:
    """Self CPU time per aten operator (PyTorch eager or tuned).

    TorchScript's oneDNN ops (``prim::mkldnn_convolution``, ...) are not
    seen by torch's profiler; when the module runs them, the time the
    profiler does not attribute (wall time minus the operators' self time)
    is one row naming them and their count, so convolutions never vanish
    from the breakdown.

    Args:
        model (nn.Module): The model, in eval mode.
        x (np.ndarray): Input batch (float32).
        threads (int): Number of CPU threads.
        runs (int): Profiled runs, after 5 warm-up ones. Defaults to 20.
        tuned (bool): Profile what the ``torch-tuned`` backend runs (BN
            folded, the fastest of its variants, chosen again here) rather
            than the eager module. Defaults to False.
        setup (str, optional): With ``tuned``, profile this set-up of
            :class:`TorchTunedBackend` instead of the fastest. Defaults to
            None.

    Returns:
        list[tuple[str, float]]: (operator, ms per run), largest first.
    """
    import time

    from torch.profiler import ProfilerActivity, profile
    torch.set_num_threads(threads)
    hidden: Dict[str, int] = {}
    if tuned:
        backend = BACKENDS['torch-tuned'](
            threads, setups=[setup] if setup else None)
        run = backend.prepare(model, torch.from_numpy(x))
        hidden = _unprofiled_ops(backend.module)
    else:
        t = torch.from_numpy(x)

        def run(_):
            return model(t)

    with torch.inference_mode():
        for _ in range(5):
            run(x)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            start = time.perf_counter()
            for _ in range(runs):
                run(x)
            wall_ms = (time.perf_counter() - start) * 1e3
    totals: Dict[str, float] = defaultdict(float)
    for evt in prof.key_averages():
        totals[evt.key] += evt.self_cpu_time_total / 1e3
    if hidden:
        label = ', '.join(f'{k} x{n}' for k, n in sorted(hidden.items()))
        totals[f'not profiled (TorchScript: {label})'] = max(
            0.0, wall_ms - sum(totals.values()))
    return _sorted(totals, runs)


def profile_onnxruntime(model: nn.Module,
                        x: np.ndarray,
                        threads: int,
                        runs: int = 20) -> Breakdown:
    """Time per ONNX operator type (ONNX Runtime's own profiler).

    The model is exported to ONNX first. The profiled session also runs 5
    warm-up runs, which are averaged in.

    Args:
        model (nn.Module): The model, in eval mode.
        x (np.ndarray): Input batch (float32).
        threads (int): Number of CPU threads.
        runs (int): Profiled runs. Defaults to 20.

    Returns:
        list[tuple[str, float]]: (operator type, ms per run), largest
        first.
    """
    import onnxruntime as ort
    with tempfile.TemporaryDirectory() as tmp:
        path = export_onnx(model, torch.from_numpy(x), osp.join(tmp, 'm.onnx'))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.graph_optimization_level = \
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(
            path, opts, providers=['CPUExecutionProvider'])
        name = session.get_inputs()[0].name
        for _ in range(5):
            session.run(None, {name: x})
        opts.enable_profiling = True
        opts.profile_file_prefix = osp.join(tmp, 'prof')
        session = ort.InferenceSession(
            path, opts, providers=['CPUExecutionProvider'])
        for _ in range(runs + 5):
            session.run(None, {name: x})
        trace = session.end_profiling()
        with open(trace) as f:
            events = json.load(f)
        os.remove(trace)
    totals: Dict[str, float] = defaultdict(float)
    for evt in events:
        args = evt.get('args', {})
        if evt.get('cat') == 'Node' and evt['name'].endswith('_kernel_time'):
            totals[args.get('op_name', '?')] += evt['dur'] / 1e3
    # the first 5 profiled runs are warm-up inside the profiled session
    return _sorted(totals, runs + 5)


def profile_openvino(model: nn.Module,
                     x: np.ndarray,
                     threads: int,
                     runs: int = 20) -> Breakdown:
    """Time per executed layer type (OpenVINO performance counters).

    The model is exported to ONNX and compiled for the CPU first.

    Args:
        model (nn.Module): The model, in eval mode.
        x (np.ndarray): Input batch (float32).
        threads (int): Number of CPU threads.
        runs (int): Profiled runs, after 5 warm-up ones. Defaults to 20.

    Returns:
        list[tuple[str, float]]: (operator type, ms per run), largest
        first.
    """
    import openvino as ov
    with tempfile.TemporaryDirectory() as tmp:
        path = export_onnx(model, torch.from_numpy(x), osp.join(tmp, 'm.onnx'))
        compiled = ov.Core().compile_model(
            path, 'CPU', {
                'INFERENCE_NUM_THREADS': threads,
                'PERFORMANCE_HINT': 'LATENCY',
                'INFERENCE_PRECISION_HINT': 'f32',
                'PERF_COUNT': True,
            })
    request = compiled.create_infer_request()
    totals: Dict[str, float] = defaultdict(float)
    for i in range(runs + 5):
        request.infer({0: x})
        if i < 5:
            continue
        for info in request.get_profiling_info():
            totals[info.exec_type or info.node_type] += \
                info.real_time.total_seconds() * 1e3
    return _sorted(totals, runs)


PROFILERS = {
    'eager': profile_torch,
    'torch-tuned': partial(profile_torch, tuned=True),
    'onnxruntime': profile_onnxruntime,
    'openvino': profile_openvino,
}


def format_breakdowns(title: str,
                      breakdowns: Dict[str, Breakdown],
                      top: int = 10) -> str:
    """Side-by-side top operators of several models.

    Args:
        title (str): First line of the text.
        breakdowns (dict[str, list]): Model name to its breakdown (as the
            ``profile_*`` functions return).
        top (int): Operators listed per model. Defaults to 10.

    Returns:
        str: The title, then per model its total operator time and its
        ``top`` operators with ms per run and share of the total.
    """
    lines = [title]
    for model, items in breakdowns.items():
        total = sum(ms for _, ms in items) or 1.0
        lines.append(f'  {model}: {total:.2f} ms of operator time per run')
        for op, ms in items[:top]:
            lines.append(
                f'    {op:<42} {ms:7.3f} ms  {100 * ms / total:5.1f}%')
    return '\n'.join(lines)


def profile_missed_checks(results, jobs, top: int = 8) -> List[str]:
    """Profile both models of every missed pair check on its backend.

    Args:
        results (list[dict]): Output of ``zoo.checks``.
        jobs (list[Job]): The jobs measured (to rebuild the models).
        top (int): Operators listed per model.

    Returns:
        list[str]: One text block per profiled (pair, backend, threads).
    """
    by_name = {j.name: j for j in jobs}
    blocks = []
    for check in results:
        names = check['check'].replace(' latency', '').split(' / ')
        backend = check['backend']
        if check['passed'] or backend not in PROFILERS or len(names) != 2 \
                or not all(n in by_name for n in names):
            continue
        rng = np.random.default_rng(0)
        breakdowns = {}
        for name in names:
            job = by_name[name]
            x = rng.standard_normal(job.input_shape).astype(np.float32)
            breakdowns[name] = PROFILERS[backend](job.build().eval(), x,
                                                  check['threads'])
        blocks.append(
            format_breakdowns(
                f"Profile of the missed check {check['check']} "
                f"({backend}, {check['threads']} thread(s)), operator time "
                'per run:', breakdowns, top))
    return blocks
