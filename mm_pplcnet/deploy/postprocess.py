"""Post-processing of the deploy graphs' outputs, in numpy and OpenCV.

Vectorised (no Python loop per box): the deploy graph of a detector
already decodes boxes (see :mod:`mm_pplcnet.deploy.builder`), so what is
left is thresholding, the per-class top-k, rescaling and NMS, which is
OpenCV's ``cv2.dnn.NMSBoxes``, one call per class present (the result of
mmcv's ``batched_nms``). Each function mirrors the PyTorch ``predict`` it
replaces (named in its docstring).
"""
from typing import Dict, Sequence, Tuple

import numpy as np


def classify(scores: np.ndarray, topk: int = 5) -> Dict:
    """Top-k classes of one image (mmpretrain ``ClsHead.predict``).

    Args:
        scores (np.ndarray): ``(C,)`` class probabilities.
        topk (int): Classes returned, best first. Defaults to 5.

    Returns:
        dict: ``label`` (int), ``score`` (float), ``topk_labels`` (k,)
        int64, ``topk_scores`` (k,) float32 and ``scores`` (C,).
    """
    k = min(topk, scores.shape[0])
    # stable on ties: the lowest index first, as torch.argmax
    order = np.argsort(-scores, kind='stable')[:k]
    return dict(
        label=int(order[0]),
        score=float(scores[order[0]]),
        topk_labels=order.astype(np.int64),
        topk_scores=scores[order].astype(np.float32),
        scores=scores)


def _per_class_topk(labels: np.ndarray, values: np.ndarray,
                    k: int) -> np.ndarray:
    """Mask of the ``k`` best candidates of every class."""
    order = np.lexsort((-values, labels))
    sorted_labels = labels[order]
    first = np.searchsorted(sorted_labels, sorted_labels, side='left')
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size) - first
    return rank < k


def batched_nms(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray,
                iou_thr: float) -> np.ndarray:
    """Per-class greedy NMS, the result of mmcv's ``batched_nms``.

    One ``cv2.dnn.NMSBoxes`` call per class present (greedy NMS costs the
    candidates times the kept boxes: per class that is far less than on
    mmcv's class-offset boxes, which come to the same result).

    Args:
        boxes (np.ndarray): ``(K, 4)`` x1y1x2y2.
        scores (np.ndarray): ``(K,)``.
        labels (np.ndarray): ``(K,)`` class indices.
        iou_thr (float): A box whose IoU with a better one of its class is
            above this is dropped.

    Returns:
        np.ndarray: Kept indices, best score first.
    """
    import cv2
    if not len(boxes):
        return np.zeros(0, np.int64)
    b = boxes.astype(np.float64)
    xywh = np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], 1)
    s = scores.astype(np.float64)
    kept = []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        keep = cv2.dnn.NMSBoxes(xywh[idx], s[idx], 0.0, float(iou_thr))
        kept.append(idx[np.asarray(keep, np.int64).reshape(-1)])
    kept = np.concatenate(kept)
    return kept[np.argsort(-scores[kept], kind='stable')]


def detect(scores: np.ndarray, boxes: np.ndarray,
           scale_factor: Tuple[float, float], cfg: Dict) -> Dict:
    """Detections of one image (our ``PicoHeadV2._postprocess``).

    Per class the ``nms_pre`` best candidates above ``score_thr``, boxes
    divided by the resize factors (to original-image pixels, not
    clipped), per-class NMS, the ``max_per_img`` best.

    Args:
        scores (np.ndarray): ``(L, C)`` class probabilities per prior.
        boxes (np.ndarray): ``(L, 4)`` x1y1x2y2 in network-input pixels.
        scale_factor (tuple[float, float]): ``(w_scale, h_scale)`` of the
            preprocessing.
        cfg (dict): ``score_thr``, ``nms_pre``, ``iou_threshold``,
            ``max_per_img``.

    Returns:
        dict: ``boxes`` (K, 4) float32, ``scores`` (K,) float32, ``labels``
        (K,) int64, best first.
    """
    prior_idx, labels = np.nonzero(scores > cfg['score_thr'])
    values = scores[prior_idx, labels]
    if cfg.get('nms_pre', -1) > 0 and values.size:
        keep = _per_class_topk(labels, values, cfg['nms_pre'])
        prior_idx, labels, values = prior_idx[keep], labels[keep], values[keep]
    w_scale, h_scale = scale_factor
    kept = boxes[prior_idx] / np.asarray([w_scale, h_scale, w_scale, h_scale],
                                         np.float32)
    order = batched_nms(kept, values, labels, cfg['iou_threshold'])
    if cfg.get('max_per_img', -1) > 0:
        order = order[:cfg['max_per_img']]
    return dict(
        boxes=kept[order].astype(np.float32),
        scores=values[order].astype(np.float32),
        labels=labels[order].astype(np.int64))


def segment(logits: np.ndarray, img_shape: Sequence[int],
            ori_shape: Sequence[int]) -> np.ndarray:
    """Label map of one image (mmseg ``postprocess_result``).

    Args:
        logits (np.ndarray): ``(C, H, W)`` logits at the (padded) network
            input size.
        img_shape (Sequence[int]): ``(h, w)`` of the resized image inside
            the input (the rest is padding, cut off).
        ori_shape (Sequence[int]): ``(H, W)`` of the original image.

    Returns:
        np.ndarray: ``(H, W)`` int64 class indices.
    """
    import cv2
    h, w = img_shape
    hwc = np.ascontiguousarray(logits[:, :h, :w].transpose(1, 2, 0))
    if (h, w) != tuple(ori_shape):
        # bilinear, half-pixel centres: F.interpolate(align_corners=False)
        hwc = cv2.resize(
            hwc, (int(ori_shape[1]), int(ori_shape[0])),
            interpolation=cv2.INTER_LINEAR)
        if hwc.ndim == 2:  # cv2 drops a single channel
            hwc = hwc[..., None]
    return hwc.argmax(-1).astype(np.int64)
