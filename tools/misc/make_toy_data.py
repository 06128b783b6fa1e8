"""Generate a small dataset so that recipes run without downloads.

    python tools/misc/make_toy_data.py cls data/toy_cls
    python tools/misc/make_toy_data.py coco data/toy_coco
    python tools/misc/make_toy_data.py cityscapes data/toy_cityscapes
    python tools/misc/make_toy_data.py pages data/pages --seed 0 --count 48

``pages``: rendered 1216 x 1600 document pages (title, paragraphs, tables,
figures) for the layout models: calibration or test images.
"""
import argparse

from mm_pplcnet.datasets import (make_toy_cityscapes, make_toy_classification,
                                 make_toy_coco, write_pages)

MAKERS = {
    'cls': make_toy_classification,
    'coco': make_toy_coco,
    'cityscapes': make_toy_cityscapes,
    'pages': write_pages
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('kind', choices=sorted(MAKERS), help='task')
    parser.add_argument('out', help='output folder')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='random seed (pages: the first page, page_<seed>.png; keep '
        'calibration and test seeds apart)')
    parser.add_argument(
        '--count', type=int, default=48, help='pages (pages only)')
    args = parser.parse_args()
    kwargs = dict(count=args.count) if args.kind == 'pages' else {}
    try:
        counts = MAKERS[args.kind](args.out, seed=args.seed, **kwargs)
    except ValueError as err:
        raise SystemExit(f'error: {err}')
    print(f'wrote {counts} images to {args.out}')


if __name__ == '__main__':
    main()
