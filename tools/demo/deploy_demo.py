r"""Run a deploy folder on an image and draw the result (no torch needed).

    python tools/demo/deploy_demo.py DIR IMAGE --out result.jpg \
        [--score-thr 0.3] [--threads N]

DIR is a folder from tools/deployment/deploy.py. Prints the top-5 classes,
the boxes (class, score, x1 y1 x2 y2 in image pixels) or the share of each
class in the label map, with the time of each stage.
"""
import argparse
import os
import os.path as osp
import time

import cv2
import numpy as np

from mm_pplcnet.deploy import Predictor
from mm_pplcnet.deploy.preprocess import read_image
from mm_pplcnet.deploy.visualize import draw_result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('folder')
    parser.add_argument('image')
    parser.add_argument('--out', default='result.jpg')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--threads', type=int)
    args = parser.parse_args()
    if not cv2.haveImageWriter(args.out):
        parser.error(f'--out {args.out!r}: OpenCV cannot write that file '
                     'type; name a .jpg or .png file')
    try:
        predictor = Predictor(args.folder, threads=args.threads)
        image = read_image(args.image)
    except (FileNotFoundError, ValueError, ImportError) as err:
        raise SystemExit(f'error: {err}')
    t0 = time.perf_counter()
    items = predictor.preprocess([image])
    t1 = time.perf_counter()
    outputs = predictor.forward(items)
    t2 = time.perf_counter()
    result = predictor.postprocess(items, outputs)[0]
    t3 = time.perf_counter()
    names = predictor.classes
    if predictor.task == 'classification':
        for i, s in zip(result['topk_labels'], result['topk_scores']):
            print(f'{names[i] if i < len(names) else i}: {s:.4f}')
    elif predictor.task == 'detection':
        keep = result['scores'] >= args.score_thr
        for box, s, c in zip(result['boxes'][keep], result['scores'][keep],
                             result['labels'][keep]):
            print(f'{names[c] if c < len(names) else c} {s:.3f} '
                  + ' '.join(f'{v:.1f}' for v in box))
    else:
        ids, counts = np.unique(result['label_map'], return_counts=True)
        for i, c in sorted(zip(ids, counts), key=lambda t: -t[1]):
            print(f'{names[i] if i < len(names) else i}: '
                  f'{c / result["label_map"].size:.1%}')
    print(f'{predictor.backend} {predictor.spec["model"]["precision"]}: '
          f'preprocess {1e3 * (t1 - t0):.1f} ms, network '
          f'{1e3 * (t2 - t1):.1f} ms, post-process {1e3 * (t3 - t2):.1f} ms '
          '(first call: includes warm-up)')
    drawing = draw_result(image, result, predictor.task, names,
                          predictor.spec.get('palette') or [], args.score_thr)
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    try:
        written = cv2.imwrite(args.out, drawing)
    except cv2.error:
        written = False
    if not written:
        raise SystemExit(f'error: could not write {args.out!r} (unknown '
                         'extension or folder not writable)')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
