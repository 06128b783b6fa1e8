"""Run a deploy folder: image in, labels / boxes / label maps out.

Needs only numpy, OpenCV and the runtime (ONNX Runtime or OpenVINO):
importing this module imports neither torch nor any OpenMMLab package.
A deploy folder is written by ``tools/deployment/deploy.py``; its
``deploy.json`` names the task, the model files (with their SHA-256),
the preprocessing of the config's test pipeline, the class names and the
post-processing settings.
"""
import hashlib
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from . import postprocess
from .preprocess import ImageInput, preprocess, read_image, stack

DEPLOY_JSON = 'deploy.json'
FORMAT = 'mm_pplcnet-deploy'
FORMAT_VERSION = 1
TASKS = ('classification', 'detection', 'segmentation')
BACKENDS = ('onnxruntime', 'openvino')


def sha256(path: str) -> str:
    """Hex SHA-256 of a file.

    Args:
        path (str): The file.

    Returns:
        str: Its digest.
    """
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def read_deploy_json(folder: str, verify: bool = True) -> Dict:
    """Read and check a deploy folder's ``deploy.json``.

    Args:
        folder (str): The deploy folder.
        verify (bool): Check the model files' SHA-256. Defaults to True.

    Returns:
        dict: The parsed ``deploy.json``.

    Raises:
        FileNotFoundError: The folder, ``deploy.json`` or a model file is
            missing.
        ValueError: ``deploy.json`` is not valid or a model file does not
            match the checksum recorded when the folder was written.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'deploy folder {folder!r} does not exist; '
                                'write one with tools/deployment/deploy.py')
    path = osp.join(folder, DEPLOY_JSON)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path!r} is missing: {folder!r} is not a '
                                'deploy folder; write one with '
                                'tools/deployment/deploy.py')
    try:
        with open(path) as f:
            spec = json.load(f)
    except ValueError as err:
        raise ValueError(f'{path!r} is not valid JSON ({err}); write the '
                         'folder again with tools/deployment/deploy.py') \
            from None
    if not isinstance(spec, dict) or spec.get('format') != FORMAT:
        raise ValueError(f'{path!r} is not a {FORMAT} file')
    if spec.get('format_version') != FORMAT_VERSION:
        raise ValueError(f'{path!r} has format version '
                         f'{spec.get("format_version")}, this mm_pplcnet '
                         f'reads {FORMAT_VERSION}; write it again with '
                         'this version of tools/deployment/deploy.py')
    missing = [
        k for k in ('task', 'backend', 'model', 'preprocess', 'postprocess')
        if k not in spec
    ]
    if missing:
        raise ValueError(f'{path!r} lacks {missing}')
    if spec['task'] not in TASKS or spec['backend'] not in BACKENDS:
        raise ValueError(f'{path!r}: task {spec["task"]!r} / backend '
                         f'{spec["backend"]!r} not among {TASKS} / '
                         f'{BACKENDS}')
    for name, digest in spec['model']['files'].items():
        file = osp.join(folder, name)
        if not osp.isfile(file):
            raise FileNotFoundError(
                f'{file!r} is missing from the deploy folder (deploy.json '
                'lists it); copy the whole folder or write it again with '
                'tools/deployment/deploy.py')
        if verify and sha256(file) != digest:
            raise ValueError(
                f'{file!r} does not match deploy.json (SHA-256 differs): '
                'the model file was replaced or belongs to another deploy '
                'folder; write the folder again with '
                'tools/deployment/deploy.py')
    return spec


class _OrtSession:
    """ONNX Runtime CPU session of the deploy graph."""

    def __init__(self, path: str, threads: Optional[int]) -> None:
        import onnxruntime as ort
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = \
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            path, opts, providers=['CPUExecutionProvider'])
        self.input = self.session.get_inputs()[0].name

    def __call__(self, x: np.ndarray) -> List[np.ndarray]:
        return self.session.run(None, {self.input: x})


class _OpenVINOSession:
    """OpenVINO CPU model, compiled once per input shape (latency hint)."""

    def __init__(self, path: str, threads: Optional[int]) -> None:
        import openvino as ov
        self.core = ov.Core()
        self.model = self.core.read_model(path)
        # f32: on CPUs with bf16 OpenVINO would otherwise run in bf16
        self.config = {
            'PERFORMANCE_HINT': 'LATENCY',
            'NUM_STREAMS': 1,
            'INFERENCE_PRECISION_HINT': 'f32'
        }
        if threads:
            self.config['INFERENCE_NUM_THREADS'] = threads
        self.compiled: Dict[tuple, object] = {}

    def __call__(self, x: np.ndarray) -> List[np.ndarray]:
        request = self.compiled.get(x.shape)
        if request is None:
            if len(self.compiled) >= 8:  # many sizes: keep memory bounded
                self.compiled.clear()
            model = self.model.clone()
            model.reshape({0: list(x.shape)})
            request = self.core.compile_model(
                model, 'CPU', self.config).create_infer_request()
            self.compiled[x.shape] = request
        result = request.infer({0: x})
        return [result[i] for i in range(len(result))]


class Predictor:
    """Inference from a deploy folder, without torch.

    Example:
        >>> predictor = Predictor('deploy/picodet')
        >>> result = predictor('page.jpg')
        >>> result['boxes'], result['scores'], result['labels']

    Args:
        folder (str): A folder written by ``tools/deployment/deploy.py``.
        threads (int, optional): CPU threads of the runtime (default: the
            runtime's choice).
        verify (bool): Check the model files' SHA-256 against
            ``deploy.json``. Defaults to True.
        score_thr (float, optional): Detection folders: keep boxes above
            this score instead of the config's test ``score_thr`` (e.g. 0.5
            for layout regions; fewer candidates also make NMS cheaper).

    Raises:
        FileNotFoundError: A file of the folder is missing.
        ValueError: ``deploy.json`` is invalid or a file does not match.
        ImportError: The folder's runtime is not installed.
    """

    def __init__(self,
                 folder: str,
                 threads: Optional[int] = None,
                 verify: bool = True,
                 score_thr: Optional[float] = None) -> None:
        self.folder = folder
        self.spec = read_deploy_json(folder, verify)
        if score_thr is not None:
            if self.spec['task'] != 'detection':
                raise ValueError('score_thr applies to detection folders, '
                                 f'{folder!r} is {self.spec["task"]}')
            self.spec['postprocess']['score_thr'] = float(score_thr)
        self.task = self.spec['task']
        self.backend = self.spec['backend']
        self.classes = list(self.spec.get('classes') or [])
        graph = osp.join(folder, self.spec['model']['graph'])
        session = dict(
            onnxruntime=_OrtSession, openvino=_OpenVINOSession)[self.backend]
        try:
            self.run = session(graph, threads)
        except ImportError as err:
            raise ImportError(f'{folder!r} runs on {self.backend}, which is '
                              f'not installed ({err}); pip install '
                              f'{self.backend}') from None

    def preprocess(self, images: Sequence[ImageInput]) -> List[Dict]:
        """Decode and preprocess images (not batched).

        Args:
            images (Sequence[str | np.ndarray]): Files or BGR arrays.

        Returns:
            list[dict]: See :func:`mm_pplcnet.deploy.preprocess.preprocess`.
        """
        return preprocess([read_image(i) for i in images],
                          self.spec['preprocess'])

    def _batches(self, items: List[Dict]) -> List[List[int]]:
        """Indices of images that run together: all of them when the
        network input has a fixed size, else those of the same size."""
        if self.spec['model'].get('fixed_size'):
            return [list(range(len(items)))]
        groups: Dict[tuple, List[int]] = {}
        for i, item in enumerate(items):
            groups.setdefault(item['input'].shape, []).append(i)
        return list(groups.values())

    def forward(self, items: List[Dict]) -> List[List[np.ndarray]]:
        """Run the network on preprocessed images.

        Args:
            items (list[dict]): Output of :meth:`preprocess`.

        Returns:
            list[list[np.ndarray]]: Per image the graph's outputs (batch
            dimension removed).
        """
        pre = self.spec['preprocess']
        outputs: List[Optional[List[np.ndarray]]] = [None] * len(items)
        for idx in self._batches(items):
            x = stack([items[i]['input'] for i in idx],
                      pre.get('pad_size_divisor', 1), pre.get('pad_value', 0))
            out = self.run(x)
            for j, i in enumerate(idx):
                outputs[i] = [o[j] for o in out]
        return outputs

    def postprocess(self, items: List[Dict],
                    outputs: List[List[np.ndarray]]) -> List[Dict]:
        """Turn the network outputs into results.

        Args:
            items (list[dict]): Output of :meth:`preprocess`.
            outputs (list[list[np.ndarray]]): Output of :meth:`forward`.

        Returns:
            list[dict]: Per image: classification ``label``, ``score``,
            ``topk_labels``, ``topk_scores``, ``scores``; detection
            ``boxes`` (K, 4) x1y1x2y2 in original-image pixels, ``scores``,
            ``labels``; segmentation ``label_map`` (H, W) int64.
        """
        cfg = self.spec['postprocess']
        results = []
        for item, out in zip(items, outputs):
            if self.task == 'classification':
                res = postprocess.classify(out[0], cfg.get('topk', 5))
            elif self.task == 'detection':
                res = postprocess.detect(out[0], out[1], item['scale_factor'],
                                         cfg)
            else:
                res = dict(
                    label_map=postprocess.segment(out[0], item['img_shape'],
                                                  item['ori_shape']))
            results.append(res)
        return results

    def predict(self, images: Sequence[ImageInput]) -> List[Dict]:
        """Results of a batch of images.

        Args:
            images (Sequence[str | np.ndarray]): Image files or ``(H, W,
                3)`` uint8 BGR arrays.

        Returns:
            list[dict]: One result per image (see :meth:`postprocess`).

        Raises:
            ValueError: No images, or an image that cannot be decoded.
            FileNotFoundError: An image file does not exist.
        """
        if not images:
            raise ValueError('no images given: pass an image file or array, '
                             'or a non-empty list of them')
        items = self.preprocess(images)
        return self.postprocess(items, self.forward(items))

    def __call__(self, images: Union[ImageInput, Sequence[ImageInput]]):
        """Results of one image (a dict) or of a list of them (a list).

        Args:
            images (str | np.ndarray | Sequence): One image or several.

        Returns:
            dict | list[dict]: See :meth:`postprocess`.

        Raises:
            TypeError: ``images`` is neither an image nor a list of them.
        """
        if isinstance(images,
                      (str, np.ndarray)) or hasattr(images, '__fspath__'):
            return self.predict([images])[0]
        if not isinstance(images, (list, tuple)):
            raise TypeError('expected an image path or array, or a list of '
                            f'them, got {type(images).__name__}')
        return self.predict(list(images))
