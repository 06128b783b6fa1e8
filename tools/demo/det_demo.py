r"""Detect objects in an image with a PicoDet config and draw the boxes.

    python tools/demo/det_demo.py CONFIG CHECKPOINT IMAGE --out OUT.jpg \
        [--score-thr 0.3]
"""
import argparse

from mm_pplcnet.apis import detect_image
from mm_pplcnet.engine import run_cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--out', default='outputs/det_demo.jpg')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    detections = detect_image(args.config, args.checkpoint, args.image,
                              args.out, args.score_thr, args.device)
    for name, score, box in detections:
        print(f'{name:<20} {score:.3f}  ' + ' '.join(f'{v:.1f}' for v in box))
    print(f'{len(detections)} boxes >= {args.score_thr}; drew {args.out}')


if __name__ == '__main__':
    run_cli(main)
