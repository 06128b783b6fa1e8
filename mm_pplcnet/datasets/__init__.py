"""Generators of small datasets so every recipe runs without downloads."""
from .toy_classification import TOY_CLASSES, make_toy_classification

__all__ = ['TOY_CLASSES', 'make_toy_classification']
