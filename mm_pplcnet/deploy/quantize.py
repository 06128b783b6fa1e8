"""INT8 post-training quantization of deploy graphs, and its report.

ONNX Runtime: static QDQ (``onnxruntime.quantization.quantize_static``,
per-channel int8 weights, uint8 activations, min-max calibration).
OpenVINO: NNCF ``nncf.quantize`` on the OpenVINO model. Both follow one
policy, found on the real trained PULC text-orientation PP-LCNet and the
CDLA layout PicoDet (docs/deployment.md has the measurements):

- only convolutions run in INT8; hardswish, the SE gates (global pool,
  hardsigmoid, multiply), additions and the classifier's fully connected
  layer stay float (quantizing them as well took agreement with FP32 on
  turned pages from 81 % to 79 %);
- the high-resolution start of the network stays float: the convolutions
  at output stride <= 8 that feed the first one at stride 16 (PP-LCNet's
  stem and blocks2 to blocks4). Quantizing the stem alone flipped 4 % of
  the orientation predictions, one conv of blocks5 or later at most 0.5 %;
- the prediction convolutions (those whose output reaches no other
  convolution: PicoDet's class / box-distribution convs, the segmentation
  classifier, PP-LCNet's 1280-wide last conv) stay float: their outputs
  are the logits and box distributions themselves.
"""
import json
import os
import os.path as osp
import shutil
import tempfile
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import numpy as np

from .preprocess import preprocess, read_image, stack

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
FLOAT_BEFORE_STRIDE = 16
REPORT = 'int8_report.json'


def list_images(folder: str, what: str = 'calibration') -> List[str]:
    """Image files under ``folder`` (recursive, sorted).

    Args:
        folder (str): The folder.
        what (str): What the images are for, in the errors. Defaults to
            'calibration'.

    Returns:
        list[str]: Paths with an image extension.

    Raises:
        FileNotFoundError: The folder does not exist.
        ValueError: It holds no image.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{what} folder {folder!r} does not exist')
    files = sorted(
        osp.join(root, f) for root, _, names in os.walk(folder) for f in names
        if f.lower().endswith(IMAGE_EXTS))
    if not files:
        hint = (': put a few dozen images like the ones you will run on in '
                'it, or use --calib-dataset') if what == 'calibration' else ''
        raise ValueError(f'{what} folder {folder!r} holds no images '
                         f'({", ".join(IMAGE_EXTS)}){hint}')
    return files


def dataset_images(cfg, scope: str) -> List[str]:
    """Image files of the config's test dataset.

    Args:
        cfg (Config): The config.
        scope (str): Its scope.

    Returns:
        list[str]: The image paths.

    Raises:
        FileNotFoundError: The dataset cannot be read.
    """
    registry = __import__(f'{scope}.registry', fromlist=['DATASETS'])
    try:
        dataset = registry.DATASETS.build(cfg.test_dataloader.dataset)
        paths = [
            dataset.get_data_info(i)['img_path'] for i in range(len(dataset))
        ]
    except (FileNotFoundError, OSError, AssertionError) as err:
        raise FileNotFoundError(
            f"the config's test dataset cannot be read ({err}); prepare it "
            'or calibrate on a folder of images with --calib FOLDER') \
            from None
    if not paths:
        raise ValueError("the config's test dataset is empty; use --calib")
    return paths


def split_images(paths: Sequence[str], n: int) -> Tuple[List[str], List[str]]:
    """Calibration and evaluation images: ``n`` spread over ``paths``, and
    up to ``n`` others (the calibration ones again if none are left).

    Args:
        paths (Sequence[str]): All images.
        n (int): Images per part.

    Returns:
        tuple[list[str], list[str]]: Calibration and evaluation paths.
    """
    idx = np.linspace(0, len(paths) - 1, min(n, len(paths))).round()
    calib = sorted(set(int(i) for i in idx))
    rest = [i for i in range(len(paths)) if i not in set(calib)]
    if rest:
        pick = np.linspace(0, len(rest) - 1, min(n, len(rest))).round()
        evaluation = [rest[int(i)] for i in sorted(set(pick))]
    else:
        evaluation = calib
    return [paths[i] for i in calib], [paths[i] for i in evaluation]


def network_inputs(images: Iterable, spec: Dict) -> List[np.ndarray]:
    """Preprocessed ``(1, 3, H, W)`` inputs of images, as the Predictor
    feeds them.

    Args:
        images (Iterable): Files or BGR arrays.
        spec (dict): ``deploy.json``'s ``preprocess``.

    Returns:
        list[np.ndarray]: One batch of one per image.
    """
    items = preprocess([read_image(i) for i in images], spec)
    return [
        stack([it['input']], spec.get('pad_size_divisor', 1),
              spec.get('pad_value', 0)) for it in items
    ]


# ------------------------------------------------------------- the policy
def prepare_onnx(src: str, dst: str) -> str:
    """An ONNX graph ready for quantization: Constant weights turned into
    initializers (paddle2onnx graphs), opset >= 13 (per-channel QDQ), BN
    folded and shapes inferred (``quant_pre_process``).

    Args:
        src (str): Input ``.onnx``.
        dst (str): Output ``.onnx``.

    Returns:
        str: ``dst``.
    """
    import onnx
    from onnx import numpy_helper, version_converter
    from onnxruntime.quantization.shape_inference import quant_pre_process
    model = onnx.load(src)
    keep = []
    for node in model.graph.node:
        if node.op_type == 'Constant' and len(node.attribute) == 1 and \
                node.attribute[0].name == 'value':
            model.graph.initializer.append(
                numpy_helper.from_array(
                    numpy_helper.to_array(node.attribute[0].t),
                    node.output[0]))
        else:
            keep.append(node)
    del model.graph.node[:]
    model.graph.node.extend(keep)
    opset = next(
        (o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')),
        13)
    if opset < 13:
        model = version_converter.convert_version(model, 13)
    with tempfile.TemporaryDirectory() as tmp:
        mid = osp.join(tmp, 'mid.onnx')
        onnx.save(model, mid)
        quant_pre_process(mid, dst, skip_symbolic_shape=True)
    model = onnx.load(dst)
    if fuse_hardswish(model.graph):
        onnx.save(model, dst)
    return dst


def fuse_hardswish(graph) -> int:
    """Put ``HardSigmoid(alpha=1/6, beta=1/2)(x) * x`` back into one
    ``HardSwish(x)``, in place.

    ``quant_pre_process`` inlines ONNX's ``HardSwish`` function into these
    two ops. Neither runtime recognises the pair again: OpenVINO runs
    ``HardSigmoid`` with its reference kernel in plain layout, with a
    layout reorder before and after it (measured on PicoDet-S-416, one
    thread: 40 % of the INT8 network's time), where a ``HardSwish`` is
    fused into the convolution before it. No ONNX tool we depend on
    undoes the inlining, hence this small pass.

    Args:
        graph (onnx.GraphProto): The graph, changed in place.

    Returns:
        int: Pairs fused.
    """
    from onnx import helper
    consumers: Dict[str, List] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    outputs = {o.name for o in graph.output}
    fused, drop = 0, set()
    for node in graph.node:
        if node.op_type != 'HardSigmoid':
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if abs(attrs.get('alpha', 0.2) - 1 / 6) > 1e-6 or \
                abs(attrs.get('beta', 0.5) - 0.5) > 1e-6:
            continue
        users = consumers.get(node.output[0], [])
        if len(users) != 1 or node.output[0] in outputs:
            continue
        mul, pair = users[0], sorted([node.input[0], node.output[0]])
        if mul.op_type != 'Mul' or sorted(mul.input) != pair:
            continue
        # the Mul becomes the HardSwish (same output, same position)
        mul.op_type = 'HardSwish'
        del mul.input[:]
        mul.input.append(node.input[0])
        drop.add(id(node))
        fused += 1
    if fused:
        keep = [n for n in graph.node if id(n) not in drop]
        del graph.node[:]
        graph.node.extend(keep)
    return fused


def float_convs(onnx_path: str, example: np.ndarray) -> Dict[str, List[str]]:
    """The convolutions the policy keeps in float, by reason.

    Args:
        onnx_path (str): A prepared graph (:func:`prepare_onnx`).
        example (np.ndarray): An input, to measure output strides.

    Returns:
        dict: ``high_resolution`` (the convs at output stride < 16
        feeding the first one at stride >= 16) and ``prediction``
        (outputs reach no other conv) node names, and ``quantized`` (the
        other convs).
    """
    import onnx
    import onnxruntime as ort
    model = onnx.load(onnx_path)
    convs = [n for n in model.graph.node if n.op_type == 'Conv']
    # output sizes, measured (shape inference may leave symbols)
    probe = onnx.load(onnx_path)
    have = {o.name for o in probe.graph.output}
    for n in convs:
        if n.output[0] not in have:
            probe.graph.output.append(
                onnx.helper.make_tensor_value_info(n.output[0],
                                                   onnx.TensorProto.FLOAT,
                                                   None))
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'probe.onnx')
        onnx.save(probe, path)
        sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
        names = [n.output[0] for n in convs]
        outs = sess.run(names, {sess.get_inputs()[0].name: example})
    height = example.shape[2]
    stride = {
        n.name: height / o.shape[2] if o.ndim == 4 else np.inf
        for n, o in zip(convs, outs)
    }
    producer = {o: n for n in model.graph.node for o in n.output}
    consumers: Dict[str, List] = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    # the convs feeding the first one at output stride >= 16
    first = next((n for n in convs if stride[n.name] >= FLOAT_BEFORE_STRIDE),
                 None)
    ancestors: Set[int] = set()
    todo = list(first.input) if first is not None else []
    while todo:
        node = producer.get(todo.pop())
        if node is not None and id(node) not in ancestors:
            ancestors.add(id(node))
            todo += list(node.input)
    high_res = [
        n.name for n in convs
        if id(n) in ancestors and stride[n.name] < FLOAT_BEFORE_STRIDE
    ]

    def reaches_conv(tensor: str, seen: Set[int]) -> bool:
        for n in consumers.get(tensor, []):
            if n.op_type == 'Conv':
                return True
            if id(n) in seen:
                continue
            seen.add(id(n))
            if any(reaches_conv(o, seen) for o in n.output):
                return True
        return False

    prediction = [
        n.name for n in convs
        if n.name not in high_res and not reaches_conv(n.output[0], set())
    ]
    kept = set(high_res) | set(prediction)
    return dict(
        high_resolution=high_res,
        prediction=prediction,
        quantized=[n.name for n in convs if n.name not in kept])


def quantize_onnxruntime(src: str, dst: str, inputs: Sequence[np.ndarray],
                         float_nodes: Sequence[str]) -> str:
    """Static QDQ quantization of the convolutions (ONNX Runtime).

    Args:
        src (str): Prepared FP32 graph.
        dst (str): Output INT8 ``.onnx``.
        inputs (Sequence[np.ndarray]): Calibration batches.
        float_nodes (Sequence[str]): Convs that stay float.

    Returns:
        str: ``dst``.
    """
    import onnxruntime as ort
    from onnxruntime.quantization import (CalibrationDataReader,
                                          CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    name = ort.InferenceSession(
        src, providers=['CPUExecutionProvider']).get_inputs()[0].name

    class Reader(CalibrationDataReader):

        def __init__(self) -> None:
            self.it = iter([{name: x} for x in inputs])

        def get_next(self):
            return next(self.it, None)

    quantize_static(
        src,
        dst,
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=['Conv'],
        nodes_to_exclude=list(float_nodes),
        calibrate_method=CalibrationMethod.MinMax)
    return dst


# OpenVINO operation types that stay float (everything but convolutions)
_OV_FLOAT_TYPES = ('Multiply', 'Add', 'Subtract', 'Divide', 'MatMul', 'HSwish',
                   'HSigmoid', 'Clamp', 'Interpolate', 'Concat', 'ReduceMean',
                   'AvgPool', 'MaxPool', 'Softmax', 'Swish', 'Sigmoid', 'Sqrt',
                   'ReduceSum', 'Reshape', 'Transpose')


def quantize_openvino(src: str,
                      dst_xml: str,
                      inputs: Sequence[np.ndarray],
                      float_nodes: Sequence[str],
                      preset: str = 'mixed') -> str:
    """NNCF post-training quantization of the convolutions (OpenVINO).

    Args:
        src (str): Prepared FP32 ONNX graph.
        dst_xml (str): Output ``model.xml`` (+ ``.bin``).
        inputs (Sequence[np.ndarray]): Calibration batches.
        float_nodes (Sequence[str]): ONNX names of convs that stay float.
        preset (str): NNCF's ``QuantizationPreset``: ``'mixed'``
            (asymmetric activations, symmetric weights: the scheme of the
            ONNX Runtime path; the CDLA layout model keeps 97.7 % of its
            regions instead of 96.2 %) or ``'performance'`` (symmetric
            activations). Defaults to 'mixed'.

    Returns:
        str: ``dst_xml``.
    """
    import nncf
    import openvino as ov
    model = ov.Core().read_model(src)
    wanted = set(float_nodes)
    # OpenVINO names an ONNX Conv '<node name>/WithoutBiases' (its bias
    # is a separate Add); depthwise ones are GroupConvolutions
    ignored, found = [], set()
    for op in model.get_ops():
        name = op.get_friendly_name()
        onnx_name = name[:-len('/WithoutBiases')] if name.endswith(
            '/WithoutBiases') else name
        if op.get_type_name() in ('Convolution', 'GroupConvolution') and \
                onnx_name in wanted:
            ignored.append(name)
            found.add(onnx_name)
    if found != wanted:
        missing = sorted(wanted - found)[:5]
        raise RuntimeError(f'NNCF: {len(wanted) - len(ignored)} float convs '
                           f'not found in the OpenVINO model, e.g. {missing}')
    quantized = nncf.quantize(
        model,
        nncf.Dataset(list(inputs)),
        preset=nncf.QuantizationPreset(preset),
        subset_size=len(inputs),
        ignored_scope=nncf.IgnoredScope(
            names=ignored, types=list(_OV_FLOAT_TYPES), validate=False))
    ov.save_model(quantized, dst_xml, compress_to_fp16=False)
    return dst_xml


# ---------------------------------------------------------------- report
def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), -1)
    area = lambda z: np.prod(z[:, 2:] - z[:, :2], -1)  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None] - inter + 1e-9)


def agreement(task: str,
              ref: Sequence[Dict],
              got: Sequence[Dict],
              score_thr: float = 0.5,
              iou_thr: float = 0.9) -> Dict:
    """How well INT8 results agree with FP32 ones.

    Args:
        task (str): The task.
        ref (Sequence[dict]): FP32 results.
        got (Sequence[dict]): INT8 results.
        score_thr (float): Detections above this count. Defaults to 0.5.
        iou_thr (float): A FP32 detection is kept when INT8 has one of
            the same label with at least this IoU. Defaults to 0.9.

    Returns:
        dict: Classification ``top1_agreement``, ``max_score_diff``;
        detection ``kept_fraction`` (of FP32 detections above
        ``score_thr``), ``fp32_detections``, ``int8_detections``,
        ``missed_fp32_scores`` (the FP32 scores of the detections not
        kept, highest first);
        segmentation ``pixel_agreement`` and ``miou_vs_fp32``.
    """
    if task == 'classification':
        return dict(
            images=len(ref),
            top1_agreement=float(
                np.mean([r['label'] == g['label'] for r, g in zip(ref, got)])),
            max_score_diff=float(
                max(
                    np.abs(r['scores'] - g['scores']).max()
                    for r, g in zip(ref, got))))
    if task == 'detection':
        kept = total = n_got = 0
        missed: List[float] = []
        for r, g in zip(ref, got):
            rm, gm = r['scores'] >= score_thr, g['scores'] >= score_thr
            total += int(rm.sum())
            n_got += int(gm.sum())
            hit = np.zeros(int(rm.sum()), bool)
            if rm.any() and gm.any():
                iou = _iou(r['boxes'][rm], g['boxes'][gm])
                iou *= r['labels'][rm][:, None] == g['labels'][gm][None]
                hit = iou.max(1) >= iou_thr
            kept += int(hit.sum())
            missed += [float(v) for v in r['scores'][rm][~hit]]
        return dict(
            images=len(ref),
            score_thr=score_thr,
            iou_thr=iou_thr,
            fp32_detections=total,
            int8_detections=n_got,
            kept_fraction=kept / total if total else 1.0,
            missed_fp32_scores=sorted(missed, reverse=True))
    same = total = 0
    ious = []
    for r, g in zip(ref, got):
        a, b = r['label_map'], g['label_map']
        same += int((a == b).sum())
        total += a.size
        for c in np.union1d(np.unique(a), np.unique(b)):
            union = np.logical_or(a == c, b == c).sum()
            ious.append(np.logical_and(a == c, b == c).sum() / union)
    return dict(
        images=len(ref),
        pixel_agreement=same / total,
        miou_vs_fp32=float(np.mean(ious)))


def row_text(row: Dict) -> str:
    """One line of a comparison row: ``key value`` pairs, floats to 4
    decimals.

    Args:
        row (dict): A row of :func:`compare_folders` or of the INT8 study.

    Returns:
        str: The line.
    """
    return ', '.join(f'{k} {v:.4f}' if isinstance(v, float) else f'{k} {v}'
                     for k, v in row.items())


def compare_folders(reference: str,
                    folders: Sequence[str],
                    images: Sequence,
                    score_thr: float = 0.5,
                    iou_thr: float = 0.9,
                    progress: bool = True) -> List[Dict]:
    """How well deploy folders (e.g. INT8 ones, two calibrations) agree with
    a reference folder (e.g. the FP32 one) on images.

    Args:
        reference (str): The reference deploy folder.
        folders (Sequence[str]): Folders of the same task to compare.
        images (Sequence): Image files or BGR arrays.
        score_thr (float): Detections above this count. Defaults to 0.5.
        iou_thr (float): IoU at which a detection is kept. Defaults to 0.9.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        list[dict]: Per folder ``folder``, ``precision`` and
        :func:`agreement`'s numbers.

    Raises:
        ValueError: A folder's task or classes differ from the
            reference's, or no images.
    """
    from tqdm import tqdm

    from .predictor import Predictor
    if not images:
        raise ValueError('no images to compare on')
    ref = Predictor(reference)
    runs = [Predictor(f) for f in folders]
    for f, p in zip(folders, runs):
        if p.task != ref.task:
            raise ValueError(f'{f!r} is a {p.task} folder, {reference!r} '
                             f'a {ref.task} one')
        if p.classes != ref.classes:
            raise ValueError(f'{f!r} and {reference!r} name different '
                             'classes: they are not the same model')
    results: List[List[Dict]] = [[] for _ in range(len(runs) + 1)]
    for image in tqdm(images, desc='compare', disable=not progress):
        img = read_image(image)
        for out, p in zip(results, [ref] + runs):
            out.append(p(img))
    rows = []
    for f, p, res in zip(folders, runs, results[1:]):
        extra = dict(score_thr=score_thr, iou_thr=iou_thr) \
            if ref.task == 'detection' else {}
        rows.append(
            dict(
                folder=f,
                precision=p.spec['model']['precision'],
                **agreement(ref.task, results[0], res, **extra)))
    return rows


def dataset_metric(cfg, scope: str, results: Sequence[Dict]) -> Dict:
    """The config's test metric (mmdet ``CocoMetric``, mmseg
    ``IoUMetric``, mmpretrain ``Accuracy``) of Predictor results on its
    whole test dataset.

    Args:
        cfg (Config): The config (registries set up).
        scope (str): Its scope.
        results (Sequence[dict]): Predictor results, one per dataset image
            in the dataset's order.

    Returns:
        dict: The metric's output (e.g. ``coco/bbox_mAP``, ``mIoU``).
    """
    import torch
    registry = __import__(
        f'{scope}.registry', fromlist=['DATASETS', 'METRICS'])
    dataset = registry.DATASETS.build(cfg.test_dataloader.dataset)
    evaluator = cfg.test_evaluator
    evaluator = evaluator[0] if isinstance(evaluator, list) else evaluator
    metric = registry.METRICS.build(evaluator)
    metric.dataset_meta = dataset.metainfo
    if len(results) != len(dataset):
        raise ValueError(f'{len(results)} results for {len(dataset)} '
                         'dataset images')
    for i, res in enumerate(results):
        info = dataset.get_data_info(i)
        if scope == 'mmdet':
            sample = dict(
                img_id=info['img_id'],
                ori_shape=(info['height'], info['width']),
                instances=info.get('instances', []),
                pred_instances={
                    k: torch.from_numpy(res[v])
                    for k, v in (('bboxes', 'boxes'), ('scores', 'scores'),
                                 ('labels', 'labels'))
                })
        elif scope == 'mmseg':
            import cv2
            gt = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
            sample = dict(
                pred_sem_seg=dict(data=torch.from_numpy(res['label_map'])),
                gt_sem_seg=dict(data=torch.from_numpy(gt.astype(np.int64))))
        else:
            sample = dict(
                pred_score=torch.from_numpy(res['scores']),
                pred_label=torch.tensor([res['label']]),
                gt_label=torch.tensor([int(info['gt_label'])]))
        metric.process({}, [sample])
    return {
        k: float(v)
        for k, v in metric.evaluate(len(results)).items()
        if isinstance(v, (int, float, np.number))
    }


def quantize_folder(out: str,
                    model,
                    cfg,
                    scope: str,
                    spec: Dict,
                    calib: Optional[str] = None,
                    calib_dataset: bool = False,
                    calib_size: int = 64,
                    log=print) -> Dict:
    """Quantize the network of an FP32 deploy folder in place and write
    ``int8_report.json`` (INT8 against FP32 on held-out images).

    Args:
        out (str): The FP32 deploy folder.
        model (nn.Module): The model it was written from.
        cfg (Config): Its config.
        scope (str): Its scope.
        spec (dict): Its ``deploy.json``.
        calib (str, optional): Folder of calibration images.
        calib_dataset (bool): Use the config's test dataset instead.
        calib_size (int): Calibration images (as many held out for the
            report). Defaults to 64.
        log (Callable): Message sink.

    Returns:
        dict: The updated ``deploy.json`` (precision ``int8``, the float
        layers, the report).
    """
    from .builder import deploy_graph, export_graph
    from .predictor import Predictor, sha256
    paths = list_images(calib) if calib else dataset_images(cfg, scope)
    calib_paths, eval_paths = split_images(paths, calib_size)
    pre = spec['preprocess']
    inputs = network_inputs(calib_paths, pre)
    eval_images = [read_image(p) for p in eval_paths]
    fp32 = Predictor(out).predict(eval_images)
    backend = spec['backend']
    with tempfile.TemporaryDirectory() as tmp:
        raw = osp.join(tmp, 'fp32.onnx')
        if backend == 'onnxruntime':
            shutil.copyfile(osp.join(out, 'model.onnx'), raw)
        else:
            import torch
            graph, names = deploy_graph(model, scope)
            size = pre['input_size']
            export_graph(graph, names, raw, torch.from_numpy(inputs[0]), size
                         is None)
        prepared = prepare_onnx(raw, osp.join(tmp, 'prepared.onnx'))
        layers = float_convs(prepared, inputs[0])
        float_nodes = layers['high_resolution'] + layers['prediction']
        log(f'INT8: {len(layers["quantized"])} convs quantized, '
            f'{len(float_nodes)} kept float, calibration on '
            f'{len(inputs)} images')
        if backend == 'onnxruntime':
            quantize_onnxruntime(prepared, osp.join(out, 'model.onnx'), inputs,
                                 float_nodes)
            files = ['model.onnx']
        else:
            quantize_openvino(prepared, osp.join(out, 'model.xml'), inputs,
                              float_nodes)
            files = ['model.xml', 'model.bin']
    spec['model'].update(
        files={f: sha256(osp.join(out, f))
               for f in files},
        precision='int8',
        float_layers=dict(
            high_resolution=layers['high_resolution'],
            prediction=layers['prediction'],
            other='every non-convolution op'))
    spec['model']['files'] = {f: sha256(osp.join(out, f)) for f in files}
    with open(osp.join(out, 'deploy.json'), 'w') as f:
        json.dump(spec, f, indent=2)
    int8 = Predictor(out).predict(eval_images)
    report = dict(
        backend=backend,
        calibration=dict(
            source=calib or 'config test dataset', images=len(calib_paths)),
        evaluation=dict(
            images=len(eval_paths),
            held_out=set(eval_paths).isdisjoint(calib_paths)),
        quantized_convs=len(layers['quantized']),
        float_convs=len(float_nodes),
        agreement_with_fp32=agreement(spec['task'], fp32, int8))
    if calib_dataset:
        # both precisions on the whole test set, with its ground truth
        # (calibration images included: say so in the report)
        images = [read_image(p) for p in paths]
        int8_all = Predictor(out).predict(images)
        with tempfile.TemporaryDirectory() as tmp:
            from .builder import write_deploy_folder
            write_deploy_folder(model, cfg, scope, tmp, backend)
            fp32_all = Predictor(tmp).predict(images)
        report['dataset_metric'] = dict(
            images=len(images),
            includes_calibration_images=True,
            fp32=dataset_metric(cfg, scope, fp32_all),
            int8=dataset_metric(cfg, scope, int8_all))
    with open(osp.join(out, REPORT), 'w') as f:
        json.dump(report, f, indent=2)
    shown = dict(report['agreement_with_fp32'])
    missed = shown.pop('missed_fp32_scores', None)
    if missed:
        shown['missed'] = f'{len(missed)} (FP32 scores in {REPORT})'
    where = ('held-out images' if report['evaluation']['held_out'] else
             'the calibration images themselves (the folder has fewer than '
             'twice --calib-size images: not held out)')
    log(f'INT8 against FP32 on {where}: {row_text(shown)}')
    spec['int8_report'] = REPORT
    return spec
