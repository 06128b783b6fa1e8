"""Measure every metafile model and write its FLOPs / parameters.

    python tools/misc/metafile_complexity.py [--model-index model-index.yml]
        [--check]

For each ``Models`` entry of the metafiles that ``model-index.yml``
imports, builds the entry's config and counts (at the config's test input
size, one image) parameters, MACs (written as ``FLOPs``, the OpenMMLab
convention) and Paddle-style FLOPs (``Paddle FLOPs``, as PaddleClas' and
PaddleDetection's tables count): see mm_pplcnet.hub.metafile. The input
size is the config's test size, or an entry's ``Input Size`` (HxW) for
configs that do not resize (the toy sets). With
--check nothing is written; a metafile number that differs from the
measured one is an error.
"""
import argparse
import os.path as osp
import sys

from tqdm import tqdm

from mm_pplcnet.hub.metafile import measure, read_yaml, write_yaml
from mm_pplcnet.hub.model_index import find_model_index, metafiles


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('--model-index', default=find_model_index())
    parser.add_argument(
        '--check', action='store_true', help='compare, do not write')
    args = parser.parse_args()
    root = osp.dirname(osp.abspath(args.model_index))
    stale = []
    for metafile in metafiles(args.model_index):
        data = read_yaml(metafile)
        cache = {}
        for model in tqdm(data['Models'], desc=osp.relpath(metafile, root)):
            config = model['Config']
            meta = model.setdefault('Metadata', {})
            if config not in cache:
                cache[config] = measure(
                    osp.join(root, config), meta.get('Input Size'))
            for key, value in cache[config].items():
                if meta.get(key) != value:
                    stale.append(f'{model["Name"]}: {key} {meta.get(key)} '
                                 f'-> {value}')
                meta[key] = value
        if not args.check:
            write_yaml(data, metafile)
    print('\n'.join(stale) or 'all numbers up to date')
    if args.check and stale:
        sys.exit(1)


if __name__ == '__main__':
    main()
