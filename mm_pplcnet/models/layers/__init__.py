from .activations import HardSigmoid
from .depthwise_separable import DepthwiseSeparable
from .inverted_residual import InvertedResidual
from .make_divisible import make_divisible
from .rep_depthwise_separable import RepDepthwiseSeparable, fuse_conv_bn
from .se_layer import HSIGMOID_SLOPE_0_2, HSIGMOID_SLOPE_1_6, SELayer

__all__ = [
    'HardSigmoid', 'DepthwiseSeparable', 'make_divisible', 'SELayer',
    'HSIGMOID_SLOPE_1_6', 'HSIGMOID_SLOPE_0_2', 'InvertedResidual',
    'RepDepthwiseSeparable', 'fuse_conv_bn'
]
