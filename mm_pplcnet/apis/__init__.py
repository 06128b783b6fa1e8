"""High-level inference helpers (what the demo tools call)."""
from .detection import detect_image
from .segmentation import (class_fractions, init_segmentor, overlay_mask,
                           seg_demo, segment_image)

__all__ = [
    'detect_image', 'class_fractions', 'init_segmentor', 'overlay_mask',
    'segment_image', 'seg_demo'
]
