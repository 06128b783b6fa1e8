"""What every weight converter needs: reading sources, writing outputs."""
import os
import os.path as osp
import pickle
import tempfile
from collections import OrderedDict
from typing import Dict, Optional
from urllib.error import URLError

import numpy as np
import torch

PADDLE_EXTRA_KEY = 'StructuredToParameterName@@'


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
    """Rename Paddle BN statistics to PyTorch's (``_mean`` ...)."""
    if key.endswith('._mean'):
        return key[:-len('_mean')] + 'running_mean'
    if key.endswith('._variance'):
        return key[:-len('_variance')] + 'running_var'
    return key


def to_tensor_dict(
        state: Dict[str, np.ndarray]) -> 'OrderedDict[str, torch.Tensor]':
    """Convert arrays to contiguous float32 tensors (ints kept)."""
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
