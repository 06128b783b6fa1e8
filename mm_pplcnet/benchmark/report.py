"""Benchmark reports: a text table, JSON, CSV and a latency plot."""
import csv
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from .runner import Row


def _fmt(value, spec: str, empty: str = '-') -> str:
    return empty if value is None else format(value, spec)


def table(rows: Sequence[Row]) -> str:
    """A fixed-width table of every row.

    Args:
        rows (Sequence[Row]): The measured rows (failed ones show their
            error instead of timings).

    Returns:
        str: The header, a rule and one line per row.
    """
    head = ('model', 'backend', 'thr', 'params', 'FLOPs(P)', 'MACs',
            'median ms', 'min-max ms', 'img/s', 'top-1', 'max|diff|')
    lines = []
    for r in rows:
        s = r.summary()
        if r.error:
            timing = ('-', 'skipped: ' + r.error[:60], '-')
        else:
            timing = (_fmt(s.get('median_ms'), '.2f'),
                      f"{s.get('min_ms', 0):.2f}-{s.get('max_ms', 0):.2f}",
                      _fmt(s.get('images_per_s'), '.0f'))
        lines.append(
            (r.model, r.backend, str(r.threads), f'{r.params / 1e6:.2f}M',
             f'{r.paddle_flops / 1e6:.1f}M', f'{r.macs / 1e6:.1f}M', *timing,
             _fmt(r.top1, '.2f'), _fmt(r.max_abs_diff, '.1e')))
    widths = [
        max(len(head[i]), *(len(ln[i])
                            for ln in lines)) if lines else len(head[i])
        for i in range(len(head))
    ]
    out = ['  '.join(h.ljust(w) for h, w in zip(head, widths))]
    out.append('  '.join('-' * w for w in widths))
    for ln in lines:
        out.append('  '.join(c.ljust(w) for c, w in zip(ln, widths)))
    return '\n'.join(out)


BACKEND_TITLES = {
    'eager': 'eager',
    'torch-tuned': 'torch-tuned',
    'onnxruntime': 'ONNX Runtime',
    'openvino': 'OpenVINO',
    'paddle-inference': 'Paddle Inference',
}


def latency_markdown(rows: Sequence[Row], threads: int) -> str:
    """The README's table: median ms per model (rows, in run order, so
    PP-LCNet, PP-LCNetV2 and MobileNetV3 stand together) and backend
    (columns), at one thread count.

    Args:
        rows (Sequence[Row]): The rows.
        threads (int): Thread count of the rows to show.

    Returns:
        str: A Markdown table (``model | params | MACs | top-1 | one
        column per backend``); a failed row shows ``-``; empty when no
        row has this thread count.
    """
    rows = [r for r in rows if r.threads == threads]
    if not rows:
        return ''
    models, backends = [], []
    for r in rows:
        if r.model not in models:
            models.append(r.model)
        if r.backend not in backends:
            backends.append(r.backend)
    head = ['model', 'params', 'MACs', 'top-1'
            ] + [BACKEND_TITLES.get(b, b) for b in backends]
    out = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for model in models:
        first = next(r for r in rows if r.model == model)
        cells = [
            model, f'{first.params / 1e6:.2f}M', f'{first.macs / 1e6:.1f}M',
            _fmt(first.top1, '.2f')
        ]
        for backend in backends:
            r = find(rows, model, backend, threads)
            cells.append(_fmt(r.median_ms if r else None, '.2f'))
        out.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(out)


def find(rows: Sequence[Row], model: str, backend: str,
         threads: int) -> Optional[Row]:
    """The measured row for (model, backend, threads), if any.

    Args:
        rows (Sequence[Row]): The rows.
        model (str): Model name.
        backend (str): Backend name.
        threads (int): Number of threads.

    Returns:
        Row | None: The first such row with timings, else None.
    """
    for r in rows:
        if (r.model, r.backend, r.threads) == (model, backend,
                                               threads) and r.times_ms:
            return r
    return None


def fastest(
    rows: Sequence[Row],
    model: str,
    threads: int,
    exclude: Tuple[str, ...] = ('paddle-inference', )
) -> Optional[Row]:
    """Our fastest backend's row for a model.

    Args:
        rows (Sequence[Row]): The rows.
        model (str): Model name.
        threads (int): Number of threads.
        exclude (tuple[str]): Backends that are not ours. Defaults to
            ``('paddle-inference', )``.

    Returns:
        Row | None: The timed row of lowest median latency, else None.
    """
    cands = [
        r for r in rows if r.model == model and r.threads == threads
        and r.times_ms and r.backend not in exclude
    ]
    return min(cands, key=lambda r: r.median_ms) if cands else None


def write_json(rows: Sequence[Row], path: str, meta: dict,
               checks: List[dict]) -> None:
    """Write all rows (summarised), the machine info and the checks.

    Args:
        rows (Sequence[Row]): The rows.
        path (str): Output ``.json`` file.
        meta (dict): Machine and run information.
        checks (list[dict]): Results of the speed checks.
    """
    with open(path, 'w') as f:
        json.dump(
            dict(meta=meta, checks=checks, rows=[r.summary() for r in rows]),
            f,
            indent=2)


def write_csv(rows: Sequence[Row], path: str) -> None:
    """One line per row.

    Args:
        rows (Sequence[Row]): The rows.
        path (str): Output ``.csv`` file.
    """
    keys = [
        'model', 'family', 'backend', 'threads', 'input_shape', 'params',
        'macs', 'paddle_flops', 'top1', 'median_ms', 'min_ms', 'max_ms',
        'p90_ms', 'images_per_s', 'samples', 'max_abs_diff', 'error'
    ]
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, keys, extrasaction='ignore')
        writer.writeheader()
        for r in rows:
            s = r.summary()
            s['input_shape'] = 'x'.join(map(str, r.input_shape))
            writer.writerow(s)


def plot(
    rows: Sequence[Row],
    path: str,
    threads: int,
    command: str,
    title: str = 'PP-LCNet, PP-LCNetV2 and MobileNetV3: ImageNet top-1 '
    'against measured CPU latency'
) -> bool:
    """Top-1 against latency: one panel per backend, one line per family.

    Like the PP-LCNet paper's figure; only timed rows with a top-1 at
    ``threads`` threads are drawn. Panels share the latency axis, so
    backends compare by position; INT8 backends get their own panels.

    Args:
        rows (Sequence[Row]): The rows.
        path (str): Output image (its folder is created).
        threads (int): Number of threads of the rows to draw.
        command (str): Command line, printed at the bottom.
        title (str): Plot title. Defaults to 'PP-LCNet, PP-LCNetV2 and
            MobileNetV3: ImageNet top-1 against measured CPU latency'.

    Returns:
        bool: Whether a plot was written (False when nothing has a top-1).
    """
    import math

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    panels: Dict[str, Dict[str, List[Row]]] = {}
    for r in rows:
        if r.threads == threads and r.times_ms and r.top1 is not None:
            panels.setdefault(r.backend, {}).setdefault(r.family, []).append(r)
    if not panels:
        return False
    families = sorted({f for fams in panels.values() for f in fams})
    markers = 'os^Dv<>p*h'
    cols = min(3, len(panels))
    nrows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(
        nrows,
        cols,
        figsize=(5 * cols, 4 * nrows),
        sharex=True,
        sharey=True,
        squeeze=False)
    for ax, backend in zip(axes.flat, sorted(panels)):
        for family, pts in sorted(panels[backend].items()):
            pts = sorted(pts, key=lambda r: r.median_ms)
            ax.plot([r.median_ms for r in pts], [r.top1 for r in pts],
                    marker=markers[families.index(family) % len(markers)],
                    label=family)
            for r in pts:
                ax.annotate(
                    r.model.split('-')[-1], (r.median_ms, r.top1),
                    fontsize=6,
                    xytext=(3, -8),
                    textcoords='offset points')
        ax.set_title(backend, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(f'median latency, ms (batch 1, {threads} thread(s))')
    for ax in axes[:, 0]:
        ax.set_ylabel('ImageNet top-1, % (published)')
    fig.suptitle(title)
    fig.text(0.01, 0.005, command, fontsize=7, family='monospace')
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
