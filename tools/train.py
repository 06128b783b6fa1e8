"""Train an mmdet, mmseg or mmpretrain model from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]
        [--cfg-options key=value ...]

Multi-process (GPUs, or CPU processes with gloo): tools/dist_train.sh.
"""
import argparse

from mm_pplcnet.engine import (add_common_args, build_runner, load_config,
                               run_cli)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    add_common_args(parser)
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
        '--partial-load',
        action='store_true',
        help='let --load-from / Pretrained init_cfgs load only the weights '
        'that fit (the others are listed in a warning) instead of failing')
    parser.add_argument(
        '--amp', action='store_true', help='mixed precision (GPU)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr to the actual total batch size')
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
        auto_scale_lr=args.auto_scale_lr,
        partial_load=args.partial_load)
    runner.train()


if __name__ == '__main__':
    run_cli(main)
