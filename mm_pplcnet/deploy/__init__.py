"""Export to deployment formats (ONNX), checked against PyTorch."""
from .onnx_export import build_export_model, export_and_check
from .picodet_postprocess import decode_picodet

__all__ = ['build_export_model', 'export_and_check', 'decode_picodet']
