from .base import PaddleBackbone, parse_scale
from .paddle_mobilenet_v3 import PaddleMobileNetV3
from .pplcnet import PPLCNet
from .pplcnet_v2 import PPLCNetV2

__all__ = [
    'PaddleBackbone', 'PaddleMobileNetV3', 'PPLCNet', 'PPLCNetV2',
    'parse_scale'
]
