"""Write the model-zoo pages (docs/model_zoo/*.md) from the metafiles.

    python tools/misc/model_zoo_docs.py [--model-index model-index.yml]
        [--out docs/model_zoo]

One page per task (classification, detection, segmentation): names,
parameters, FLOPs, input size, published results, config and weights of
every entry of the metafiles that ``model-index.yml`` imports.
"""
import argparse
import os
import os.path as osp

from mm_pplcnet.hub.metafile import zoo_pages

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument(
        '--model-index', default=osp.join(REPO, 'model-index.yml'))
    parser.add_argument('--out', default=osp.join(REPO, 'docs', 'model_zoo'))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, text in zoo_pages(args.model_index).items():
        path = osp.join(args.out, name)
        with open(path, 'w') as f:
            f.write(text)
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
