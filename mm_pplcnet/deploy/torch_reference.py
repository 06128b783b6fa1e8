"""PyTorch ``predict`` of a config's model, in the Predictor's result
format, and the comparison of the two (the deploy folder's check)."""
from typing import Dict, List, Sequence

import numpy as np
import torch
from torch import nn

from .builder import TASK_OF_SCOPE, test_pipeline


def torch_predict(model: nn.Module, cfg, scope: str,
                  images: Sequence[np.ndarray]) -> List[Dict]:
    """Run the config's test pipeline and ``model.test_step`` per image.

    As mmdet's ``inference_detector`` / mmseg's ``inference_model`` with
    a BGR array: the pipeline without its file loading, then the model's
    data preprocessor and ``predict``.

    Args:
        model (nn.Module): Eval-mode model of the config.
        cfg (Config): The config.
        scope (str): Its scope (registries already set up).
        images (Sequence[np.ndarray]): ``(H, W, 3)`` uint8 BGR images.

    Returns:
        list[dict]: Per image what :class:`Predictor` returns
        (classification ``label`` / ``scores``; detection ``boxes``,
        ``scores``, ``labels``; segmentation ``label_map``).
    """
    from mmengine.dataset import Compose, pseudo_collate
    steps = [
        t for t in test_pipeline(cfg)
        if not t['type'].split('.')[-1].startswith(('LoadImage',
                                                    'LoadAnnotations'))
    ]
    pipeline = Compose(steps)
    task = TASK_OF_SCOPE[scope]
    results = []
    for img in images:
        data = pipeline(
            dict(
                img=img,
                img_shape=img.shape[:2],
                ori_shape=img.shape[:2],
                img_path=None,
                img_id=0))
        with torch.no_grad():
            sample = model.test_step(pseudo_collate([data]))[0]
        if task == 'classification':
            scores = sample.pred_score.numpy()
            results.append(dict(label=int(sample.pred_label), scores=scores))
        elif task == 'detection':
            pred = sample.pred_instances
            results.append(
                dict(
                    boxes=pred.bboxes.numpy(),
                    scores=pred.scores.numpy(),
                    labels=pred.labels.numpy()))
        else:
            results.append(
                dict(label_map=sample.pred_sem_seg.data[0].numpy().astype(
                    np.int64)))
    return results
