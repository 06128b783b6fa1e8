"""Checkpoint helpers: strict, readable loading of (partial) weights."""
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint

_MAX_LISTED = 12


def _short_list(keys) -> str:
    keys = list(keys)
    text = ', '.join(keys[:_MAX_LISTED])
    if len(keys) > _MAX_LISTED:
        text += f', ... ({len(keys) - _MAX_LISTED} more)'
    return text


def read_checkpoint(filename: str, map_location: str = 'cpu') -> dict:
    """Read a checkpoint from a path or URL with a clear error on failure.

    Args:
        filename (str): Local path, ``http(s)://`` URL or any prefix that
            mmengine's ``CheckpointLoader`` knows.
        map_location (str): Where to map the tensors. Defaults to 'cpu'.

    Returns:
        dict: The loaded object.
    """
    remote = filename.startswith(('http://', 'https://'))
    if not remote and '://' not in filename and not osp.isfile(filename):
        raise FileNotFoundError(
            f'checkpoint file {filename!r} does not exist. Check the path '
            '(relative paths start from the current directory).')
    try:
        return _load_checkpoint(filename, map_location=map_location)
    except Exception as err:
        if remote:
            raise RuntimeError(
                f'could not download {filename}: {type(err).__name__}: '
                f'{err}. Without internet access, download the file on '
                'another machine and point `checkpoint` at the local '
                'copy.') from err
        raise


def state_dict_with_prefix(
        checkpoint: dict,
        prefix: Optional[str],
        source: str = 'the checkpoint') -> 'OrderedDict[str, torch.Tensor]':
    """Return the (prefix-stripped) state dict held by a checkpoint.

    Args:
        checkpoint (dict): A loaded checkpoint, with or without a
            ``state_dict`` entry.
        prefix (str, optional): Keep only the keys that start with it and
            strip it (``'backbone.'`` takes a backbone out of a whole
            model). None keeps everything.
        source (str): How to name the checkpoint in errors.

    Returns:
        OrderedDict: The state dict.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise TypeError(f'{source} holds no state dict (got '
                        f'{type(state_dict).__name__})')
    if not prefix:
        return OrderedDict(state_dict)
    if not prefix.endswith('.'):
        prefix += '.'
    out = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                      if k.startswith(prefix))
    if not out:
        heads = sorted({k.split('.')[0] + '.' for k in state_dict})
        raise KeyError(f'no key of {source} starts with prefix {prefix!r}; '
                       f'its keys start with {_short_list(heads)}. Set '
                       '`prefix` to one of those, or to None for a '
                       'checkpoint of this module alone.')
    return out


def check_state_dict(module: nn.Module,
                     state_dict: Dict[str, torch.Tensor],
                     source: str = 'the checkpoint') -> None:
    """Raise a readable error unless ``state_dict`` fits ``module`` exactly.

    BatchNorm's ``num_batches_tracked`` counters may be absent.

    Args:
        module (nn.Module): The module to load into.
        state_dict (dict): The weights to load.
        source (str): How to name the checkpoint in errors.
    """
    own = module.state_dict()
    missing = [
        k for k in own
        if k not in state_dict and not k.endswith('num_batches_tracked')
    ]
    unexpected = [k for k in state_dict if k not in own]
    mismatched = [
        f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
        for k, v in state_dict.items()
        if k in own and tuple(v.shape) != tuple(own[k].shape)
    ]
    if not (missing or unexpected or mismatched):
        return
    lines = [f'{source} does not fit {type(module).__name__}:']
    if missing:
        lines.append(f'  missing keys ({len(missing)}): '
                     f'{_short_list(missing)}')
    if unexpected:
        lines.append(f'  unexpected keys ({len(unexpected)}): '
                     f'{_short_list(unexpected)}')
    if mismatched:
        lines.append(f'  shape mismatches ({len(mismatched)}): '
                     f'{_short_list(mismatched)}')
    lines.append('Check that the model settings (scale, arch, num_classes) '
                 'match the checkpoint and that `prefix` is right, or '
                 'convert the weights with tools/model_converters.')
    raise ValueError('\n'.join(lines))


def load_pretrained_strict(
    module: nn.Module,
    checkpoint: str,
    prefix: Optional[str] = None,
    map_location: str = 'cpu',
    skip: Sequence[str] = ()) -> None:
    """Load ``checkpoint`` into ``module``; every key must match.

    This is what the backbones do for
    ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)``:
    mmengine's own ``PretrainedInit`` only warns about keys that do not
    match, which silently leaves a randomly initialized network.

    Args:
        module (nn.Module): The module to load into.
        checkpoint (str): Path or URL of the checkpoint.
        prefix (str, optional): Key prefix to select and strip.
        map_location (str): Where to map tensors. Defaults to 'cpu'.
        skip (Sequence[str]): Checkpoint keys starting with these are
            dropped first (parts of the pretrained network that this
            configuration of the module leaves out). Defaults to none.
    """
    source = f'checkpoint {checkpoint!r}'
    state_dict = state_dict_with_prefix(
        read_checkpoint(checkpoint, map_location), prefix, source)
    if skip:
        state_dict = OrderedDict((k, v) for k, v in state_dict.items()
                                 if not k.startswith(tuple(skip)))
    check_state_dict(module, state_dict, source)
    module.load_state_dict(state_dict, strict=False)
    print_log(
        f'loaded {len(state_dict)} tensors into {type(module).__name__} '
        f'from {checkpoint}' + (f' (prefix {prefix!r})' if prefix else ''),
        logger='current')
