"""Our model index (``model-index.yml``) in mmpretrain's ``ModelHub``.

``model-index.yml`` at the repository root imports one
``configs/<folder>/metafile.yml`` per config folder (the OpenMMLab
layout that ``mim`` reads). Importing ``mm_pplcnet`` registers the
metafiles of image classifiers with mmpretrain's ``ModelHub``, so
``mmpretrain.list_models('*pplcnet*')``, ``get_model(name,
pretrained=True)`` and ``ImageClassificationInferencer(name)`` know them.
Detection and segmentation entries stay out of it (mmdet's and mmseg's
Inferencers read only their own package's index: pass them
``model=<config>, weights=<checkpoint>``).
"""
import os.path as osp
from typing import List, Optional

import yaml

CLASSIFICATION = 'Image Classification'
_PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))
_registered: List[str] = []


def find_model_index() -> Optional[str]:
    """``model-index.yml`` of this install, or None.

    An installed package carries it in ``mm_pplcnet/.mim/`` (the mim
    layout); a source checkout (``pip install -e``) at its root.
    """
    for root in (osp.join(_PACKAGE, '.mim'), osp.dirname(_PACKAGE)):
        path = osp.join(root, 'model-index.yml')
        if osp.isfile(path):
            return path
    return None


def metafiles(model_index: str) -> List[str]:
    """The metafiles a ``model-index.yml`` imports (absolute paths)."""
    with open(model_index) as f:
        index = yaml.safe_load(f) or {}
    root = osp.dirname(model_index)
    return [osp.join(root, path) for path in index.get('Import', [])]


def metafile_task(metafile: str) -> Optional[str]:
    """The task of a metafile's results (one task per metafile).

    Args:
        metafile (str): A ``metafile.yml``.

    Returns:
        str | None: E.g. ``'Image Classification'``; None without results.

    Raises:
        ValueError: Results of several tasks in one metafile.
    """
    with open(metafile) as f:
        meta = yaml.safe_load(f) or {}
    tasks = {
        result.get('Task')
        for model in meta.get('Models', [])
        for result in model.get('Results') or []
    }
    if len(tasks) > 1:
        raise ValueError(f'{metafile} mixes tasks {sorted(tasks)}: keep one '
                         'task per metafile')
    return tasks.pop() if tasks else None


def register_model_index(model_index: Optional[str] = None) -> List[str]:
    """Register our classifier metafiles with mmpretrain's ``ModelHub``.

    Idempotent; a no-op when mmpretrain is not installed or no
    ``model-index.yml`` is found.

    Args:
        model_index (str, optional): Defaults to :func:`find_model_index`.

    Returns:
        list[str]: The metafiles registered by this call.
    """
    model_index = model_index or find_model_index()
    if model_index is None:
        return []
    try:
        from mmpretrain.apis.model import ModelHub
    except ImportError:
        return []
    done = []
    for metafile in metafiles(model_index):
        if metafile in _registered or metafile_task(
                metafile) != CLASSIFICATION:
            continue
        ModelHub.register_model_index(
            metafile, config_prefix=osp.dirname(model_index))
        _registered.append(metafile)
        done.append(metafile)
    return done
