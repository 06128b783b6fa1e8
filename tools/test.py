"""Evaluate a checkpoint of an mmdet, mmseg or mmpretrain config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--cfg-options key=value ...]
"""
import argparse
import os.path as osp

import torch.distributed as dist
from mmengine.config import DictAction

from mm_pplcnet.engine import build_runner, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and results go')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint {args.checkpoint!r} does not exist')
    cfg = load_config(args.config, args.cfg_options)
    runner = build_runner(
        cfg,
        args.config,
        work_dir=args.work_dir,
        launcher=args.launcher,
        load_from=args.checkpoint,
        mode='test')
    metrics = runner.test()
    if dist.is_initialized():
        dist.destroy_process_group()
    print({k: round(float(v), 4) for k, v in metrics.items()})


if __name__ == '__main__':
    try:
        main()
    except FileNotFoundError as err:
        # missing config, checkpoint or data: the message says which
        raise SystemExit(f'error: {err}')
