"""Models. ``backbones`` and ``layers`` need only torch, mmengine and mmcv;
``classification`` (mmpretrain), ``detection`` (mmdet) and
``segmentation`` (mmseg) are imported on demand, e.g. through a config's
``custom_imports``."""
from .backbones import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
