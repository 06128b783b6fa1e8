"""Let mmengine 0.10.7 save, load and resume checkpoints on torch >= 2.6.

torch 2.6 made ``torch.load(..., weights_only=True)`` the default; mmengine
0.10.7 calls ``torch.load`` without the argument, and its checkpoints hold
objects the safe unpickler refuses, so ``load_from`` and ``--resume`` fail
("Weights only load failed ... Unsupported global").

What we do instead of turning safe loading off (importing ``mm_pplcnet``
applies it, once):

1. ``HistoryBuffer`` (the message hub's logs) pickled its statistics
   methods as ``getattr(HistoryBuffer, 'min')`` etc. Allowing the
   ``getattr`` builtin would let any file run code, so checkpoints are now
   written without those methods; they are registered at import time
   anyway, so nothing is lost on resume.
2. The few types an mmengine checkpoint really holds are allowed for safe
   loading: ``HistoryBuffer`` and numpy arrays, scalars and dtypes.
3. Local files are loaded with ``weights_only=True`` explicitly. A file
   that still needs more (e.g. written by plain mmengine, with the
   ``getattr`` above) fails with an error that says so; if you trust it,
   ``MM_PPLCNET_TRUST_CHECKPOINTS=1`` loads it with ``weights_only=False``.
"""
import os
import os.path as osp
import pickle
import warnings

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from .checkpoint import check_checkpoint_file, damaged_checkpoint_error

TRUST_ENV = 'MM_PPLCNET_TRUST_CHECKPOINTS'
_applied = False


def _history_buffer_getstate(self) -> dict:
    """Pickle a HistoryBuffer without its (code) statistics methods."""
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


def _numpy_safe_globals() -> list:
    multiarray = getattr(np, '_core', None) or np.core
    dtypes = [
        type(np.dtype(t))
        for t in ('?', 'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'e',
                  'f', 'd', 'g', 'U', 'S', 'O')
    ]
    return [
        np.ndarray, np.dtype, multiarray.multiarray._reconstruct,
        multiarray.multiarray.scalar
    ] + dtypes


def load_local_checkpoint(filename: str, map_location=None):
    """Load a local checkpoint with ``weights_only=True``.

    Args:
        filename (str): The file.
        map_location (str | torch.device | Callable | dict, optional): As
            for :func:`torch.load`. Defaults to None.

    Returns:
        object: The loaded object.

    Raises:
        FileNotFoundError: No such file.
        DamagedCheckpointError: Empty, truncated or not a checkpoint (the
            message names the previous checkpoint of the folder).
        RuntimeError: Safe loading refuses a global it holds.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename!r} does not exist')
    check_checkpoint_file(filename)
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        lines = str(err).strip().splitlines()
        reason = next((ln for ln in lines if 'Unsupported' in ln), None)
        if reason is None:  # not a refused global: a damaged pickle
            raise damaged_checkpoint_error(
                filename,
                f'torch.load: {lines[-1] if lines else err}') from err
        if os.environ.get(TRUST_ENV) == '1':
            warnings.warn(f'{filename}: safe loading failed ({reason}); '
                          f'{TRUST_ENV}=1, so loading it with '
                          'weights_only=False')
            return torch.load(
                filename, map_location=map_location, weights_only=False)
        raise RuntimeError(
            f'{filename} holds Python objects that safe loading (torch.load '
            f'with weights_only=True) refuses: {reason}. Checkpoints written '
            'after importing mm_pplcnet load safely; this one was probably '
            'written by plain mmengine or another tool. If you trust the '
            f'file, set {TRUST_ENV}=1 to load it with weights_only=False.'
        ) from err
    except Exception as err:  # noqa: BLE001 - any other failure: damaged
        first = str(err).strip().splitlines()
        raise damaged_checkpoint_error(
            filename, f'torch.load: {type(err).__name__}' +
            (f': {first[0]}' if first else '')) from err


def apply() -> None:
    """Apply the three changes above (idempotent)."""
    global _applied
    if _applied:
        return
    HistoryBuffer.__getstate__ = _history_buffer_getstate
    torch.serialization.add_safe_globals([HistoryBuffer]
                                         + _numpy_safe_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
    _applied = True
