from .activations import HardSigmoid
from .depthwise_separable import DepthwiseSeparable
from .inverted_residual import InvertedResidual
from .make_divisible import make_divisible
from .se_layer import HSIGMOID_SLOPE_0_2, HSIGMOID_SLOPE_1_6, SELayer

__all__ = [
    'HardSigmoid', 'DepthwiseSeparable', 'make_divisible', 'SELayer',
    'HSIGMOID_SLOPE_1_6', 'HSIGMOID_SLOPE_0_2', 'InvertedResidual'
]
