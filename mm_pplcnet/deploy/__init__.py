"""Export to deployment formats (ONNX), checked against PyTorch."""
from .onnx_export import build_export_model, export_and_check

__all__ = ['build_export_model', 'export_and_check']
