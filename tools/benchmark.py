r"""CPU latency benchmark: PP-LCNet against MobileNetV3 (and Paddle).

    # the default suite: 8 PP-LCNet + 3 PP-LCNetV2 (folded) + 10
    # MobileNetV3 classifiers, 224x224, batch 1, every installed backend,
    # the machine's physical cores
    python tools/benchmark.py
    # the run of docs/benchmark.md: 1 and 2 threads
    python tools/benchmark.py --threads 1 2
    # a few models / backends
    python tools/benchmark.py --models PP-LCNet-1.0x small-1.25x \
        --backends eager onnxruntime
    # any of our mmpretrain / mmdet / mmseg configs at its test size
    python tools/benchmark.py \
        --config configs/pplcnet/pplcnet-x1.0_4xb512_in1k.py

Writes benchmark.{json,csv,txt}, benchmark.png (top-1 against latency)
and benchmark.md (median ms, one column per backend) to --out-dir.
Every backend's outputs are checked against PyTorch eager before it is
timed; timing rounds are interleaved across all rows.
"""
import argparse
import os
import os.path as osp
import shlex
import sys

from mm_pplcnet.benchmark import (BACKENDS, checks, config_jobs, default_jobs,
                                  format_checks, machine_info, physical_cores,
                                  report, run_benchmark)
from mm_pplcnet.benchmark.profile import profile_missed_checks
from mm_pplcnet.benchmark.runner import isa_flags
from mm_pplcnet.engine import run_cli


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument(
        '--config', nargs='+', help='measure these configs instead')
    parser.add_argument('--checkpoint', help='weights for --config')
    parser.add_argument(
        '--image',
        help='image file of the end-to-end rows of --config (predictor-*, '
        'rapid-layout); default: a rendered 1216x1600 page')
    parser.add_argument(
        '--score-thr',
        type=float,
        help='score threshold of the end-to-end detection rows (default: '
        "the config's test score_thr; rapid_layout uses 0.5)")
    parser.add_argument(
        '--shape',
        nargs=2,
        type=int,
        metavar=('H', 'W'),
        help='input size for --config (default: its test size)')
    parser.add_argument(
        '--models', nargs='+', help='default-suite name filters')
    parser.add_argument(
        '--backends',
        nargs='+',
        default=None,
        help=f'default: every installed one of {list(BACKENDS)}')
    parser.add_argument(
        '--threads',
        nargs='+',
        type=int,
        default=None,
        help=f'default: physical cores ({physical_cores()})')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--rounds', type=int, default=20)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--out-dir', default='outputs/benchmark')
    parser.add_argument(
        '--no-profile',
        action='store_true',
        help='do not profile the models of a missed speed check')
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    threads = args.threads or [physical_cores()]
    if any(n < 1 for n in threads):
        raise SystemExit('--threads must be positive')
    if args.backends:
        unknown = set(args.backends) - set(BACKENDS)
        if unknown:
            raise SystemExit(f'unknown backends {sorted(unknown)}; choose '
                             f'from {list(BACKENDS)}')
        backends = args.backends
    else:
        backends = [
            n for n, cls in BACKENDS.items()
            if cls.available() and not cls.on_request and (
                args.config or not cls.config_only)
        ]
    if args.config and args.models:
        raise SystemExit('--models filters the default suite; it does not '
                         'apply with --config')
    if args.config:
        jobs = []
        for cfg in args.config:
            jobs += config_jobs(cfg, args.shape, args.checkpoint, args.batch,
                                args.image, args.score_thr)
        backends = [b for b in backends if b != 'paddle-inference']
    else:
        jobs = default_jobs(args.models)
    command = 'python tools/benchmark.py ' + ' '.join(
        shlex.quote(a) for a in sys.argv[1:])
    print(f'{len(jobs)} models x {len(backends)} backends x threads '
          f'{threads}: {", ".join(backends)}')
    print(f'CPU ISA: {" ".join(isa_flags()) or "unknown"}')
    rows = run_benchmark(
        jobs,
        backends,
        threads,
        rounds=args.rounds,
        iters=args.iters,
        warmup=args.warmup,
        progress=not args.no_progress)
    results = checks(rows, threads) if not args.config else []
    meta = machine_info()
    meta.update(
        command=command,
        threads=threads,
        backends=backends,
        rounds=args.rounds,
        iters=args.iters)
    os.makedirs(args.out_dir, exist_ok=True)
    out = osp.join(args.out_dir, 'benchmark')
    text = report.table(rows)
    if results:
        text += '\n\n' + format_checks(results)
    profiles = [] if args.no_profile else profile_missed_checks(results, jobs)
    meta['profiles'] = profiles
    for block in profiles:
        text += '\n\n' + block
    machine = f'{meta["cpu"]}; ISA: {" ".join(meta["isa"]) or "unknown"}'
    text += f'\n\n{machine}; reproduce with: {command}\n'
    print('\n' + text)
    with open(out + '.txt', 'w') as f:
        f.write(text)
    report.write_json(rows, out + '.json', meta, results)
    report.write_csv(rows, out + '.csv')
    with open(out + '.md', 'w') as f:
        f.write(f'{machine}; {command}\n\n')
        f.write('\n\n'.join(f'Median latency, {n} thread(s) (ms):\n\n'
                            + report.latency_markdown(rows, n)
                            for n in threads) + '\n')
    written = [out + '.json', out + '.csv', out + '.txt', out + '.md']
    for n in threads:
        png = f'{out}.png' if len(threads) == 1 else f'{out}_{n}thr.png'
        if report.plot(rows, png, n, f'{command}  [{machine}]'):
            written.append(png)
    print('wrote ' + ', '.join(written))


if __name__ == '__main__':
    run_cli(main)
