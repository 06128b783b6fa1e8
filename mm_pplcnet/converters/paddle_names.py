"""Map Paddle's automatic parameter names to our state-dict keys.

Paddle inference models and their ONNX exports name parameters by layer
type and creation order: ``conv2d_N.w_0`` / ``.b_0`` (Conv2D weight /
bias), ``batch_norm2d_N.w_0`` / ``b_0`` / ``w_1`` / ``w_2`` (BN scale,
shift, mean, variance; ``batch_norm_N`` for the legacy ``BatchNorm``),
``linear_N.w_0`` / ``b_0`` (Linear, weight stored [in, out]). Paddle 3
(PIR) exports may add ``_deepcopy_K``; the numbers may start anywhere (a
process that built other layers first) and only their order matters.

The counters are per layer type, so matching needs, per type, our layers
in the order Paddle created them: our modules in registration order,
optionally re-sorted by a per-network key (PicoDet's neck and head create
some layers in another order than they register them). No Paddle is
needed; tests check the order against Paddle's own networks.
"""
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

AUTO_NAME = re.compile(r'^(?P<kind>[a-z][a-z0-9_]*?)_(?P<index>\d+)\.'
                       r'(?P<slot>[wb]_\d+)(?:_deepcopy_\d+)?$')
KINDS = {
    'conv2d': 'conv',
    'batch_norm2d': 'bn',
    'batch_norm': 'bn',
    'sync_batch_norm': 'bn',
    'linear': 'linear',
}
# our attribute for each Paddle slot, per kind
_SLOTS = {
    'conv': {
        'w_0': 'weight',
        'b_0': 'bias'
    },
    'bn': {
        'w_0': 'weight',
        'b_0': 'bias',
        'w_1': 'running_mean',
        'w_2': 'running_var'
    },
    'linear': {
        'w_0': 'weight',
        'b_0': 'bias'
    },
}


def is_automatic(names: Sequence[str]) -> bool:
    """Whether parameter names are Paddle's automatic ones.

    Args:
        names (Sequence[str]): Parameter names.

    Returns:
        bool: True if they all look like ``conv2d_0.w_0``.
    """
    return bool(names) and all(AUTO_NAME.match(n) for n in names)


def group_layers(
    params: Dict[str, np.ndarray], ignore: Sequence[str] = ()
) -> Tuple[Dict[str, List[Tuple[str, Dict[str, np.ndarray]]]], List[str]]:
    """Group automatic names into layers, per kind, in creation order.

    Args:
        params (dict): Automatic name to array.
        ignore (Sequence[str]): Paddle layer types to drop (e.g.
            ``scale_reg``: PicoDet's unused Scale layers).

    Returns:
        tuple: ``{kind: [(paddle layer name, {slot: array})]}`` sorted by
        number, and the names of the other layer types found.
    """
    layers: Dict[Tuple[str, str, int], Dict[str, np.ndarray]] = {}
    other = []
    for name, value in params.items():
        m = AUTO_NAME.match(name)
        if m is None or m['kind'] in ignore:
            continue
        if m['kind'] not in KINDS:
            other.append(name)
            continue
        key = (KINDS[m['kind']], m['kind'], int(m['index']))
        layers.setdefault(key, {})[m['slot']] = np.asarray(value)
    grouped: Dict[str, list] = {k: [] for k in _SLOTS}
    types: Dict[str, set] = {k: set() for k in _SLOTS}
    for (kind, ptype, index), slots in sorted(layers.items()):
        grouped[kind].append((f'{ptype}_{index}', slots))
        types[kind].add(ptype)
    mixed = {k: v for k, v in types.items() if len(v) > 1}
    if mixed:
        raise ValueError(f'layers of several Paddle types in one role '
                         f'{mixed}: their relative order is unknown')
    return grouped, other


def module_layers(
    model: nn.Module,
    order_key: Optional[Callable[[str], tuple]] = None
) -> Dict[str, List[Tuple[str, nn.Module]]]:
    """Our convs, BNs and linears per kind, in Paddle's creation order.

    Args:
        model (nn.Module): Our network.
        order_key (Callable, optional): Sort key of a module name giving
            Paddle's creation order (stable: ties keep registration
            order). None keeps registration order.

    Returns:
        dict: ``{kind: [(module name, module)]}``.
    """
    out: Dict[str, list] = {k: [] for k in _SLOTS}
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            out['conv'].append((name, module))
        elif isinstance(module, _BatchNorm):
            out['bn'].append((name, module))
        elif isinstance(module, nn.Linear):
            out['linear'].append((name, module))
    if order_key is not None:
        for kind in out:
            out[kind].sort(key=lambda item: order_key(item[0]))
    return out


def _short(items: Sequence[str], n: int = 6) -> str:
    more = f', ... ({len(items) - n} more)' if len(items) > n else ''
    return ', '.join(items[:n]) + more


def map_automatic(
        params: Dict[str, np.ndarray],
        model: nn.Module,
        order_key: Optional[Callable[[str], tuple]] = None,
        linear_scale: float = 1.0,
        ignore: Sequence[str] = (),
        what: str = 'the network') -> 'OrderedDict[str, torch.Tensor]':
    """Map automatically named Paddle weights onto ``model``'s keys.

    Per kind, the k-th Paddle layer (by number) is our k-th layer in
    Paddle's creation order; every array's shape is checked.

    Args:
        params (dict): Automatic name to array.
        model (nn.Module): Our network (its keys and shapes are the
            target).
        order_key (Callable, optional): See :func:`module_layers`.
        linear_scale (float): Factor for linear weights (Paddle's
            ``downscale_in_infer`` dropout, 1 - p). Linear weights are
            also transposed ([in, out] -> [out, in]). Defaults to 1.
        ignore (Sequence[str]): Paddle layer types to drop.
        what (str): How to name ``model`` in errors.

    Returns:
        OrderedDict: Our key to float32 tensor.

    Raises:
        ValueError: Layer counts, slots or shapes do not match; the message
        lists what does not fit.
    """
    theirs, other = group_layers(params, ignore)
    ours = module_layers(model, order_key)
    problems = []
    if other:
        problems.append(f'layers of unknown types: {_short(other)}')
    for kind in _SLOTS:
        if len(theirs[kind]) != len(ours[kind]):
            problems.append(f'{len(theirs[kind])} {kind} layers in the file,'
                            f' {len(ours[kind])} in {what}')
    if problems:
        raise ValueError('the weights do not fit ' + what + ': '
                         + '; '.join(problems))
    own = model.state_dict()
    out = OrderedDict()
    mismatched = []
    for kind, slots in _SLOTS.items():
        for (pname, arrays), (name, module) in zip(theirs[kind], ours[kind]):
            prefix = f'{name}.' if name else ''
            for slot, array in arrays.items():
                attr = slots.get(slot)
                key = prefix + (attr or slot)
                if attr is None or key not in own:
                    mismatched.append(f'{pname}.{slot} has no place in '
                                      f'{name}')
                    continue
                if kind == 'linear' and attr == 'weight':
                    array = array.T * linear_scale
                if tuple(array.shape) != tuple(own[key].shape):
                    mismatched.append(f'{pname}.{slot} {tuple(array.shape)} '
                                      f'vs {key} {tuple(own[key].shape)}')
                    continue
                out[key] = torch.from_numpy(np.array(array, np.float32))
            for attr in slots.values():
                key = prefix + attr
                if key in own and key not in out and not any(
                        m.startswith(f'{pname}.') for m in mismatched):
                    mismatched.append(f'{key} missing in the file '
                                      f'({pname})')
    if mismatched:
        raise ValueError(f'the weights do not fit {what}: '
                         f'{len(mismatched)} mismatches: '
                         f'{_short(mismatched)}')
    return out
