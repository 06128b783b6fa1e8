"""High-level inference helpers (what the demo tools call)."""
from .classification import classify, classify_batch, load_classifier
from .detection import check_files, detect_image, load_detector, predict_boxes
from .layout import draw_regions, layout_demo, regions_to_dicts
from .segmentation import (class_fractions, init_segmentor, overlay_mask,
                           seg_demo, segment_image)

__all__ = [
    'classify', 'classify_batch', 'load_classifier', 'check_files',
    'detect_image', 'load_detector', 'predict_boxes', 'draw_regions',
    'layout_demo', 'regions_to_dicts', 'class_fractions', 'init_segmentor',
    'overlay_mask', 'segment_image', 'seg_demo'
]
