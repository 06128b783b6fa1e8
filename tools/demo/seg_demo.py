"""Segment an image with an mmseg config of ours; write a colour-coded mask.

    python tools/demo/seg_demo.py CONFIG CHECKPOINT IMAGE --out OUT.png \
        [--opacity 0.5] [--device cpu]

The mask (Cityscapes palette, or the checkpoint's dataset palette) is
blended over the image; pixels of the ignored label keep their colour.
"""
import argparse

from mm_pplcnet.apis import seg_demo


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--out', default='seg_demo.png')
    parser.add_argument('--opacity', type=float, default=0.5)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    _, shares = seg_demo(args.config, args.checkpoint, args.image, args.out,
                         args.device, args.opacity)
    top = ', '.join(f'{name} {100 * share:.1f}%'
                    for name, share in list(shares.items())[:8])
    print(f'wrote {args.out}: {top}')


if __name__ == '__main__':
    main()
