"""Measure latency: prepare every (model, backend) pair, check its outputs
against PyTorch eager, then time all pairs in interleaved rounds so that
drift (thermal, other load) hits every row alike."""
import os
import platform
import random
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from ..utils.compare import check_close
from .backends import BACKENDS
from .flops import count_complexity


@dataclass
class Job:
    """One model to measure.

    Attributes:
        name (str): Row name, e.g. ``'PP-LCNet-1.0x'``.
        family (str): Plot series, e.g. ``'PP-LCNet'``.
        build (Callable[[], nn.Module]): Builds the eval-mode PyTorch model
            (one tensor in, one tensor out).
        input_shape (tuple): Input shape, batch included.
        top1 (float, optional): Published ImageNet top-1, for the plot.
        paddle_build (Callable, optional): Builds the reference Paddle
            network (for the ``paddle-inference`` backend).
        paddle_to_torch (Callable, optional): Given that Paddle network,
            returns our PyTorch model with its weights converted; used to
            check the Paddle row against PyTorch eager.
        extra (dict): Anything else to report (published latency ...).
    """
    name: str
    family: str
    build: Callable[[], nn.Module]
    input_shape: tuple = (1, 3, 224, 224)
    top1: Optional[float] = None
    paddle_build: Optional[Callable] = None
    paddle_to_torch: Optional[Callable] = None
    extra: dict = field(default_factory=dict)


@dataclass
class Row:
    """The result of one (job, backend, threads)."""
    model: str
    family: str
    backend: str
    threads: int
    input_shape: tuple
    params: int = 0
    macs: int = 0
    paddle_flops: int = 0
    top1: Optional[float] = None
    max_abs_diff: Optional[float] = None
    times_ms: List[float] = field(default_factory=list)
    error: Optional[str] = None
    info: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def median_ms(self) -> Optional[float]:
        return float(np.median(self.times_ms)) if self.times_ms else None

    def summary(self) -> dict:
        """JSON-friendly dict (times summarised)."""
        t = np.asarray(self.times_ms)
        out = {k: v for k, v in self.__dict__.items() if k != 'times_ms'}
        out['input_shape'] = list(self.input_shape)
        if len(t):
            out.update(
                median_ms=float(np.median(t)),
                min_ms=float(t.min()),
                max_ms=float(t.max()),
                p90_ms=float(np.percentile(t, 90)),
                samples=int(len(t)),
                images_per_s=float(self.input_shape[0] * 1e3 / np.median(t)))
        return out


def physical_cores() -> int:
    """Physical CPU cores (logical ones when unknown)."""
    try:
        import psutil
        n = psutil.cpu_count(logical=False)
    except ImportError:
        n = None
    return n or os.cpu_count() or 1


ISA_FLAGS = ('avx2', 'fma', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni',
             'avx512_bf16', 'amx_tile', 'amx_int8', 'amx_bf16')


def isa_flags() -> List[str]:
    """The CPU's vector ISA flags that decide FP32 / INT8 speed (AVX2,
    AVX-512, VNNI, AMX), from ``/proc/cpuinfo``.

    Returns:
        list[str]: The flags of ``ISA_FLAGS`` the CPU has, in that order
        (empty when unknown).
    """
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    have = set(line.split(':', 1)[1].split())
                    return [flag for flag in ISA_FLAGS if flag in have]
    except OSError:
        pass
    return []


def machine_info() -> dict:
    """CPU model, cores and library versions, for the JSON report."""
    cpu = platform.processor()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {'torch': torch.__version__, 'numpy': np.__version__}
    for mod in ('onnxruntime', 'openvino', 'nncf', 'paddle', 'mmcv',
                'mmengine'):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - optional packages
            pass
    return dict(
        cpu=cpu,
        isa=isa_flags(),
        logical_cores=os.cpu_count(),
        physical_cores=physical_cores(),
        python=platform.python_version(),
        platform=platform.platform(),
        versions=versions,
        date=time.strftime('%Y-%m-%d %H:%M:%S'))


def run_benchmark(jobs: Sequence[Job],
                  backends: Sequence[str],
                  threads: Sequence[int],
                  rounds: int = 20,
                  iters: int = 10,
                  warmup: int = 10,
                  tol: float = 1e-3,
                  seed: int = 0,
                  settle: float = 0.3,
                  progress: bool = True,
                  log: Callable[[str], None] = print) -> List[Row]:
    """Measure every job on every backend at every thread count.

    Args:
        jobs (Sequence[Job]): Models.
        backends (Sequence[str]): Backend names (see ``BACKENDS``).
        threads (Sequence[int]): Thread counts.
        rounds (int): Interleaved rounds; every pair runs ``iters`` timed
            calls per round, in a shuffled order. Defaults to 20 (200
            samples per row).
        iters (int): Timed calls per pair and round. Defaults to 10.
        warmup (int): Untimed calls after preparation. Defaults to 10.
        tol (float): Output tolerance against eager, relative to
            ``max(1, max |eager output|)``. Defaults to 1e-3.
        seed (int): Input and order seed. Defaults to 0.
        settle (float): Seconds of idle time between backends within a
            round. Defaults to 0.3.
        progress (bool): Show a progress bar. Defaults to True.
        log (Callable): Where messages go. Defaults to print.

    Returns:
        list[Row]: One row per (job, backend, threads), in input order.
    """
    from tqdm import tqdm
    rng = np.random.default_rng(seed)
    rows: List[Row] = []
    pairs = []  # (row, run, x)
    total = len(jobs) * len(backends) * len(threads)
    bar = tqdm(total=total, desc='prepare', disable=not progress)
    for job in jobs:
        x = rng.standard_normal(job.input_shape).astype(np.float32)
        model = job.build().eval()
        cx = count_complexity(model, job.input_shape)
        torch.set_num_threads(max(threads))
        with torch.inference_mode():
            ref = model(torch.from_numpy(x)).numpy()
        paddle_model = None
        for name in backends:
            for n in threads:
                bar.update(1)
                if job.extra.get('eager_only') and name != 'eager':
                    continue
                row = Row(
                    model=job.name,
                    family=job.family,
                    backend=name,
                    threads=n,
                    input_shape=tuple(job.input_shape),
                    params=cx.params,
                    macs=cx.macs,
                    paddle_flops=cx.paddle_flops,
                    top1=job.top1,
                    extra=dict(job.extra))
                rows.append(row)
                cls = BACKENDS.get(name)
                try:
                    if cls is None:
                        raise KeyError(f'unknown backend {name!r}; choose '
                                       f'from {sorted(BACKENDS)}')
                    if not cls.available():
                        raise ImportError(f'{cls.requires} is not installed')
                    backend = cls(n)
                    if name == 'paddle-inference':
                        if job.paddle_build is None:
                            raise ValueError('no Paddle reference network')
                        if paddle_model is None:
                            paddle_model = job.paddle_build()
                        run = backend.prepare(paddle_model, x)
                        # the eager reference for a Paddle row is our model
                        # with the Paddle network's weights converted
                        with torch.inference_mode():
                            pref = job.paddle_to_torch(paddle_model)(
                                torch.from_numpy(x)).numpy()
                        row.max_abs_diff = check_close(pref, run(x), tol)
                    elif backend.exact:
                        run = backend.prepare(model, torch.from_numpy(x))
                        row.max_abs_diff = check_close(ref, run(x), tol)
                    else:
                        # INT8 / end to end: recorded, not held to tol
                        run = backend.prepare(model, torch.from_numpy(x))
                        out = np.asarray(run(x))
                        if out.shape == ref.shape:
                            row.max_abs_diff = float(
                                np.abs(out.astype('f8') - ref).max())
                    row.info = dict(backend.info)
                    for _ in range(warmup):
                        run(x)
                    pairs.append((row, run, x, backend))
                except Exception as err:  # noqa: BLE001 - reported per row
                    row.error = f'{type(err).__name__}: {err}'
                    log(f'[{job.name} / {name} / {n} thr] skipped: '
                        f'{row.error}')
    bar.close()

    # Rounds: every pair runs `iters` timed calls per round. Pairs are
    # grouped by backend (library); groups and pairs within them come in a
    # new random order each round, and the machine settles between groups:
    # OpenMP / MKL worker threads keep spinning for up to ~200 ms after a
    # library's last call (Paddle's do, measurably), which would otherwise
    # slow whichever library runs next.
    groups = {}
    for pair in pairs:
        groups.setdefault(pair[0].backend, []).append(pair)
    rnd = random.Random(seed)
    for _ in tqdm(range(rounds), desc='measure', disable=not progress):
        names = list(groups)
        rnd.shuffle(names)
        for name in names:
            group = list(groups[name])
            rnd.shuffle(group)
            for row, run, x, _ in group:
                torch.set_num_threads(row.threads)
                for _ in range(iters):
                    start = time.perf_counter()
                    run(x)
                    row.times_ms.append((time.perf_counter() - start) * 1e3)
            time.sleep(settle)
    return rows
