"""PicoDet post-processing for the exported ONNX graph, in numpy.

The ONNX graph ends with the raw head outputs (see
``tools/deployment/export_onnx.py``): per level the class scores (already
probabilities) and the box distributions. This is the reference of the
post-processing to run next to it, equal to ``PicoHeadV2.predict`` and
to the legacy ``PicoHead``'s (same outputs, same post-processing); it
uses numpy only, so it ports directly to any runtime.
"""
from typing import List, Sequence, Tuple

import numpy as np


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def _nms(boxes: np.ndarray, scores: np.ndarray, iou_thr: float) -> np.ndarray:
    """Greedy NMS; returns kept indices, best first."""
    order = np.argsort(-scores, kind='stable')
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(boxes[i, 0], boxes[order[1:], 0])
        yy1 = np.maximum(boxes[i, 1], boxes[order[1:], 1])
        xx2 = np.minimum(boxes[i, 2], boxes[order[1:], 2])
        yy2 = np.minimum(boxes[i, 3], boxes[order[1:], 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        iou = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[1:][iou <= iou_thr]
    return np.asarray(keep, dtype=np.int64)


def decode_picodet(
    outputs: Sequence[np.ndarray],
    strides: Sequence[int] = (8, 16, 32, 64),
    reg_max: int = 7,
    score_thr: float = 0.025,
    nms_pre: int = 1000,
    iou_thr: float = 0.6,
    max_per_img: int = 100,
    cell_offset: float = 0.5
) -> List[Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Boxes, scores and labels from PicoDet's raw outputs.

    Args:
        outputs (Sequence[np.ndarray]): The graph's outputs in order: the
            class scores of every level ``(N, C, H, W)``, then the box
            distributions of every level ``(N, 4 * (reg_max + 1), H, W)``.
        strides (Sequence[int]): Level strides. Defaults to 8 ... 64.
        reg_max (int): Largest distance bin. Defaults to 7.
        score_thr (float): Minimum score. Defaults to 0.025.
        nms_pre (int): Candidates kept per class before NMS. Defaults to
            1000.
        iou_thr (float): NMS IoU threshold (per class). Defaults to 0.6.
        max_per_img (int): Detections kept per image. Defaults to 100.
        cell_offset (float): Cell-centre offset. Defaults to 0.5.

    Returns:
        list[tuple]: Per image ``(boxes (K, 4) x1y1x2y2 in input pixels,
        scores (K,), labels (K,))``, best first.
    """
    levels = len(strides)
    if len(outputs) != 2 * levels:
        raise ValueError(f'expected {2 * levels} outputs (scores and '
                         f'distributions of {levels} levels), got '
                         f'{len(outputs)}')
    scores, boxes = [], []
    bins = np.arange(reg_max + 1, dtype=np.float32)
    for cls, dist, stride in zip(outputs[:levels], outputs[levels:], strides):
        n, c, h, w = cls.shape
        scores.append(cls.reshape(n, c, h * w).transpose(0, 2, 1))
        prob = _softmax(dist.reshape(n, 4, reg_max + 1, h * w), axis=2)
        ltrb = (prob * bins[None, None, :, None]).sum(2) * stride
        ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing='ij')
        cx = (xs.reshape(-1) + cell_offset) * stride
        cy = (ys.reshape(-1) + cell_offset) * stride
        boxes.append(
            np.stack([
                cx - ltrb[:, 0], cy - ltrb[:, 1], cx + ltrb[:, 2],
                cy + ltrb[:, 3]
            ], -1))
    scores = np.concatenate(scores, 1)
    boxes = np.concatenate(boxes, 1)
    results = []
    for img_scores, img_boxes in zip(scores, boxes):
        kept_boxes, kept_scores, kept_labels = [], [], []
        for label in range(img_scores.shape[1]):
            s = img_scores[:, label]
            idx = np.nonzero(s > score_thr)[0]
            idx = idx[np.argsort(-s[idx], kind='stable')][:nms_pre]
            keep = idx[_nms(img_boxes[idx], s[idx], iou_thr)]
            kept_boxes.append(img_boxes[keep])
            kept_scores.append(s[keep])
            kept_labels.append(np.full(len(keep), label))
        b = np.concatenate(kept_boxes)
        s = np.concatenate(kept_scores)
        lab = np.concatenate(kept_labels)
        order = np.argsort(-s, kind='stable')[:max_per_img]
        results.append((b[order], s[order], lab[order]))
    return results
