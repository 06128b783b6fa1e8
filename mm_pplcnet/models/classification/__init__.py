"""mmpretrain parts (import needs mmpretrain)."""
import mm_pplcnet  # noqa: F401 (backbones, checkpoint loading)
from .pplcnet_head import PPLCNetClsHead

__all__ = ['PPLCNetClsHead']
