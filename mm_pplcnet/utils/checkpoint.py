"""Checkpoint helpers: strict, readable loading of (partial) weights.

One rule for every path that puts weights into a model (``load_from``,
``--resume``, ``tools/test.py``, ``init_cfg`` ``Pretrained``, a model-level
``pretrained``, demos, export, benchmark): a checkpoint whose keys or
shapes do not fit is a :class:`CheckpointMismatchError` listing them,
unless partial loading was asked for explicitly (``partial_load=True`` in
a config / ``--partial-load``, or ``strict=False`` in a ``Pretrained``
init_cfg); then what fits is loaded and the rest is listed in a warning.
"""
import glob
import os.path as osp
import zipfile
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint

_MAX_LISTED = 12
PARTIAL_HINT = ('For a partial load on purpose, set `partial_load=True` in '
                'the config (any tool: --cfg-options partial_load=True; '
                'tools/train.py also takes --partial-load) or '
                '`strict=False` in the Pretrained init_cfg.')


class CheckpointError(RuntimeError):
    """A checkpoint cannot be used; the message says why and what to do."""


class DamagedCheckpointError(CheckpointError):
    """A checkpoint file is empty, truncated or not a checkpoint."""


class CheckpointMismatchError(CheckpointError, ValueError):
    """A checkpoint's keys or shapes do not fit the model."""


def _short_list(keys) -> str:
    keys = list(keys)
    text = ', '.join(keys[:_MAX_LISTED])
    if len(keys) > _MAX_LISTED:
        text += f', ... ({len(keys) - _MAX_LISTED} more)'
    return text


def _structure_problem(filename: str) -> Optional[str]:
    """Why ``filename`` cannot be a torch checkpoint, from its structure
    alone (None: it may be one)."""
    size = osp.getsize(filename)
    if size == 0:
        return 'it is empty (0 bytes)'
    with open(filename, 'rb') as f:
        head = f.read(8)
    if head.startswith(b'PK\x03\x04'):  # torch.save's zip format
        try:
            with zipfile.ZipFile(filename) as archive:
                bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            return (f'it is a truncated or damaged zip archive ({size} '
                    f'bytes; {err})')
        if bad is not None:
            return f'its member {bad!r} is damaged (CRC error)'
        return None
    if head[:1] == b'\x80':  # a pickle: torch's legacy format
        return None
    return (f'it is not a PyTorch checkpoint (it starts with {head!r}, '
            'not with a zip archive or a pickle)')


def previous_checkpoint(filename: str) -> Optional[str]:
    """The newest other intact ``*.pth`` in the folder of ``filename``
    (by modification time; intact: a zip archive whose members read).

    Args:
        filename (str): A checkpoint path.

    Returns:
        str, optional: The path, or None when there is none.
    """
    folder = osp.dirname(osp.abspath(filename))
    others = [
        f for f in glob.glob(osp.join(folder, '*.pth'))
        if not osp.samefile(f, filename)
    ]
    for other in sorted(others, key=osp.getmtime, reverse=True):
        # an intact zip archive (what torch.save writes since torch 1.6)
        if zipfile.is_zipfile(other) and _structure_problem(other) is None:
            return other
    return None


def damaged_checkpoint_error(filename: str,
                             reason: str) -> DamagedCheckpointError:
    """The one message for a checkpoint that cannot be read.

    Args:
        filename (str): The file.
        reason (str): What is wrong with it.

    Returns:
        DamagedCheckpointError: Naming the file, the reason and the
        newest intact checkpoint to use instead.
    """
    prev = previous_checkpoint(filename)
    where = (f'The newest intact checkpoint in that folder is {prev}: use '
             f'it instead (tools/train.py --resume {prev}, or as the '
             'checkpoint of tools/test.py).' if prev else
             'There is no other intact checkpoint in that folder.')
    cause = ('' if 'not a PyTorch checkpoint' in reason else
             ' A run killed while saving leaves such a file.')
    return DamagedCheckpointError(
        f'checkpoint {filename} is damaged: {reason}.{cause} {where} '
        'Nothing was overwritten.')


def check_checkpoint_file(filename: str) -> None:
    """Raise a clear error if ``filename`` cannot be a torch checkpoint.

    Args:
        filename (str): A local file.

    Raises:
        DamagedCheckpointError: The file is empty, a truncated zip
            archive or not a checkpoint at all.
    """
    problem = _structure_problem(filename)
    if problem:
        raise damaged_checkpoint_error(filename, problem)


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


def _misfits(own: Dict[str, torch.Tensor],
             state_dict: Dict[str, torch.Tensor]) -> Tuple[List[str], ...]:
    """Missing, unexpected and shape-mismatched keys (``missing`` leaves
    out BatchNorm's ``num_batches_tracked``, which old files lack)."""
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
    return missing, unexpected, mismatched


def _prefix_hint(own: Dict[str, torch.Tensor],
                 state_dict: Dict[str, torch.Tensor]) -> str:
    """A hint when the file's keys are the model's under a prefix (e.g. a
    whole detector's checkpoint given to its backbone)."""

    def tops(keys) -> List[str]:
        return sorted({k.split('.')[0] + '.' for k in keys})

    heads = tops(state_dict)
    for head in heads:
        inner = {k[len(head):] for k in state_dict if k.startswith(head)}
        if inner and len(inner & set(own)) >= 0.5 * len(own):
            return (f"The file's keys for this model start with {head!r}: "
                    'load it with `init_cfg=dict(type=\'Pretrained\', '
                    f'checkpoint=..., prefix={head!r})`.')
    if heads and not set(state_dict) & set(own):
        return (f"The file's keys start with {_short_list(heads)}; this "
                f"model's with {_short_list(tops(own))}.")
    return ''


def check_state_dict(module: nn.Module,
                     state_dict: Dict[str, torch.Tensor],
                     source: str = 'the checkpoint') -> None:
    """Raise a readable error unless ``state_dict`` fits ``module`` exactly.

    BatchNorm's ``num_batches_tracked`` counters may be absent.

    Args:
        module (nn.Module): The module to load into.
        state_dict (dict): The weights to load.
        source (str): How to name the checkpoint in errors.

    Raises:
        CheckpointMismatchError: Missing, unexpected or mismatched keys
            (listed, with a hint when a ``prefix`` would make them fit).
    """
    own = module.state_dict()
    missing, unexpected, mismatched = _misfits(own, state_dict)
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
    hint = _prefix_hint(own, state_dict)
    if hint:
        lines.append(hint)

    def has(keys, part):
        return any(part in k for k in keys)

    if (has(missing, '.dw_conv_list.') and has(unexpected, '.dw_conv.')) \
            or (has(missing, '.dw_conv.')
                and has(unexpected, '.dw_conv_list.')):
        # PP-LCNetV2: trained branches vs their folded form
        lines.append('A PP-LCNetV2 checkpoint keeps either the parallel '
                     'depthwise branches (dw_conv_list) or their folded '
                     'conv (dw_conv, written after switch_to_deploy()): '
                     'build the backbone with deploy=True for folded '
                     'weights, deploy=False for trained ones.')
    lines.append('Check that the model settings (scale, arch, num_classes) '
                 'match the checkpoint and that `prefix` is right, or '
                 'convert the weights with tools/model_converters. '
                 + PARTIAL_HINT)
    raise CheckpointMismatchError('\n'.join(lines))


def load_state_dict_checked(module: nn.Module,
                            state_dict: Dict[str, torch.Tensor],
                            source: str = 'the checkpoint',
                            strict: bool = True) -> None:
    """Load ``state_dict`` into ``module`` under the one loading rule.

    Args:
        module (nn.Module): The module to load into.
        state_dict (dict): The weights.
        source (str): How to name the checkpoint in messages.
        strict (bool): True: everything must fit
            (:func:`check_state_dict`). False (asked for explicitly):
            the keys that fit are loaded and the others are listed in a
            warning. Defaults to True.

    Raises:
        CheckpointMismatchError: With ``strict``, when anything does not
            fit.
    """
    if strict:
        check_state_dict(module, state_dict, source)
        module.load_state_dict(state_dict, strict=False)
        return
    own = module.state_dict()
    missing, unexpected, mismatched = _misfits(own, state_dict)
    fitting = OrderedDict(
        (k, v) for k, v in state_dict.items()
        if k in own and tuple(v.shape) == tuple(own[k].shape))
    module.load_state_dict(fitting, strict=False)
    parts = [
        f'{n} {what}: {_short_list(keys)}'
        for what, keys in (('missing (left as initialised)',
                            missing), ('unexpected (ignored)', unexpected),
                           ('shape mismatches (left as initialised)',
                            mismatched)) for n in [len(keys)] if keys
    ]
    print_log(
        f'partial load of {source} into {type(module).__name__}: '
        f'{len(fitting)} of {len(own)} tensors loaded' +
        ('; ' + '; '.join(parts) if parts else ''),
        logger='current',
        level=30 if parts else 20)


def load_pretrained_strict(module: nn.Module,
                           checkpoint: str,
                           prefix: Optional[str] = None,
                           map_location: str = 'cpu',
                           skip: Sequence[str] = (),
                           strict: bool = True) -> None:
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
        strict (bool): False loads what fits and lists the rest in a
            warning (:func:`load_state_dict_checked`). Defaults to True.

    Raises:
        FileNotFoundError: No such file.
        DamagedCheckpointError: The file is not a readable checkpoint.
        CheckpointMismatchError: Keys or shapes do not fit (strict).
    """
    source = f'checkpoint {checkpoint!r}'
    state_dict = state_dict_with_prefix(
        read_checkpoint(checkpoint, map_location), prefix, source)
    if skip:
        state_dict = OrderedDict((k, v) for k, v in state_dict.items()
                                 if not k.startswith(tuple(skip)))
    load_state_dict_checked(module, state_dict, source, strict)
    if strict:  # a partial load logged what it loaded and left out
        print_log(
            f'loaded {len(state_dict)} tensors into '
            f'{type(module).__name__} from {checkpoint}' +
            (f' (prefix {prefix!r})' if prefix else ''),
            logger='current')
