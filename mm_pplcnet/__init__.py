"""mm_pplcnet: PP-LCNet backbones for OpenMMLab.

Importing the package registers the backbones in mmengine's root
``MODELS`` registry (visible from the mmdet, mmseg and mmpretrain scopes)
and lets mmengine save and load its checkpoints safely on torch >= 2.6
(see :mod:`mm_pplcnet.utils.safe_load`). It also registers the
``paddle://`` checkpoint scheme (Paddle weights by name, converted on
load), our classifiers' model index with mmpretrain's ``ModelHub``
(see :mod:`mm_pplcnet.hub`) and the configs' ``PPLCNetRunner`` (see
:mod:`mm_pplcnet.engine.pplcnet_runner`). Without torch (a
deployment-only install) it registers nothing:
:class:`mm_pplcnet.deploy.Predictor` runs deploy folders with numpy,
OpenCV and the runtime alone.
"""
from .version import __version__

try:
    import torch as _torch  # noqa: F401
except ImportError:
    # a deployment-only install (numpy, OpenCV, ONNX Runtime / OpenVINO):
    # only mm_pplcnet.deploy's Predictor works, nothing is registered
    _torch = None

if _torch is not None:
    from .utils import safe_load as _safe_load
    _safe_load.apply()

    # registers PPLCNetRunner (the configs' runner_type)
    from .engine import pplcnet_runner as _pplcnet_runner  # noqa: F401
    from .hub import register_model_index, register_paddle_scheme
    from .models import *  # noqa: F401,F403

    register_paddle_scheme()
    register_model_index()

__all__ = ['__version__']
