"""The default benchmark: ImageNet classifiers at 224x224, batch 1.

Weights are random (He-normal, random BN statistics: O(1) activations, as
trained networks have; timing does not depend on the values, the output
checks do).

PP-LCNet at its 8 published scales, PP-LCNetV2 small / base / large
(folded: ``switch_to_deploy``, as deployed; on Paddle Inference PaddleClas'
own network after its ``re_parameterize``, as its export does) and
PaddleClas' MobileNetV3 small / large at 5 scales, with the top-1
PaddleClas publishes for the weights our converters read, and the latency
targets of the PP-LCNet comparison.
"""
from typing import Dict, List, Optional, Sequence

import torch
from torch import nn

from ..utils.randomize import randomize_
from .runner import Job, Row

PPLCNET_SCALES = (0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5)
PPLCNETV2_ARCHS = ('small', 'base', 'large')
MNV3_SCALES = (0.35, 0.5, 0.75, 1.0, 1.25)

# PaddleClas ImageNet top-1 (../shared/reference/pplcnet.md; MobileNetV3:
# PaddleClas model zoo, the same figures PaddleX lists rounded to 0.1)
TOP1 = {
    'PP-LCNet-0.25x': 51.86,
    'PP-LCNet-0.35x': 58.09,
    'PP-LCNet-0.5x': 63.14,
    'PP-LCNet-0.75x': 68.18,
    'PP-LCNet-1.0x': 71.32,
    'PP-LCNet-1.5x': 73.71,
    'PP-LCNet-2.0x': 75.18,
    'PP-LCNet-2.5x': 76.60,
    # ../shared/reference/pplcnetv2.md (PaddleClas, not SSLD)
    'PP-LCNetV2-small': 73.97,
    'PP-LCNetV2-base': 77.04,
    'PP-LCNetV2-large': 78.51,
    'MobileNetV3-small-0.35x': 53.03,
    'MobileNetV3-small-0.5x': 59.21,
    'MobileNetV3-small-0.75x': 66.02,
    'MobileNetV3-small-1.0x': 68.24,
    'MobileNetV3-small-1.25x': 70.67,
    'MobileNetV3-large-0.35x': 64.32,
    'MobileNetV3-large-0.5x': 69.24,
    'MobileNetV3-large-0.75x': 73.14,
    'MobileNetV3-large-1.0x': 75.32,
    'MobileNetV3-large-1.25x': 76.41,
}
# PaddleClas' latency (Xeon Gold 6148, MKLDNN, batch 1), where published
PAPER_MS = {
    'PP-LCNet-0.25x': 1.74,
    'PP-LCNet-0.35x': 1.92,
    'PP-LCNet-0.5x': 2.05,
    'PP-LCNet-0.75x': 2.29,
    'PP-LCNet-1.0x': 2.46,
    'PP-LCNet-1.5x': 3.19,
    'PP-LCNet-2.0x': 4.27,
    'PP-LCNet-2.5x': 5.39,
    'MobileNetV3-small-0.35x': 3.02,
    'MobileNetV3-large-0.35x': 3.68,
    'MobileNetV3-small-1.25x': 3.95,
}
# (LCNet, MobileNetV3, max latency ratio on the same backend, the paper's)
PAIRS = (
    ('PP-LCNet-1.0x', 'MobileNetV3-small-1.25x', 0.90, 0.62),
    ('PP-LCNet-0.5x', 'MobileNetV3-large-0.35x', 0.68, 0.56),
)
# PP-LCNetV2-base against the MobileNetV3 of close top-1 (77.04 vs 75.32)
# on every backend and thread count: (V2, MobileNetV3, max latency ratio,
# PaddleX's ratios on a Xeon Gold 6271C, 8 threads)
V2_PAIRS = (('PP-LCNetV2-base', 'MobileNetV3-large-1.0x', 1.0,
             'PaddleX 0.95 Paddle Inference, 1.22 best backend'), )
# our fastest backend on PP-LCNet-1x against Paddle Inference (MKLDNN)
PADDLE_RATIO_MODEL, PADDLE_RATIO_MAX = 'PP-LCNet-1.0x', 0.75
# our fastest INT8 backend on PP-LCNet-1x against Paddle Inference FP32, at
# 1 thread (issue 14)
INT8_RATIO_MAX = 0.4
INT8_BACKENDS = ('onnxruntime-int8', 'openvino-int8')


class TensorClassifier(nn.Module):
    """An mmpretrain classifier as ``logits = f(images)`` (for tracing).

    Args:
        model (nn.Module): An mmpretrain ``ImageClassifier``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the logits.

        Args:
            x (torch.Tensor): Batch of images, (N, 3, H, W).

        Returns:
            torch.Tensor: Class logits, (N, num_classes).
        """
        return self.model(x, mode='tensor')


def _pplcnet_job(scale: float) -> Job:
    from ..converters.pplcnet import build_classifier, paddle_pplcnet_to_mm
    from ..reference import paddle as paddle_ref

    def to_torch(paddle_model) -> nn.Module:
        """Our classifier with the Paddle network's weights."""
        model = build_classifier(scale, 1000)
        model.load_state_dict(
            paddle_pplcnet_to_mm(paddle_ref.state_dict_numpy(paddle_model)))
        return TensorClassifier(model).eval()

    def paddle_build():
        """PaddleClas' PP-LCNet with random weights."""
        model = paddle_ref.build_ppcls_pplcnet(scale)
        paddle_ref.randomize_paddle_(model)
        return model

    name = f'PP-LCNet-{scale}x'
    return Job(
        name=name,
        family='PP-LCNet',
        build=lambda: TensorClassifier(
            randomize_(build_classifier(scale, 1000))),
        top1=TOP1.get(name),
        paddle_build=paddle_build,
        paddle_to_torch=to_torch,
        extra=dict(paper_ms=PAPER_MS.get(name)))


def _pplcnetv2_job(arch: str) -> Job:
    from ..converters.pplcnetv2 import build_classifier, paddle_pplcnetv2_to_mm
    from ..reference import paddle as paddle_ref

    def build() -> nn.Module:
        """Our classifier, random weights, branches folded."""
        model = randomize_(build_classifier(arch, 1000))
        model.backbone.switch_to_deploy()
        return TensorClassifier(model)

    def paddle_build():
        """PaddleClas' PP-LCNetV2, random weights, folded by Paddle."""
        model = paddle_ref.build_ppcls_pplcnetv2(arch)
        paddle_ref.randomize_paddle_(model)
        paddle_ref.reparameterize_paddle_(model)
        return model

    def to_torch(paddle_model) -> nn.Module:
        """Our classifier with the Paddle network's weights, folded."""
        model = build_classifier(arch, 1000)
        model.load_state_dict(
            paddle_pplcnetv2_to_mm(paddle_ref.state_dict_numpy(paddle_model)))
        model.backbone.switch_to_deploy()
        return TensorClassifier(model).eval()

    name = f'PP-LCNetV2-{arch}'
    return Job(
        name=name,
        family='PP-LCNetV2',
        build=build,
        top1=TOP1.get(name),
        paddle_build=paddle_build,
        paddle_to_torch=to_torch,
        extra=dict(paper_ms=PAPER_MS.get(name), folded=True))


def _mnv3_job(arch: str, scale: float) -> Job:
    from ..converters.mobilenet_v3 import (build_mobilenet_v3_classifier,
                                           paddle_mobilenet_v3_to_mm)
    from ..reference import paddle as paddle_ref

    def paddle_build():
        """PaddleClas' MobileNetV3 with random weights."""
        mod = paddle_ref.import_ppcls(
            'ppcls.arch.backbone.legendary_models.mobilenet_v3')
        name = f'MobileNetV3_{arch}_x{scale:.2f}'.rstrip('0').replace('.', '_')
        name = name + '0' if name.endswith('_') else name
        model = getattr(mod, name)(pretrained=False)
        paddle_ref.randomize_paddle_(model)
        return model

    def to_torch(paddle_model) -> nn.Module:
        """Our classifier with the Paddle network's weights."""
        model = build_mobilenet_v3_classifier(arch, scale, 1000)
        model.load_state_dict(
            paddle_mobilenet_v3_to_mm(
                paddle_ref.state_dict_numpy(paddle_model)))
        return TensorClassifier(model).eval()

    name = f'MobileNetV3-{arch}-{scale}x'
    return Job(
        name=name,
        family=f'MobileNetV3-{arch}',
        build=lambda: TensorClassifier(
            randomize_(build_mobilenet_v3_classifier(arch, scale, 1000))),
        top1=TOP1.get(name),
        paddle_build=paddle_build,
        paddle_to_torch=to_torch,
        extra=dict(paper_ms=PAPER_MS.get(name)))


def default_jobs(models: Optional[Sequence[str]] = None) -> List[Job]:
    """The 21 classifiers, or those whose name contains one of ``models``
    (and then also the PicoDet networks of
    :mod:`mm_pplcnet.benchmark.detector_jobs` that match, e.g.
    ``PicoDet-S-416``).

    Args:
        models (Sequence[str], optional): Name filters, e.g.
            ``['PP-LCNet-1.0x', 'small-1.25x']``.

    Returns:
        list[Job]: The jobs.
    """
    jobs = [_pplcnet_job(s) for s in PPLCNET_SCALES]
    jobs += [_pplcnetv2_job(a) for a in PPLCNETV2_ARCHS]
    jobs += [
        _mnv3_job(arch, s) for arch in ('small', 'large') for s in MNV3_SCALES
    ]
    if models:
        from .detector_jobs import picodet_jobs
        jobs = [j for j in jobs if any(m in j.name for m in models)]
        # PicoDet networks with their Paddle rows: only when asked for
        jobs += picodet_jobs(models)
        if not jobs:
            raise ValueError(f'no default model matches {list(models)}; '
                             f'names look like {TOP1_NAMES[:3]}')
    return jobs


TOP1_NAMES = list(TOP1)


def checks(rows: Sequence[Row], threads: Sequence[int]) -> List[dict]:
    """The speed targets, measured.

    At 1 thread, the latency ratio of each pair of ``PAIRS`` (PP-LCNet
    against MobileNetV3) on every backend that timed both; at every
    thread count, the ratio of each pair of ``V2_PAIRS`` (PP-LCNetV2-base
    against MobileNetV3-large-1x) on every backend that timed both, and
    our fastest FP32 backend on ``PADDLE_RATIO_MODEL`` against Paddle
    Inference and PicoDet-S-416's network on our fastest backend against
    Paddle Inference's; at 1 thread also our fastest INT8 backend on
    ``PADDLE_RATIO_MODEL`` against Paddle Inference FP32. Checks whose
    rows are missing are left out.

    Args:
        rows (Sequence[Row]): The measured rows.
        threads (Sequence[int]): Thread counts measured.

    Returns:
        list[dict]: One dict per check: ``check``, ``backend``,
        ``threads``, ``value`` (the ratio), ``target`` and ``passed``.
    """
    from .detector_jobs import PICODET_RATIO_MAX, PICODET_RATIO_MODEL
    from .report import fastest, find
    out: List[dict] = []

    def ratio_check(check: str,
                    row,
                    ref,
                    n: int,
                    limit: float,
                    target: str = '') -> None:
        """Append the check ``row / ref <= limit`` when both were timed."""
        if row and ref:
            ratio = row.median_ms / ref.median_ms
            out.append(
                dict(
                    check=check,
                    backend=row.backend,
                    threads=n,
                    value=round(ratio, 3),
                    target=target or f'<= {limit}',
                    passed=ratio <= limit))

    backends = sorted({r.backend for r in rows if r.times_ms})
    for n in threads:
        # the LCNet / MobileNetV3 targets are set at 1 thread; V2-base /
        # MobileNetV3-large-1x is reported at every thread count
        pairs = [(a, b, limit, f'paper {paper}')
                 for a, b, limit, paper in (PAIRS if n == 1 else ())]
        for model, mnv3, limit, note in pairs + list(V2_PAIRS):
            for backend in backends:
                ratio_check(f'{model} / {mnv3} latency',
                            find(rows, model, backend, n),
                            find(rows, mnv3, backend, n), n, limit,
                            f'<= {limit} ({note})')
        ref = find(rows, PADDLE_RATIO_MODEL, 'paddle-inference', n)
        int8 = [
            r for r in (find(rows, PADDLE_RATIO_MODEL, b, n)
                        for b in INT8_BACKENDS) if r
        ]
        if n == 1 and int8:
            best = min(int8, key=lambda r: r.median_ms)
            ratio_check(
                f'{PADDLE_RATIO_MODEL}: fastest INT8 ({best.backend}) / '
                'Paddle Inference MKLDNN FP32', best, ref, n, INT8_RATIO_MAX)
        det = fastest(rows, PICODET_RATIO_MODEL, n)
        if det:
            ratio_check(
                f'{PICODET_RATIO_MODEL} network: fastest ours '
                f'({det.backend}) / Paddle Inference MKLDNN', det,
                find(rows, PICODET_RATIO_MODEL, 'paddle-inference', n), n,
                PICODET_RATIO_MAX)
        ours = fastest(rows, PADDLE_RATIO_MODEL, n,
                       ('paddle-inference', ) + INT8_BACKENDS)
        if ours:
            ratio_check(
                f'{PADDLE_RATIO_MODEL}: fastest ours ({ours.backend}) / '
                'Paddle Inference MKLDNN', ours, ref, n, PADDLE_RATIO_MAX)
    return out


def format_checks(results: Sequence[Dict]) -> str:
    """Human-readable lines for the checks.

    Args:
        results (Sequence[dict]): Output of :func:`checks`.

    Returns:
        str: One ``[PASS]`` or ``[MISS]`` line per check.
    """
    lines = []
    for c in results:
        mark = 'PASS' if c['passed'] else 'MISS'
        lines.append(f"[{mark}] {c['check']} [{c['backend']}, "
                     f"{c['threads']} thr]: {c['value']:.3f} "
                     f"(target {c['target']})")
    return '\n'.join(lines)
