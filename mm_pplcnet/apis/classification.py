"""Run a classifier of ours on an image: top-k labels with scores."""
from typing import List, Optional, Tuple, Union

import numpy as np
import torch
from torch import nn

import mm_pplcnet  # noqa: F401 (registers the backbones and heads)
from .detection import check_files


def load_classifier(config: str,
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu') -> nn.Module:
    """Build the classifier of an mmpretrain config and load weights.

    Class names come from the config's test dataset ``metainfo``, else
    from the checkpoint's ``meta['classes']`` (converted Paddle models
    carry the names their ONNX export had), else the class indices.

    Args:
        config (str): An mmpretrain config (e.g. the one a converter
            wrote beside its checkpoint).
        checkpoint (str, optional): Weights; every key must fit.
        device (str): Torch device. Defaults to 'cpu'.

    Returns:
        nn.Module: The classifier in eval mode with ``cfg``,
        ``dataset_meta['classes']`` and ``pipeline`` (the config's test
        pipeline, without the image loading, taking a BGR array).
    """
    from mmengine.config import Config
    from mmengine.dataset import Compose
    from mmengine.registry import DefaultScope
    from mmengine.utils import import_modules_from_strings

    from ..converters.common import build_mmpretrain_model
    from ..utils.checkpoint import load_pretrained_strict
    check_files(config=config, checkpoint=checkpoint)
    cfg = Config.fromfile(config)
    if cfg.get('default_scope', 'mmpretrain') != 'mmpretrain':
        raise ValueError(f'{config} is not an mmpretrain config (default_'
                         f'scope {cfg.get("default_scope")!r})')
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    model_cfg = cfg.model.copy()
    model_cfg.backbone.init_cfg = None
    if cfg.get('data_preprocessor') and 'data_preprocessor' not in model_cfg:
        model_cfg.data_preprocessor = dict(
            cfg.data_preprocessor, type='ClsDataPreprocessor')
    model = build_mmpretrain_model(model_cfg)
    classes = None
    if checkpoint is not None:
        load_pretrained_strict(model, checkpoint)
        meta = torch.load(
            checkpoint, map_location='cpu', weights_only=True).get(
                'meta', {}) if '://' not in checkpoint else {}
        classes = meta.get('classes')
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    classes = dataset.get('metainfo', {}).get('classes') or classes
    num_classes = model.head.num_classes
    if classes is None:
        classes = [str(i) for i in range(num_classes)]
    if len(classes) != num_classes:
        raise ValueError(f'{config}: the model predicts {num_classes} '
                         f'classes but {len(classes)} names are given')
    pipeline = cfg.get('test_pipeline') or dataset.get('pipeline')
    if not pipeline:
        raise ValueError(f'{config} has no test_pipeline')
    steps = [s for s in pipeline if 'LoadImage' not in s['type']]
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model.pipeline = Compose(steps)
    model.dataset_meta = dict(classes=tuple(classes))
    model.cfg = cfg
    return model.to(device).eval()


def classify(model: nn.Module,
             image: Union[str, np.ndarray],
             topk: int = 5) -> List[Tuple[str, float]]:
    """Top-k classes of one image.

    Args:
        model (nn.Module): From :func:`load_classifier`.
        image (str | np.ndarray): Image file or BGR ``(H, W, 3)`` uint8
            array.
        topk (int): How many classes. Defaults to 5 (at most the class
            count).

    Returns:
        list: ``(class name, probability)`` pairs, best first
        (probabilities are the softmax of the logits).
    """
    return classify_batch(model, [image], topk)[0]


def classify_batch(model: nn.Module,
                   images: List[Union[str, np.ndarray]],
                   topk: int = 5) -> List[List[Tuple[str, float]]]:
    """:func:`classify` for several images (one forward pass).

    Args:
        model (nn.Module): From :func:`load_classifier`.
        images (list): Image files or BGR arrays.
        topk (int): How many classes per image.

    Returns:
        list: One top-k list per image.
    """
    import mmcv
    batch = []
    for image in images:
        if isinstance(image, str):
            check_files(image=image)
            image = mmcv.imread(image)
        if image is None or image.ndim != 3:
            raise ValueError('expected a BGR (H, W, 3) image')
        batch.append(
            model.pipeline(
                dict(
                    img=image,
                    img_shape=image.shape[:2],
                    ori_shape=image.shape[:2])))
    data = model.data_preprocessor(
        dict(inputs=[b['inputs'] for b in batch]), False)
    with torch.no_grad():
        probs = model(data['inputs'], mode='tensor').softmax(-1)
    classes = model.dataset_meta['classes']
    k = min(topk, len(classes))
    out = []
    for row in probs:
        scores, idx = row.topk(k)
        out.append([(classes[int(i)], float(s)) for s, i in zip(scores, idx)])
    return out
