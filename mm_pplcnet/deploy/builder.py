"""Write deploy folders: the model of a config as an ONNX / OpenVINO graph
plus ``deploy.json`` (preprocessing, classes, post-processing).

The deploy graph ends where the runtime stops being faster than numpy:
classifiers end with the softmax; detectors with the decoded boxes of
every prior (``(N, L, 4)`` in input pixels) and their class scores
(``(N, L, C)``), thresholding and NMS run in
:mod:`mm_pplcnet.deploy.postprocess`; segmentors with the logits resized
to the input size, as mmseg's ``decode_head.predict`` (the resize to the
original image and the argmax run in numpy).
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .predictor import BACKENDS, DEPLOY_JSON, FORMAT, FORMAT_VERSION, sha256
from .preprocess import INTERPOLATIONS

_SKIPPED = ('LoadImageFromFile', 'LoadAnnotations', 'PackInputs',
            'PackDetInputs', 'PackSegInputs', 'mmdet.LoadAnnotations',
            'mmdet.PackDetInputs')


def test_pipeline(cfg) -> List[dict]:
    """The config's test pipeline (``test_dataloader``'s, else
    ``test_pipeline``).

    Args:
        cfg (Config): The config.

    Returns:
        list[dict]: The transforms.
    """
    pipeline = cfg.get('test_dataloader', {}).get(
        'dataset', {}).get('pipeline') or cfg.get('test_pipeline')
    if not pipeline:
        raise ValueError('the config has no test pipeline '
                         '(test_dataloader.dataset.pipeline)')
    return [dict(t) for t in pipeline]


def _interp(step: dict) -> str:
    name = step.get('interpolation', 'bilinear')
    if name not in INTERPOLATIONS:
        raise ValueError(f'{step["type"]}: interpolation {name!r} is not '
                         f'one of {INTERPOLATIONS}')
    backend = step.get('backend', 'cv2')
    if backend not in (None, 'cv2'):
        raise ValueError(f'{step["type"]}: backend {backend!r}: deploy '
                         "folders resize with OpenCV; use backend='cv2'")
    return name


def preprocess_spec(cfg) -> Dict:
    """``deploy.json``'s ``preprocess``: the test pipeline's geometric
    steps and the data preprocessor's normalisation.

    Supported steps: ``Resize`` (mmcv / mmdet / mmseg: ``scale``,
    ``keep_ratio``), ``ResizeEdge`` (mmpretrain) and ``CenterCrop``;
    loading, annotations and packing are skipped.

    Args:
        cfg (Config): The config.

    Returns:
        dict: ``steps``, ``to_rgb``, ``mean``, ``std``,
        ``pad_size_divisor``, ``pad_value`` and ``input_size`` ((H, W)
        when every image reaches the network at that size, else None).

    Raises:
        ValueError: A transform deploy folders do not reproduce.
    """
    steps: List[dict] = []
    fixed = None
    for t in test_pipeline(cfg):
        kind = t['type'].split('.')[-1]
        if t['type'] in _SKIPPED or kind in _SKIPPED:
            continue
        if kind == 'Resize' and 'scale' in t and not t.get('scale_factor'):
            scale = t['scale']
            scale = [scale, scale] if isinstance(scale, int) else list(scale)
            keep = bool(t.get('keep_ratio', False))
            steps.append(
                dict(
                    type='resize',
                    scale=scale,
                    keep_ratio=keep,
                    interpolation=_interp(t)))
            fixed = None if keep else (scale[1], scale[0])
        elif kind == 'ResizeEdge':
            steps.append(
                dict(
                    type='resize_edge',
                    scale=int(t['scale']),
                    edge=t.get('edge', 'short'),
                    interpolation=_interp(t)))
            fixed = None
        elif kind == 'CenterCrop' and not t.get('auto_pad'):
            crop = t['crop_size']
            crop = [crop, crop] if isinstance(crop, int) else list(crop)
            steps.append(dict(type='center_crop', crop_size=crop))
            # smaller images stay smaller: fixed only after a resize that
            # makes both sides at least the crop
            if steps[:-1] and steps[-2]['type'] == 'resize_edge' and \
                    steps[-2]['scale'] >= max(crop) and \
                    steps[-2]['edge'] == 'short':
                fixed = (crop[1], crop[0])
            else:
                fixed = None
        else:
            raise ValueError(f'test pipeline step {t} is not supported by '
                             'deploy folders (Resize, ResizeEdge, '
                             'CenterCrop are); change the config')
    pre = cfg.model.get('data_preprocessor') or cfg.get(
        'data_preprocessor') or {}
    for key in ('mean', 'std'):
        if pre.get(key) is None:
            raise ValueError(f'the data preprocessor has no {key}')
    to_rgb = bool(pre.get('to_rgb', pre.get('bgr_to_rgb', False)))
    divisor = int(pre.get('pad_size_divisor', 1) or 1)
    if fixed and divisor > 1:
        fixed = tuple(-(-s // divisor) * divisor for s in fixed)
    return dict(
        steps=steps,
        to_rgb=to_rgb,
        mean=[float(v) for v in pre['mean']],
        std=[float(v) for v in pre['std']],
        pad_size_divisor=divisor,
        pad_value=float(pre.get('pad_value', 0)),
        input_size=list(fixed) if fixed else None)


class ClassifierGraph(nn.Module):
    """Class probabilities of an mmpretrain classifier, ``(N, C)``.

    Args:
        model (nn.Module): An ``ImageClassifier``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Softmax of the logits (``ClsHead.predict``).

        Args:
            x (torch.Tensor): ``(N, 3, H, W)`` normalised images.

        Returns:
            torch.Tensor: ``(N, num_classes)`` probabilities.
        """
        return F.softmax(self.model(x, mode='tensor'), dim=1)


class DetectorGraph(nn.Module):
    """Scores and decoded boxes of every prior of a PicoDet detector.

    Args:
        model (nn.Module): A detector with a ``PicoHeadV2`` / ``PicoHead``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        head = model.bbox_head
        for attr in ('_flatten', 'integral', 'distance2bbox'):
            if not hasattr(head, attr):
                raise ValueError(f'{type(head).__name__} is not a PicoDet '
                                 'head: deploy folders support PicoHead and '
                                 'PicoHeadV2 detectors')

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Run the network and decode the boxes (``predict_by_feat``
        before thresholding).

        Args:
            x (torch.Tensor): ``(N, 3, H, W)`` normalised images.

        Returns:
            tuple[torch.Tensor]: ``(N, L, C)`` class probabilities and
            ``(N, L, 4)`` x1y1x2y2 boxes in input pixels, L priors over
            all levels.
        """
        head = self.model.bbox_head
        cls_scores, bbox_preds = head(self.model.extract_feat(x))
        scores, dists, points, strides, _ = head._flatten(
            cls_scores, bbox_preds)
        boxes = head.distance2bbox(points, head.integral(dists) * strides)
        return scores, boxes


class SegmentorGraph(nn.Module):
    """Logits of an mmseg ``EncoderDecoder`` at the input size.

    Args:
        model (nn.Module): The segmentor.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``encode_decode`` without metas: decode head, bilinear resize
        to the input size.

        Args:
            x (torch.Tensor): ``(N, 3, H, W)`` normalised images.

        Returns:
            torch.Tensor: ``(N, num_classes, H, W)`` logits.
        """
        head = self.model.decode_head
        logits = head(self.model.extract_feat(x))
        return F.interpolate(
            logits,
            size=x.shape[2:],
            mode='bilinear',
            align_corners=head.align_corners)


TASK_OF_SCOPE = dict(
    mmpretrain='classification', mmdet='detection', mmseg='segmentation')


def deploy_graph(model: nn.Module, scope: str) -> Tuple[nn.Module, List[str]]:
    """The deploy graph of a model and its output names.

    Args:
        model (nn.Module): An eval-mode model of one of our configs.
        scope (str): Its default scope.

    Returns:
        tuple: The module and the names of its outputs.
    """
    task = TASK_OF_SCOPE[scope]
    if task == 'classification':
        return ClassifierGraph(model).eval(), ['scores']
    if task == 'detection':
        return DetectorGraph(model).eval(), ['scores', 'boxes']
    if getattr(model.decode_head, 'align_corners', False):
        raise ValueError('deploy folders resize logits with OpenCV, which '
                         'has no align_corners=True; the config sets it')
    return SegmentorGraph(model).eval(), ['logits']


def postprocess_spec(model: nn.Module, task: str) -> Dict:
    """``deploy.json``'s ``postprocess`` from the model's test settings.

    Args:
        model (nn.Module): The model.
        task (str): Its task.

    Returns:
        dict: Classification ``topk``; detection ``score_thr``,
        ``nms_pre``, ``iou_threshold``, ``max_per_img``; segmentation
        nothing.
    """
    if task == 'classification':
        return dict(topk=5)
    if task == 'segmentation':
        return {}
    cfg = model.bbox_head.test_cfg
    nms = cfg.get('nms', {})
    if nms.get('type', 'nms') != 'nms':
        raise ValueError(f'test_cfg.nms type {nms.get("type")!r}: deploy '
                         "folders run plain 'nms'")
    return dict(
        score_thr=float(cfg.get('score_thr', 0)),
        nms_pre=int(cfg.get('nms_pre', -1)),
        iou_threshold=float(nms.get('iou_threshold', 0.5)),
        max_per_img=int(cfg.get('max_per_img', -1)))


def class_meta(cfg, scope: str, num_classes: int,
               checkpoint: Optional[str]) -> Tuple[List[str], List]:
    """Class names and palette: the checkpoint's ``dataset_meta``, else
    the config's test dataset, else Cityscapes' (mmseg) or numbers.

    Args:
        cfg (Config): The config.
        scope (str): Its scope.
        num_classes (int): Classes the model predicts.
        checkpoint (str, optional): The checkpoint.

    Returns:
        tuple: Names and an RGB palette (maybe empty).
    """
    meta: Dict = {}
    if checkpoint:
        from ..utils.checkpoint import read_checkpoint
        ckpt = read_checkpoint(checkpoint)
        if isinstance(ckpt, dict):
            meta = dict((ckpt.get('meta') or {}).get('dataset_meta') or {})
    if not meta.get('classes'):
        registry = __import__(f'{scope}.registry', fromlist=['DATASETS'])
        try:
            dataset = dict(cfg.test_dataloader.dataset, lazy_init=True)
            meta = dict(registry.DATASETS.build(dataset).metainfo)
        except Exception:  # noqa: BLE001 - data not present: next source
            meta = dict(cfg.test_dataloader.dataset.get('metainfo') or {})
    classes = list(meta.get('classes') or [])
    if len(classes) != num_classes and scope == 'mmseg' and num_classes == 19:
        from ..apis.segmentation import cityscapes_meta
        meta = cityscapes_meta()
        classes = list(meta['classes'])
    if len(classes) != num_classes:
        classes = [str(i) for i in range(num_classes)]
        meta = {}
    palette = [list(map(int, c)) for c in meta.get('palette') or []]
    return classes, palette[:num_classes]


def _num_classes(model: nn.Module, task: str) -> int:
    head = dict(
        classification='head',
        detection='bbox_head',
        segmentation='decode_head')[task]
    return int(getattr(model, head).num_classes)


def export_graph(graph: nn.Module,
                 names: Sequence[str],
                 path: str,
                 example: torch.Tensor,
                 dynamic_hw: bool,
                 opset: int = 17) -> None:
    """Export a deploy graph to ONNX with a dynamic batch (and size).

    Args:
        graph (nn.Module): The deploy graph.
        names (Sequence[str]): Output names.
        path (str): Output ``.onnx``.
        example (torch.Tensor): Example input.
        dynamic_hw (bool): Whether height and width are dynamic too.
        opset (int): Opset. Defaults to 17.
    """
    import warnings
    axes = {0: 'batch'}
    if dynamic_hw:
        axes.update({2: 'height', 3: 'width'})
    dynamic = {'input': axes}
    dynamic.update({n: {0: 'batch'} for n in names})
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter('ignore')
        torch.onnx.export(
            graph,
            example,
            path,
            opset_version=opset,
            input_names=['input'],
            output_names=list(names),
            dynamic_axes=dynamic,
            dynamo=False)


def write_deploy_folder(model: nn.Module,
                        cfg,
                        scope: str,
                        out: str,
                        backend: str = 'onnxruntime',
                        checkpoint: Optional[str] = None,
                        config: Optional[str] = None,
                        onnx_path: Optional[str] = None,
                        extra: Optional[Dict] = None) -> Dict:
    """Export ``model`` and write a deploy folder.

    Args:
        model (nn.Module): Eval-mode model of the config.
        cfg (Config): The config.
        scope (str): Its scope.
        out (str): Output folder (created; its model files are replaced).
        backend (str): 'onnxruntime' (``model.onnx``) or 'openvino'
            (``model.xml`` + ``model.bin``).
        checkpoint (str, optional): Where the weights came from (recorded;
            class names are read from its meta).
        config (str, optional): Config path (recorded).
        onnx_path (str, optional): Use this ONNX graph (e.g. a quantized
            one) instead of exporting ``model``.
        extra (dict, optional): More keys for ``deploy.json``.

    Returns:
        dict: The ``deploy.json`` written.
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend {backend!r} is not one of {BACKENDS}')
    task = TASK_OF_SCOPE[scope]
    pre = preprocess_spec(cfg)
    graph, names = deploy_graph(model, scope)
    os.makedirs(out, exist_ok=True)
    onnx_file = osp.join(out, 'model.onnx')
    size = pre['input_size']
    if onnx_path is None:
        hw = size or [max(64, pre['pad_size_divisor'] * 2)] * 2
        export_graph(
            graph,
            names,
            onnx_file,
            torch.zeros(1, 3, *hw),
            dynamic_hw=size is None)
    elif osp.abspath(onnx_path) != osp.abspath(onnx_file):
        shutil.copyfile(onnx_path, onnx_file)
    if backend == 'openvino':
        import openvino as ov
        ov.save_model(
            ov.convert_model(onnx_file),
            osp.join(out, 'model.xml'),
            compress_to_fp16=False)
        os.remove(onnx_file)
        files = ['model.xml', 'model.bin']
    else:
        files = ['model.onnx']
    classes, palette = class_meta(cfg, scope, _num_classes(model, task),
                                  checkpoint)
    spec = dict(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        task=task,
        backend=backend,
        config=config,
        checkpoint=checkpoint,
        model=dict(
            graph=files[0],
            files={f: sha256(osp.join(out, f))
                   for f in files},
            input='input',
            outputs=list(names),
            fixed_size=size is not None,
            precision='fp32'),
        preprocess=pre,
        classes=classes,
        palette=palette,
        postprocess=postprocess_spec(model, task))
    spec.update(extra or {})
    with open(osp.join(out, DEPLOY_JSON), 'w') as f:
        json.dump(spec, f, indent=2)
    return spec


def example_images(n: int = 2, seed: int = 0) -> List[np.ndarray]:
    """Non-square BGR test images of odd sizes (smooth, so that resizes
    of any interpolation mean something).

    Args:
        n (int): Number of images. Defaults to 2.
        seed (int): Seed. Defaults to 0.

    Returns:
        list[np.ndarray]: ``(H, W, 3)`` uint8 images.
    """
    import cv2
    rng = np.random.default_rng(seed)
    sizes = [(301, 517), (433, 255), (217, 391), (511, 381)]
    out = []
    for i in range(n):
        h, w = sizes[i % len(sizes)]
        small = rng.integers(0, 256, (h // 16 + 2, w // 16 + 2, 3), np.uint8)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        noise = rng.integers(-12, 13, img.shape)
        out.append(np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8))
    return out
