"""Generate a small dataset so that recipes run without downloads.

    python tools/misc/make_toy_data.py cls data/toy_cls
    python tools/misc/make_toy_data.py coco data/toy_coco
    python tools/misc/make_toy_data.py cityscapes data/toy_cityscapes
"""
import argparse

from mm_pplcnet.datasets import (make_toy_cityscapes, make_toy_classification,
                                 make_toy_coco)

MAKERS = {
    'cls': make_toy_classification,
    'coco': make_toy_coco,
    'cityscapes': make_toy_cityscapes
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('kind', choices=sorted(MAKERS), help='task')
    parser.add_argument('out', help='output folder')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    counts = MAKERS[args.kind](args.out, seed=args.seed)
    print(f'wrote {counts} images to {args.out}')


if __name__ == '__main__':
    main()
