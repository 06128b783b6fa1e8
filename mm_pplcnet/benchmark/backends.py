"""Inference backends for the CPU benchmark.

Every backend turns a model into a ``run(x: np.ndarray) -> np.ndarray``
callable. The runner checks each against PyTorch eager before timing it.

- ``eager``: PyTorch eager, ``torch.inference_mode``.
- ``torch-tuned``: the fastest of several CPU inference set-ups, measured
  on the spot: BN folded into convs (eager, NCHW or channels_last),
  TorchScript trace + freeze (constant folding, conv-BN folding), and
  ``torch.jit.optimize_for_inference`` (freeze + oneDNN layout and
  conv/activation fusion), NCHW or channels_last.
- ``onnxruntime``: ONNX export + ONNX Runtime CPU, all graph optimizations.
- ``openvino``: the same ONNX file compiled by OpenVINO for latency.
- ``paddle-inference``: Paddle Inference with MKLDNN on PaddleClas' own
  network (a reference row, not our model).
"""
import copy
import importlib.util
import os.path as osp
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

Runner = Callable[[np.ndarray], np.ndarray]


def _median_ms(run: Callable[[], object], iters: int = 15) -> float:
    for _ in range(3):
        run()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def fold_bn(model: nn.Module) -> nn.Module:
    """Return a copy of ``model`` with its conv-BN pairs folded.

    Every Conv2d-BatchNorm2d pair that runs back to back inside an mmcv
    ``ConvModule`` (order conv, norm) or an ``nn.Sequential`` is folded
    into the convolution with eval-mode semantics; the BN becomes an
    ``nn.Identity``.

    Args:
        model (nn.Module): The model (left unchanged).

    Returns:
        nn.Module: The folded copy, in eval mode.
    """
    from mmcv.cnn import ConvModule

    model = copy.deepcopy(model).eval()

    def fuse(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
        """A copy of ``conv`` with ``bn`` folded in."""
        return torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn)

    for module in model.modules():
        if isinstance(module, ConvModule) and module.with_norm and \
                isinstance(module.norm, nn.BatchNorm2d) and \
                module.order[:2] == ('conv', 'norm'):
            module.conv = fuse(module.conv, module.norm)
            setattr(module, module.norm_name, nn.Identity())
        elif isinstance(module, nn.Sequential):
            names = list(module._modules)
            for a, b in zip(names, names[1:]):
                conv, bn = module._modules[a], module._modules[b]
                if isinstance(conv, nn.Conv2d) and isinstance(
                        bn, nn.BatchNorm2d):
                    module._modules[a] = fuse(conv, bn)
                    module._modules[b] = nn.Identity()
    return model


class Backend:
    """Base class: ``prepare`` returns the callable to time.

    Args:
        threads (int): Number of CPU threads the backend may use.
    """
    name = 'base'
    #: a Python module the backend needs (None: always available)
    requires: Optional[str] = None
    #: outputs must equal eager's within the tolerance (False: INT8 and
    #: end-to-end rows, whose difference is only recorded)
    exact = True
    #: needs a --config job (end-to-end rows)
    config_only = False
    #: left out of the default backend list
    on_request = False

    @classmethod
    def available(cls) -> bool:
        """Whether the backend's package is installed."""
        return cls.requires is None or importlib.util.find_spec(
            cls.requires) is not None

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.info: Dict[str, str] = {}

    def prepare(self, model: nn.Module, example: torch.Tensor) -> Runner:
        """Turn an eval-mode model into a callable on numpy inputs.

        Subclasses may record what they set up in ``self.info``.

        Args:
            model (nn.Module): The model, in eval mode.
            example (torch.Tensor): An input of the shape to time (used
                for tracing or export).

        Returns:
            Callable: ``run(x: np.ndarray) -> np.ndarray``.
        """
        raise NotImplementedError


class EagerBackend(Backend):
    """PyTorch eager."""
    name = 'eager'

    def prepare(self, model, example):
        """Run ``model`` as it is, under ``torch.inference_mode``.

        Args:
            model (nn.Module): The model, in eval mode.
            example (torch.Tensor): Unused.

        Returns:
            Callable: ``run(x: np.ndarray) -> np.ndarray``.
        """
        torch.set_num_threads(self.threads)

        def run(x: np.ndarray) -> np.ndarray:
            """Run the model on one numpy batch."""
            with torch.inference_mode():
                return model(torch.from_numpy(x)).numpy()

        return run


class TorchTunedBackend(Backend):
    """The fastest measured of several PyTorch CPU inference set-ups.

    Args:
        threads (int): Number of CPU threads.
        setups (Sequence[str], optional): Try only these set-ups (names of
            :meth:`candidates`); None tries all. Defaults to None.
    """
    name = 'torch-tuned'

    def __init__(self,
                 threads: int,
                 setups: Optional[Sequence[str]] = None) -> None:
        super().__init__(threads)
        self.setups = setups
        #: the chosen module (set by :meth:`prepare`), for profilers
        self.module: Optional[Callable] = None

    def candidates(
        self, model: nn.Module, example: torch.Tensor
    ) -> Dict[str, Callable[[], Tuple[Callable, bool]]]:
        """Builders of the set-ups to try, by name.

        Each builder returns ``(module, channels_last)``: the module to run
        and whether it takes channels_last input. Builders run lazily, so
        that one that fails is skipped.

        Args:
            model (nn.Module): The model, in eval mode.
            example (torch.Tensor): Example input, for tracing.

        Returns:
            dict[str, Callable]: Set-up name to its builder.
        """
        cl_example = example.contiguous(memory_format=torch.channels_last)

        def channels_last(m: nn.Module) -> nn.Module:
            """A copy of ``m`` in channels_last memory format."""
            return copy.deepcopy(m).to(memory_format=torch.channels_last)

        def onednn(m: nn.Module, x: torch.Tensor):
            """Trace ``m`` on ``x``; ``optimize_for_inference``."""
            traced = torch.jit.trace(m, x, check_trace=False)
            return torch.jit.optimize_for_inference(traced)

        def freeze():
            """Trace and freeze the model."""
            traced = torch.jit.trace(model, example, check_trace=False)
            return torch.jit.freeze(traced.eval()), False

        return {
            'fold-bn':
            lambda: (fold_bn(model), False),
            'fold-bn+channels-last':
            lambda: (channels_last(fold_bn(model)), True),
            'jit-freeze':
            freeze,
            'jit-onednn':
            lambda: (onednn(model, example), False),
            'jit-onednn+channels-last':
            lambda: (onednn(channels_last(model), cl_example), True),
        }

    def prepare(self, model, example):
        """Time every set-up of :meth:`candidates` and keep the fastest.

        ``self.info`` records the set-up chosen, the trial time of each
        and why any failed.

        Args:
            model (nn.Module): The model, in eval mode.
            example (torch.Tensor): Example input, for tracing and the
                trial timings.

        Returns:
            Callable: ``run(x: np.ndarray) -> np.ndarray``.

        Raises:
            RuntimeError: No set-up worked.
        """
        import warnings
        torch.set_num_threads(self.threads)
        timings = {}
        best = None
        failed = {}
        candidates = self.candidates(model, example)
        unknown = set(self.setups or ()) - set(candidates)
        if unknown:
            raise ValueError(f'unknown torch-tuned set-ups {sorted(unknown)}; '
                             f'choose from {sorted(candidates)}')
        for name, build in candidates.items():
            if self.setups is not None and name not in self.setups:
                continue
            try:
                with warnings.catch_warnings(), torch.no_grad():
                    # TracerWarnings about shape checks in Python code
                    warnings.simplefilter('ignore')
                    module, cl = build()
                x = example.contiguous(
                    memory_format=torch.channels_last) if cl else example
                with torch.inference_mode():
                    ms = _median_ms(lambda: module(x))
            except Exception as err:  # noqa: BLE001 - try the others
                failed[name] = f'{type(err).__name__}: {err}'[:200]
                continue
            timings[name] = ms
            if best is None or ms < timings[best[0]]:
                best = (name, module, cl)
        if best is None:
            raise RuntimeError(f'no PyTorch set-up worked: {failed}')
        name, module, cl = best
        self.module = module
        self.info = dict(chosen=name)
        self.info.update({
            f'trial_ms[{k}]': f'{v:.2f}'
            for k, v in timings.items()
        })
        self.info.update({f'failed[{k}]': v for k, v in failed.items()})

        def run(x: np.ndarray) -> np.ndarray:
            """Run the chosen module on one numpy batch."""
            t = torch.from_numpy(x)
            if cl:
                t = t.contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                return module(t).numpy()

        return run


def export_onnx(model: nn.Module,
                example: torch.Tensor,
                path: str,
                opset: int = 17,
                output_names: Optional[List[str]] = None) -> str:
    """Export with TorchScript-based ``torch.onnx.export`` (static shape).

    Args:
        model (nn.Module): Eval-mode model taking one tensor.
        example (torch.Tensor): Example input (its shape is baked in).
        path (str): Output ``.onnx``.
        opset (int): ONNX opset. Defaults to 17.
        output_names (list[str], optional): Output names.

    Returns:
        str: ``path``.
    """
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(
            model,
            example,
            path,
            opset_version=opset,
            input_names=['input'],
            output_names=output_names,
            dynamo=False)
    return path


class _OnnxBackend(Backend):
    requires = 'onnx'

    def _export(self, model, example) -> str:
        self._tmp = tempfile.TemporaryDirectory()
        return export_onnx(model, example,
                           osp.join(self._tmp.name, 'model.onnx'))


class OnnxRuntimeBackend(_OnnxBackend):
    """ONNX Runtime, CPU execution provider."""
    name = 'onnxruntime'
    requires = 'onnxruntime'

    def prepare(self, model, example):
        """Export to ONNX and open an ONNX Runtime CPU session.

        Args:
            model (nn.Module): The model, in eval mode.
            example (torch.Tensor): Example input (its shape is baked into
                the ONNX graph).

        Returns:
            Callable: ``run(x: np.ndarray) -> np.ndarray``.
        """
        import onnxruntime as ort
        path = self._export(model, example)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = \
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(
            path, opts, providers=['CPUExecutionProvider'])
        name = session.get_inputs()[0].name
        self.info = dict(version=ort.__version__)
        return lambda x: session.run(None, {name: x})[0]


class OpenVINOBackend(_OnnxBackend):
    """OpenVINO CPU plugin, latency hint, one stream."""
    name = 'openvino'
    requires = 'openvino'

    def prepare(self, model, example):
        """Export to ONNX and compile it with OpenVINO for the CPU.

        Args:
            model (nn.Module): The model, in eval mode.
            example (torch.Tensor): Example input (its shape is baked into
                the ONNX graph).

        Returns:
            Callable: ``run(x: np.ndarray) -> np.ndarray``.
        """
        import openvino as ov
        path = self._export(model, example)
        compiled = ov.Core().compile_model(
            path, 'CPU', {
                'INFERENCE_NUM_THREADS': self.threads,
                'PERFORMANCE_HINT': 'LATENCY',
                'NUM_STREAMS': 1,
                'INFERENCE_PRECISION_HINT': 'f32',
            })
        request = compiled.create_infer_request()
        self.info = dict(version=ov.__version__)

        def run(x: np.ndarray) -> np.ndarray:
            """Infer one numpy batch."""
            return request.infer({0: x})[0]

        return run


class PaddleInferenceBackend(Backend):
    """Paddle Inference + MKLDNN on a Paddle network (``nn.Layer``)."""
    name = 'paddle-inference'
    requires = 'paddle'

    def prepare(self, model, example):
        """Save a Paddle network for inference and load it with MKLDNN.

        Args:
            model (paddle.nn.Layer): The Paddle network (put in eval mode).
            example (np.ndarray): Example input (its shape is fixed in the
                saved graph).

        Returns:
            Callable: ``run(x: np.ndarray) -> np.ndarray``.
        """
        import glob

        import paddle
        from paddle import inference
        from paddle.static import InputSpec
        self._tmp = tempfile.TemporaryDirectory()
        prefix = osp.join(self._tmp.name, 'inference')
        model.eval()
        paddle.jit.save(
            model,
            prefix,
            input_spec=[InputSpec(list(example.shape), 'float32', 'x')])
        graph = [
            f for f in glob.glob(prefix + '.*')
            if f.endswith(('.json', '.pdmodel'))
        ][0]
        config = inference.Config(graph, prefix + '.pdiparams')
        config.disable_gpu()
        config.enable_mkldnn()
        config.set_cpu_math_library_num_threads(self.threads)
        config.switch_ir_optim(True)
        config.disable_glog_info()
        predictor = inference.create_predictor(config)
        inp = predictor.get_input_handle(predictor.get_input_names()[0])
        out = predictor.get_output_handle(predictor.get_output_names()[0])
        self.info = dict(version=paddle.__version__, mkldnn='on')

        def run(x: np.ndarray) -> np.ndarray:
            """Run the predictor on one numpy batch."""
            inp.copy_from_cpu(x)
            predictor.run()
            return out.copy_to_cpu()

        return run


BACKENDS = {
    cls.name: cls
    for cls in (EagerBackend, TorchTunedBackend, OnnxRuntimeBackend,
                OpenVINOBackend, PaddleInferenceBackend)
}

# torch.compile, INT8, end-to-end Predictor and rapid_layout rows
from .deploy_backends import EXTRA_BACKENDS  # noqa: E402

BACKENDS.update(EXTRA_BACKENDS)
