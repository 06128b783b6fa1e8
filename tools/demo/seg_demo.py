r"""Segment an image with an mmseg config of ours; write a colour-coded mask.

    python tools/demo/seg_demo.py CONFIG CHECKPOINT IMAGE --out OUT.png \
        [--opacity 0.5] [--device cpu]

The predicted classes are painted over the image in the checkpoint's
dataset palette (Cityscapes' for our configs) and the share of each class
is printed.
"""
import argparse

from mm_pplcnet.apis import seg_demo
from mm_pplcnet.engine import run_cli


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--out', default='outputs/seg_demo.png')
    parser.add_argument('--opacity', type=float, default=0.5)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    _, shares = seg_demo(args.config, args.checkpoint, args.image, args.out,
                         args.device, args.opacity)
    top = ', '.join(f'{name} {100 * share:.1f}%'
                    for name, share in list(shares.items())[:8])
    print(f'wrote {args.out}: {top}')


if __name__ == '__main__':
    run_cli(main)
