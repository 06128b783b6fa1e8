"""What every weight converter needs: reading sources, writing outputs."""
import os
import os.path as osp
import pickle
import re
import tempfile
from collections import OrderedDict
from typing import Callable, Dict, Hashable, Mapping, Optional, Sequence, Tuple
from urllib.error import URLError

import numpy as np
import torch

PADDLE_EXTRA_KEY = 'StructuredToParameterName@@'
# PaddleClas' classifier dropout is ``downscale_in_infer``: at inference it
# multiplies the features by (1 - p); the fc weight absorbs that factor.
PADDLE_DROPOUT_P = 0.2
# Paddle's SE convs are bare Conv2D; ours are ConvModules (``.conv.``)
_PADDLE_SE_CONV = re.compile(r'\.(se|mid_se)\.(conv[12])\.(weight|bias)$')


def fetch(src: str, cache_dir: Optional[str] = None) -> str:
    """Return a local path for ``src``, downloading it if it is a URL.

    Args:
        src (str): Local path or ``http(s)://`` URL.
        cache_dir (str, optional): Where downloads go. Defaults to
            ``$TORCH_HOME/hub/checkpoints``.

    Returns:
        str: The local file.
    """
    if not src.startswith(('http://', 'https://')):
        if not osp.isfile(src):
            raise FileNotFoundError(f'weights file {src!r} does not exist')
        return src
    cache_dir = cache_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(cache_dir, exist_ok=True)
    dst = osp.join(cache_dir, osp.basename(src.split('?')[0]))
    if osp.isfile(dst):
        return dst
    tmp = tempfile.NamedTemporaryFile(dir=cache_dir, delete=False).name
    try:
        torch.hub.download_url_to_file(src, tmp, progress=True)
    except (URLError, OSError) as err:
        os.remove(tmp)
        raise RuntimeError(
            f'could not download {src}: {err}. Without internet access, '
            'download the file on another machine and pass its local '
            'path instead of the URL.') from err
    os.replace(tmp, dst)
    return dst


def resolve_source(src: str, published: Callable[[str], str],
                   what: str) -> str:
    """A path or URL as given, or the URL of a published-weights name.

    Args:
        src (str): Local path, URL, or a name ``published`` understands
            (e.g. ``x0.5``, ``large_x0_35``).
        published (Callable[[str], str]): Name -> URL; raises ValueError
            for unknown names.
        what (str): What a name means, for the error message.

    Returns:
        str: A local path or URL.
    """
    if osp.exists(src) or '://' in src:
        return src
    try:
        return published(src)
    except ValueError as err:
        raise SystemExit(f'{src!r} is neither a file nor a published '
                         f'{what}: {err}') from err


def load_pdparams(src: str) -> Dict[str, np.ndarray]:
    """Read a Paddle ``.pdparams`` file (a pickled dict of numpy arrays).

    No Paddle install is needed.

    Args:
        src (str): Path or URL.

    Returns:
        dict: Parameter name to array, without Paddle's bookkeeping key.
    """
    path = fetch(src)
    with open(path, 'rb') as f:
        try:
            params = pickle.load(f, encoding='latin1')
        except Exception as err:
            raise ValueError(
                f'{path} is not a Paddle .pdparams file (a pickled dict '
                f'of arrays): {type(err).__name__}: {err}') from err
    if not isinstance(params, dict):
        raise ValueError(f'{path} holds a {type(params).__name__}, not the '
                         'dict of arrays of a .pdparams file')
    params.pop(PADDLE_EXTRA_KEY, None)
    return {k: np.asarray(v) for k, v in params.items()}


def load_torch_state_dict(src: str) -> Dict[str, torch.Tensor]:
    """Read a PyTorch state dict (``.pth``/``.bin``/``.safetensors``).

    Args:
        src (str): Path or URL.

    Returns:
        dict: The state dict (``state_dict``/``model`` entries unwrapped).
    """
    path = fetch(src)
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return dict(load_file(path))
    obj = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'model', 'state_dict_ema'):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            return dict(obj[key])
    return dict(obj)


def paddle_bn_name(key: str) -> str:
    """Rename Paddle BN statistics to PyTorch's (``_mean`` ...).

    Args:
        key (str): A Paddle parameter name.

    Returns:
        str: ``._mean`` -> ``.running_mean`` and ``._variance`` ->
        ``.running_var``; any other key unchanged.
    """
    if key.endswith('._mean'):
        return key[:-len('_mean')] + 'running_mean'
    if key.endswith('._variance'):
        return key[:-len('_variance')] + 'running_var'
    return key


def to_tensor_dict(
        state: Dict[str, np.ndarray]) -> 'OrderedDict[str, torch.Tensor]':
    """Convert arrays to contiguous float32 tensors (ints kept).

    Args:
        state (dict[str, np.ndarray]): Name to array.

    Returns:
        OrderedDict: Name to tensor, in the same order; floating-point
        arrays become float32, integer ones keep their dtype.
    """
    out = OrderedDict()
    for key, value in state.items():
        tensor = torch.as_tensor(np.ascontiguousarray(value))
        if tensor.is_floating_point():
            tensor = tensor.float()
        out[key] = tensor.contiguous()
    return out


def save_checkpoint(state_dict: Dict[str, torch.Tensor],
                    dst: str,
                    meta: Optional[dict] = None,
                    backbone_only: bool = False) -> str:
    """Write an mmengine-style checkpoint ``{'meta', 'state_dict'}``.

    Args:
        state_dict (dict): Full model state dict (``backbone.*`` ...).
        dst (str): Output path.
        meta (dict, optional): Plain metadata (str/int/float values).
        backbone_only (bool): Keep only ``backbone.*`` keys; load them with
            ``init_cfg=dict(type='Pretrained', checkpoint=dst,
            prefix='backbone.')``.

    Returns:
        str: ``dst``.
    """
    if backbone_only:
        state_dict = OrderedDict(
            (k, v) for k, v in state_dict.items() if k.startswith('backbone.'))
    osp.dirname(dst) and os.makedirs(osp.dirname(dst), exist_ok=True)
    torch.save({'meta': dict(meta or {}), 'state_dict': state_dict}, dst)
    return dst


def paddle_scale_name(scale: float) -> str:
    """Paddle's spelling of a scale in names: 0.35 -> '0_35', 1 -> '1_0'.

    Args:
        scale (float): Width multiplier (rounded to two decimals).

    Returns:
        str: The name part.
    """
    name = f'{scale:.2f}'.rstrip('0').replace('.', '_')
    return name + '0' if name.endswith('_') else name


def paddle_classifier_to_mm(
        params: Dict[str, np.ndarray],
        backbone_prefixes: Tuple[str, ...],
        model_name: str,
        dropout_p: float = PADDLE_DROPOUT_P
) -> 'OrderedDict[str, torch.Tensor]':
    """Map a PaddleClas classifier to ours (backbone + PPLCNetClsHead).

    Keys starting with ``backbone_prefixes`` go to ``backbone.*`` (BN
    statistics and SE convs renamed); ``last_conv.weight`` and ``fc.*`` go
    to the head, with ``fc.weight`` transposed (Paddle stores [in, out])
    and scaled by ``1 - dropout_p``.

    Args:
        params (dict): PaddleClas parameters (``load_pdparams``).
        backbone_prefixes (tuple[str]): Paddle's backbone key prefixes.
        model_name (str): How to name the network in errors.
        dropout_p (float): Dropout of the Paddle model, folded into
            ``head.fc.weight``. Defaults to 0.2.

    Returns:
        OrderedDict: Our classifier's state dict.
    """
    out = {}
    unknown = []
    for key, value in params.items():
        new = paddle_bn_name(key)
        if new.startswith(backbone_prefixes):
            new = 'backbone.' + _PADDLE_SE_CONV.sub(r'.\1.\2.conv.\3', new)
        elif new == 'last_conv.weight':
            new = 'head.last_conv.weight'
        elif new == 'fc.weight':
            value = np.asarray(value).T * (1.0 - dropout_p)
            new = 'head.fc.weight'
        elif new == 'fc.bias':
            new = 'head.fc.bias'
        else:
            unknown.append(key)
            continue
        out[new] = value
    if unknown:
        shown = ', '.join(unknown[:12]) + (f', ... ({len(unknown) - 12} more)'
                                           if len(unknown) > 12 else '')
        raise KeyError(f'{len(unknown)} keys are not PaddleClas {model_name} '
                       f'ones: {shown}. Is this a {model_name} .pdparams '
                       'file?')
    return to_tensor_dict(out)


def first_dims(state_dict: Dict[str, torch.Tensor], keys: Sequence[str],
               model_name: str) -> Tuple[int, ...]:
    """The first dimension (output width) of some converted weights.

    Args:
        state_dict (dict): Our classifier's state dict.
        keys (Sequence[str]): The weights to read.
        model_name (str): How to name the network in errors.

    Returns:
        tuple[int]: One width per key.
    """
    missing = [k for k in keys if k not in state_dict]
    if missing:
        raise KeyError(f'no {", ".join(missing)} weights: not a '
                       f'{model_name} state dict')
    return tuple(int(state_dict[k].shape[0]) for k in keys)


def match_variant(found: Sequence[int], candidates: Mapping[Hashable,
                                                            Sequence[int]],
                  what: str, model_name: str) -> Hashable:
    """Find the variant whose widths (or other sizes) are ``found``.

    Args:
        found (Sequence[int]): The sizes read from the weights.
        candidates (Mapping): Variant to its sizes.
        what (str): What the sizes are, for the error message.
        model_name (str): How to name the network in errors.

    Returns:
        Hashable: The matching variant.

    Raises:
        ValueError: No variant matches.
    """
    for variant, expected in candidates.items():
        if tuple(found) == tuple(expected):
            return variant
    raise ValueError(
        f'{what} {tuple(found)} match none of the {model_name} variants '
        f'{tuple(candidates)}; pass the scale (and arch) explicitly')


def build_mm_classifier(backbone: dict,
                        in_channels: int,
                        num_classes: int,
                        last_conv_bias: bool = False,
                        head_channels: Optional[int] = 1280,
                        head_act_cfg: dict = dict(type='HSwish')):
    """Build an mmpretrain classifier with a ``PPLCNetClsHead``.

    Args:
        backbone (dict): Backbone config.
        in_channels (int): Width of the backbone's last stage.
        num_classes (int): Number of classes.
        last_conv_bias (bool): Bias in the head's 1x1 conv.
        head_channels (int, optional): Width of the head's 1x1 conv.
        head_act_cfg (dict): Activation after it (PP-LCNetV2: ReLU).
            Defaults to HSwish.

    Returns:
        ImageClassifier: The model (needs mmpretrain).
    """
    from mmpretrain.registry import MODELS

    from ..models.classification import PPLCNetClsHead  # noqa: F401
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=backbone,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='PPLCNetClsHead',
                num_classes=num_classes,
                in_channels=in_channels,
                mid_channels=head_channels,
                act_cfg=head_act_cfg,
                last_conv_bias=last_conv_bias)))


def check_and_save(model: torch.nn.Module, state_dict: Dict[str, torch.Tensor],
                   src: str, dst: str, meta: dict,
                   backbone_only: bool) -> dict:
    """Check that converted weights fit ``model`` exactly, then save them.

    Args:
        model (nn.Module): The classifier the weights are for.
        state_dict (dict): The converted weights.
        src (str): Where they came from (for errors).
        dst (str): Output checkpoint.
        meta (dict): Metadata to write with them.
        backbone_only (bool): Write ``backbone.*`` keys only.

    Returns:
        dict: ``meta`` with ``backbone_only`` added.
    """
    from ..utils import check_state_dict

    check_state_dict(model, state_dict, f'converted {src!r}')
    meta = dict(meta, backbone_only=backbone_only)
    save_checkpoint(state_dict, dst, meta, backbone_only=backbone_only)
    return meta
