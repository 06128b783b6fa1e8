from .base import PaddleBackbone, parse_scale
from .paddle_mobilenet_v3 import PaddleMobileNetV3
from .pplcnet import PPLCNet

__all__ = ['PaddleBackbone', 'PaddleMobileNetV3', 'PPLCNet', 'parse_scale']
