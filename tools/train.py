"""Train an mmdet, mmseg or mmpretrain model from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]
        [--cfg-options key=value ...]

Multi-process (GPUs, or CPU processes with gloo): tools/dist_train.sh.
"""
import argparse

import torch.distributed as dist
from mmengine.config import DictAction

from mm_pplcnet.engine import build_runner, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        default=None,
        metavar='CKPT',
        help='resume from CKPT, or from the latest checkpoint of the work '
        'dir when no path is given')
    parser.add_argument(
        '--load-from', help='checkpoint to initialize the weights from')
    parser.add_argument(
        '--amp', action='store_true', help='mixed precision (GPU)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr to the actual total batch size')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    runner = build_runner(
        cfg,
        args.config,
        work_dir=args.work_dir,
        launcher=args.launcher,
        resume=args.resume,
        load_from=args.load_from,
        amp=args.amp,
        auto_scale_lr=args.auto_scale_lr)
    runner.train()
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == '__main__':
    try:
        main()
    except FileNotFoundError as err:
        # missing config, checkpoint or data: the message says which
        raise SystemExit(f'error: {err}')
