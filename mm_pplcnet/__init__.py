"""mm_pplcnet: PP-LCNet backbones for OpenMMLab.

Importing the package registers the backbones in mmengine's root
``MODELS`` registry (visible from the mmdet, mmseg and mmpretrain scopes)
lets mmengine save and load its checkpoints safely on torch >= 2.6
(see :mod:`mm_pplcnet.utils.safe_load`) and registers the configs'
``PPLCNetRunner`` (see :mod:`mm_pplcnet.engine.pplcnet_runner`).
"""
from .utils import safe_load as _safe_load
from .version import __version__

_safe_load.apply()

# registers PPLCNetRunner (the configs' runner_type)
from .engine import pplcnet_runner as _pplcnet_runner  # noqa: E402,F401
from .models import *  # noqa: E402,F401,F403

__all__ = ['__version__']
