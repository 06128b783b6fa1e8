r"""Compare deploy folders with a reference folder on images.

    python tools/analysis/compare_deploy.py REF_DIR DIR [DIR ...] \
        --images IMAGES/ [--score-thr 0.5] [--out rows.json]

E.g. an INT8 folder (or two calibrations of it) against the FP32 one of
the same checkpoint: classification top-1 agreement, detections kept
(same class, IoU >= 0.9, both above --score-thr) with the reference
scores of those not kept, segmentation pixel agreement.
"""
import argparse
import json

from mm_pplcnet.deploy.quantize import compare_folders, list_images, row_text


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('reference', help='reference deploy folder')
    parser.add_argument('folders', nargs='+', help='deploy folders')
    parser.add_argument('--images', required=True, help='folder of images')
    parser.add_argument('--score-thr', type=float, default=0.5)
    parser.add_argument('--out', help='write the rows as JSON')
    args = parser.parse_args()
    try:
        rows = compare_folders(args.reference, args.folders,
                               list_images(args.images, 'image'),
                               args.score_thr)
    except (FileNotFoundError, ValueError) as err:
        raise SystemExit(f'error: {err}')
    for row in rows:
        print(row_text(row))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
