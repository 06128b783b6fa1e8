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

from mm_pplcnet.hub import find_model_index
from mm_pplcnet.hub.metafile import zoo_pages


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('--model-index', default=find_model_index())
    parser.add_argument('--out', help='default: docs/model_zoo')
    args = parser.parse_args()
    out = args.out or osp.join(
        osp.dirname(args.model_index), 'docs', 'model_zoo')
    os.makedirs(out, exist_ok=True)
    for name, text in zoo_pages(args.model_index).items():
        path = osp.join(out, name)
        with open(path, 'w') as f:
            f.write(text)
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
