r"""Draw the layout regions (text, title, table, figure, ...) of a page.

    python tools/demo/layout_demo.py CONFIG CHECKPOINT PAGE_IMAGE \
        --out page_layout.jpg [--score-thr 0.5] [--json regions.json] \
        [--opacity 0.3] [--device cpu]

Every region above the score threshold is filled translucently in its
class colour (the config's palette), outlined and labelled with its class
name and score. The regions are printed and written as a JSON list of
{"label", "score", "bbox": [x1, y1, x2, y2]} (page pixels), by default
next to the picture (same name, .json). Layout configs:
configs/picodet/picodet-legacy_pplcnet-x1.0_800x608_{publaynet,cdla}.py;
weights: PP-Structure's, converted with
tools/model_converters/picodet_to_mmdet.py (docs/picodet_legacy.md).
"""
import argparse
import os.path as osp

from mm_pplcnet.apis import layout_demo
from mm_pplcnet.engine import run_cli


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image', help='page image')
    parser.add_argument('--out', default='outputs/layout_demo.jpg')
    parser.add_argument('--score-thr', type=float, default=0.5)
    parser.add_argument(
        '--json', help='regions as JSON (default: --out with .json)')
    parser.add_argument('--opacity', type=float, default=0.3)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    json_out = args.json or osp.splitext(args.out)[0] + '.json'
    regions = layout_demo(args.config, args.checkpoint, args.image, args.out,
                          args.score_thr, json_out, args.device, args.opacity)
    for r in regions:
        print(f'{r["label"]:<16} {r["score"]:.3f}  '
              + ' '.join(f'{v:.1f}' for v in r['bbox']))
    print(f'{len(regions)} regions >= {args.score_thr}; drew {args.out}, '
          f'listed them in {json_out}')


if __name__ == '__main__':
    run_cli(main)
