"""Pretrained weights by name: the ``paddle://`` checkpoint scheme and the
model index (``model-index.yml``) registered with mmpretrain's
``ModelHub``."""
from .model_index import find_model_index, register_model_index
from .published import (MIRROR_ENV, PUBLISHED, PublishedWeights, known_names,
                        lookup)
from .scheme import (PREFIX, converted_path, detect_family, load_from_paddle,
                     register_paddle_scheme, resolve)

__all__ = [
    'find_model_index', 'register_model_index', 'MIRROR_ENV', 'PUBLISHED',
    'PublishedWeights', 'known_names', 'lookup', 'PREFIX', 'converted_path',
    'detect_family', 'load_from_paddle', 'register_paddle_scheme', 'resolve'
]
