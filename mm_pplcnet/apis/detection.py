"""Run a detector of ours on an image and draw its boxes."""
import os
import os.path as osp
from typing import List, Optional, Tuple, Union

import numpy as np
import torch
from torch import nn

import mm_pplcnet  # noqa: F401 (registers the detectors)

Detection = Tuple[str, float, Tuple[float, float, float, float]]


def check_files(**files: Optional[str]) -> None:
    """Raise a one-line error for the first named file that is absent.

    Args:
        **files (str, optional): ``what=path`` pairs, e.g.
            ``config='a.py'``; None and URLs are not checked.
    """
    for what, path in files.items():
        if path is not None and '://' not in path and not osp.isfile(path):
            raise FileNotFoundError(f'{what} file {path!r} does not exist')


def load_detector(config: str,
                  checkpoint: Optional[str] = None,
                  device: str = 'cpu',
                  score_thr: Optional[float] = None) -> nn.Module:
    """Build the detector of an mmdet config of ours and load weights.

    The class names and palette are the config's (its test dataset's
    metainfo): a converted PaddleDetection checkpoint carries none, and a
    checkpoint trained with the config has the same.

    Args:
        config (str): An mmdet config (``default_scope='mmdet'``).
        checkpoint (str, optional): Weights (None: random, only useful to
            check the plumbing).
        device (str): Torch device. Defaults to 'cpu'.
        score_thr (float, optional): When lower than the config's test
            ``score_thr``, the model keeps boxes down to this score.

    Returns:
        nn.Module: The detector in eval mode with ``dataset_meta``
        (``classes`` and a ``palette`` of RGB tuples, one per class) and
        ``cfg``.
    """
    from mmdet.registry import DATASETS, MODELS
    from mmdet.visualization import get_palette
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    from ..utils.checkpoint import load_pretrained_strict
    check_files(config=config, checkpoint=checkpoint)
    cfg = Config.fromfile(config)
    if cfg.get('default_scope') != 'mmdet':
        raise ValueError(f'{config} is not an mmdet config (default_scope '
                         f'{cfg.get("default_scope")!r})')
    test_cfg = cfg.model.get('test_cfg')
    if score_thr is not None and test_cfg and score_thr < test_cfg.get(
            'score_thr', 0):
        test_cfg.score_thr = score_thr
    # as mmdet's init_detector, without its fallback to COCO's class names
    # (the names are the config's, below)
    cfg.model.backbone.init_cfg = None
    init_default_scope('mmdet')
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    if checkpoint is not None:
        # every key must fit: a checkpoint of another size or class count
        # is an error that lists the keys, not a silently random head
        load_pretrained_strict(model, checkpoint)
    model.cfg = cfg
    model.to(device).eval()
    dataset = dict(cfg.test_dataloader.dataset, lazy_init=True)
    meta = DATASETS.build(dataset).metainfo
    classes = tuple(meta['classes'])
    num_classes = getattr(model.bbox_head, 'num_classes', len(classes))
    if len(classes) != num_classes:
        raise ValueError(f'{config}: the model predicts {num_classes} '
                         f'classes but the dataset names {len(classes)}')
    palette = get_palette(meta.get('palette', 'random'), len(classes))
    model.dataset_meta = dict(
        classes=classes,
        palette=[tuple(int(c) for c in colour) for colour in palette])
    return model


def _kept_boxes(pred, classes: Tuple[str, ...],
                score_thr: float) -> List[Detection]:
    """``(name, score, box)`` of the predicted instances above a score,
    highest score first."""
    keep = pred.scores >= score_thr
    detections = [(classes[int(label)], float(score),
                   tuple(float(v) for v in box)) for label, score, box in
                  zip(pred.labels[keep], pred.scores[keep], pred.bboxes[keep])]
    return sorted(detections, key=lambda d: -d[1])


def predict_boxes(model: nn.Module,
                  image: Union[str, np.ndarray],
                  score_thr: float = 0.3) -> List[Detection]:
    """Boxes of one image above a score.

    Args:
        model (nn.Module): A detector from :func:`load_detector`.
        image (str | np.ndarray): Image file or BGR ``(H, W, 3)`` array.
        score_thr (float): Boxes below this score are dropped. Defaults to
            0.3.

    Returns:
        list: ``(class name, score, (x1, y1, x2, y2))`` per kept box in
        image pixels, highest score first.
    """
    from mmdet.apis import inference_detector
    with torch.no_grad():
        pred = inference_detector(model, image).pred_instances
    return _kept_boxes(pred, model.dataset_meta['classes'], score_thr)


def detect_image(config: str,
                 checkpoint: Optional[str],
                 image: str,
                 out_file: Optional[str] = None,
                 score_thr: float = 0.3,
                 device: str = 'cpu') -> List[Detection]:
    """Detect objects in ``image`` and optionally save a drawing.

    Args:
        config (str): An mmdet config of ours (e.g. configs/picodet/...).
        checkpoint (str, optional): Trained weights (None: random, only
            useful to check the plumbing).
        image (str): Image file.
        out_file (str, optional): Where to save the image with the boxes
            and labels drawn (mmdet's visualizer).
        score_thr (float): Boxes below this score are dropped. Defaults to
            0.3.
        device (str): Torch device. Defaults to 'cpu'.

    Returns:
        list: ``(class name, score, (x1, y1, x2, y2))`` per kept box,
        highest score first.
    """
    import mmcv
    from mmdet.apis import inference_detector
    from mmdet.registry import VISUALIZERS
    check_files(config=config, checkpoint=checkpoint, image=image)
    model = load_detector(config, checkpoint, device)
    with torch.no_grad():
        result = inference_detector(model, image)
    detections = _kept_boxes(result.pred_instances,
                             model.dataset_meta['classes'], score_thr)
    if out_file:
        visualizer = VISUALIZERS.build(model.cfg.visualizer)
        visualizer.dataset_meta = model.dataset_meta
        img = mmcv.imread(image, channel_order='rgb')
        os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
        visualizer.add_datasample(
            'result',
            np.ascontiguousarray(img),
            data_sample=result,
            draw_gt=False,
            show=False,
            pred_score_thr=score_thr,
            out_file=out_file)
    return detections
