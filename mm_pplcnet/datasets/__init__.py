"""Generators of small datasets so every recipe runs without downloads."""
from .synthetic_pages import write_pages
from .toy_cityscapes import make_toy_cityscapes
from .toy_classification import TOY_CLASSES, make_toy_classification
from .toy_coco import TOY_DET_CLASSES, make_toy_coco

__all__ = [
    'TOY_CLASSES', 'make_toy_classification', 'TOY_DET_CLASSES',
    'make_toy_coco', 'make_toy_cityscapes', 'write_pages'
]
