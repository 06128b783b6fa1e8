"""Evaluate a checkpoint of an mmdet, mmseg or mmpretrain config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--cfg-options key=value ...]

Multi-process: tools/dist_test.sh.
"""
import argparse
import os.path as osp

from mm_pplcnet.engine import (add_common_args, build_runner, load_config,
                               run_cli)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    add_common_args(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint {args.checkpoint!r} does not exist')
    cfg = load_config(args.config, args.cfg_options)
    runner = build_runner(
        cfg,
        args.config,
        work_dir=args.work_dir,
        launcher=args.launcher,
        load_from=args.checkpoint,
        mode='test')
    metrics = runner.test()
    print({k: round(float(v), 4) for k, v in metrics.items()})


if __name__ == '__main__':
    run_cli(main)
