"""Deployment: deploy folders (ONNX Runtime / OpenVINO, FP32 / INT8) and
the torch-free :class:`Predictor` that runs them.

``Predictor`` and the pre- / post-processing need only numpy, OpenCV and
the runtime; the exporters (``build_export_model``, ``export_and_check``,
``write_deploy_folder`` ...) need torch and are imported on first use.
"""
from .picodet_postprocess import decode_picodet
from .predictor import Predictor, read_deploy_json

_TORCH_PARTS = {
    'build_export_model': 'onnx_export',
    'export_and_check': 'onnx_export',
    'write_deploy_folder': 'builder',
    'preprocess_spec': 'builder',
    'torch_predict': 'torch_reference',
}

__all__ = ['Predictor', 'read_deploy_json', 'decode_picodet'
           ] + list(_TORCH_PARTS)


def __getattr__(name: str):
    """Import the torch-side helpers lazily (PEP 562)."""
    if name in _TORCH_PARTS:
        import importlib
        module = importlib.import_module(f'.{_TORCH_PARTS[name]}', __name__)
        return getattr(module, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
