"""Read our metafiles, measure their models, and write model-zoo tables.

The metafiles (``configs/<folder>/metafile.yml``, imported by the root
``model-index.yml``) follow OpenMMLab's layout: ``Collections`` (paper,
code) and ``Models`` (``Name``, ``Metadata`` with ``FLOPs`` and
``Parameters``, ``Results``, ``Weights``, ``Config``, ``Converted From``).
``FLOPs`` are multiply-adds of convolutions and linear layers at the
config's test input size (what mmengine / fvcore count, and what
mmpretrain's metafiles list); ``Paddle FLOPs`` add BN and pooling as
``paddle.flops`` does (PaddleClas' and PaddleDetection's tables);
``Parameters`` are ``sum(p.numel())`` over the model. All three are
measured by :func:`mm_pplcnet.benchmark.count_complexity` on the model
the config builds.
"""
import os.path as osp
from typing import Dict, Iterator, List, Optional, Tuple

import yaml

from .model_index import metafile_task, metafiles

TASK_OF_SCOPE = {
    'mmpretrain': 'Image Classification',
    'mmdet': 'Object Detection',
    'mmseg': 'Semantic Segmentation',
}


def read_yaml(path: str) -> dict:
    """A YAML file as a dict (safe loader)."""
    with open(path) as f:
        return yaml.safe_load(f) or {}


class _NoAliasDumper(yaml.SafeDumper):
    """Writes repeated values out instead of as YAML anchors."""

    def ignore_aliases(self, data) -> bool:
        return True


def write_yaml(data: dict, path: str) -> None:
    """Write a metafile in its key order, without YAML anchors."""
    with open(path, 'w') as f:
        yaml.dump(
            data,
            f,
            Dumper=_NoAliasDumper,
            sort_keys=False,
            allow_unicode=True,
            width=1000)


def iter_models(model_index: str) -> Iterator[Tuple[str, dict]]:
    """Every ``(metafile, model entry)`` of a model index."""
    for metafile in metafiles(model_index):
        for model in read_yaml(metafile).get('Models', []):
            yield metafile, model


def measure(config: str,
            input_size: Optional[str] = None) -> Dict[str, object]:
    """Parameters, MACs and Paddle-style FLOPs of a config's model.

    Args:
        config (str): Config file.
        input_size (str, optional): ``'HxW'`` for configs whose test
            pipeline does not resize (the toy sets). Defaults to the
            config's test size.

    Returns:
        dict: ``FLOPs`` (MACs), ``Paddle FLOPs`` (both of the deployed
        network: re-parameterizable parts folded), ``Parameters``
        (trainable, before folding) and ``Input Size`` (one image).
    """
    from ..benchmark import count_complexity
    from ..benchmark.config_jobs import config_input_shape, load_config
    from ..utils.reparameterize import switch_to_deploy_
    cfg, scope = load_config(config)
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    model = registry.build(cfg.model)
    if input_size:
        hw = tuple(int(v) for v in input_size.split('x'))
    else:
        hw = config_input_shape(cfg)
    # the trainable parameters; the FLOPs of the deployed network (with
    # re-parameterizable parts folded, as Paddle counts PP-LCNetV2's)
    params = sum(p.numel() for p in model.parameters())
    switch_to_deploy_(model.eval())
    c = count_complexity(
        model, (1, 3, *hw), forward=lambda m, x: m(x, mode='tensor'))
    return {
        'FLOPs': int(c.macs),
        'Paddle FLOPs': int(c.paddle_flops),
        'Parameters': int(params),
        'Input Size': f'{hw[0]}x{hw[1]}',
    }


def _human(value: float, unit: str = '') -> str:
    """1234567 -> '1.23M'; 1.2e9 -> '1.20G'."""
    for scale, suffix in ((1e9, 'G'), (1e6, 'M'), (1e3, 'K')):
        if value >= scale:
            return f'{value / scale:.2f}{suffix}{unit}'
    return f'{value:g}{unit}'


def zoo_rows(model_index: str, task: str) -> List[List[str]]:
    """Table rows of one task's models: name, params, FLOPs, results,
    config, weights.

    Args:
        model_index (str): ``model-index.yml``.
        task (str): A ``TASK_OF_SCOPE`` value.

    Returns:
        list[list[str]]: One row per model (Markdown cells).
    """
    root = osp.dirname(model_index)
    rows = []
    for metafile, model in iter_models(model_index):
        if metafile_task(metafile) != task:
            continue
        meta = model.get('Metadata', {})
        results = []
        for result in model.get('Results') or []:
            metrics = ', '.join(f'{k} {v}'
                                for k, v in result['Metrics'].items())
            results.append(f'{result["Dataset"]}: {metrics}')
        source = meta.get('Results From')
        result_text = '; '.join(results) + (f' ({source})'
                                            if results and source else '')
        config = model['Config']
        rel = osp.relpath(
            osp.join(root, config), osp.join(root, 'docs', 'model_zoo'))
        weights = model.get('Weights')
        rows.append([
            f'`{model["Name"]}`',
            _human(meta['Parameters']),
            _human(meta['FLOPs']),
            meta.get('Input Size', ''),
            result_text or '-',
            f'[config]({rel})',
            f'`{weights}`' if weights else '-',
        ])
    return rows


def zoo_markdown(model_index: str, task: str) -> str:
    """A Markdown model-zoo table of one task (see :func:`zoo_rows`)."""
    head = [
        'Model', 'Params', 'FLOPs (MACs)', 'Input', 'Published results',
        'Config', 'Weights'
    ]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    lines += [
        '| ' + ' | '.join(row) + ' |' for row in zoo_rows(model_index, task)
    ]
    return '\n'.join(lines)


_USAGE = {
    'Image Classification': ('classification', '''\
Every name below works with mmpretrain once `mm_pplcnet` is imported
(the weights are PaddleClas' files, downloaded once and converted on the
fly by the `paddle://` checkpoint scheme):

```python
import mm_pplcnet  # registers the models, paddle:// and the model index
from mmpretrain import ImageClassificationInferencer, get_model, list_models

print(list_models('*pplcnet*'))
model = get_model('pplcnet-x1.0_3rdparty_in1k', pretrained=True)
result = ImageClassificationInferencer('pplcnet-x1.0_3rdparty_in1k')(
    'demo.jpg')[0]
print(result['pred_class'], result['pred_score'])
```

As a backbone in any config:
`init_cfg=dict(type='Pretrained', checkpoint='paddle://PPLCNet_x1_0',
prefix='backbone.')`.'''),
    'Object Detection': ('detection', '''\
mmdet's `DetInferencer` reads names only from mmdet's own index: pass our
config and the weights (a `paddle://` name converts PaddleDetection's
file on the fly, or a converted `.pth`):

```python
import mm_pplcnet  # noqa: F401 (paddle:// and our modules)
from mmdet.apis import DetInferencer

inferencer = DetInferencer(
    model='configs/picodet/picodet-s_lcnet_416_coco.py',
    weights='paddle://picodet_s_416_coco_lcnet', device='cpu')
result = inferencer('demo.jpg', out_dir='outputs/')
```

`load_from = 'paddle://picodet_s_416_coco_lcnet'` fine-tunes from it.'''),
    'Semantic Segmentation': ('segmentation', '''\
No DeepLabV3+ weights on PP-LCNet are published (PaddleClas reports mIoU
for an unpublished recipe: the numbers below). Train with a config (its
backbone starts from PaddleClas' ImageNet weights: convert them as the
config's comment says, or let the scheme do it with
`--cfg-options model.backbone.init_cfg.checkpoint=paddle://PPLCNet_x1_0`),
then run mmseg's Inferencer on the checkpoint:

```python
import mm_pplcnet  # noqa: F401
from mmseg.apis import MMSegInferencer

inferencer = MMSegInferencer(
    model='configs/deeplabv3plus/'
    'deeplabv3plus_pplcnet-x1.0-d8_4xb2-80k_cityscapes-512x1024.py',
    weights='work_dirs/.../iter_80000.pth', device='cpu')
result = inferencer('street.png', out_dir='outputs/')
```'''),
}


def zoo_page(model_index: str, task: str) -> str:
    """The model-zoo page of one task (``docs/model_zoo/<task>.md``).

    Args:
        model_index (str): ``model-index.yml``.
        task (str): A ``TASK_OF_SCOPE`` value.

    Returns:
        str: Markdown.
    """
    _, usage = _USAGE[task]
    return f'''# Model zoo: {task.lower()}

<!-- generated from the metafiles by tools/misc/model_zoo_docs.py:
     edit configs/*/metafile.yml, then run it again -->

{usage}

Params are `sum(p.numel())` of the model the config builds (PaddleClas'
own tables also count BN running statistics); for PP-LCNetV2 that is the
trainable network with its re-parameterizable branches, which
`switch_to_deploy()` folds into fewer parameters (base: 6.62M, see
[pplcnetv2.md](../pplcnetv2.md)). FLOPs are multiply-adds of
convolutions and linear layers of the deployed (folded) network at the
input size shown (metafiles also list Paddle-style FLOPs, which add BN
and pooling as `paddle.flops` does). Both are measured by
`python tools/misc/metafile_complexity.py`. Published results are the
numbers PaddleClas / PaddleDetection / PP-Structure publish for their
own Paddle weights; they were not re-measured here (no ImageNet, COCO or
Cityscapes on the machine this was written on). Entries without weights
are configs to train.

{zoo_markdown(model_index, task)}
'''


def zoo_pages(model_index: str) -> Dict[str, str]:
    """Every model-zoo page: file name (``classification.md``, ...) to
    Markdown."""
    return {
        f'{name}.md': zoo_page(model_index, task)
        for task, (name, _) in _USAGE.items()
    }
