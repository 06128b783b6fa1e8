"""Key maps from PaddleClas' and timm's PP-LCNet to ours.

Ours is an mmpretrain ``ImageClassifier`` with a ``PPLCNet`` backbone and
a ``PPLCNetClsHead``: ``backbone.conv1.*``, ``backbone.blocks{2-6}.*``,
``head.last_conv.weight``, ``head.fc.*``.
"""
import re
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
import torch

from ..models.backbones.pplcnet import PPLCNet
from ..models.layers import make_divisible
from .common import paddle_bn_name, to_tensor_dict

PUBLISHED_SCALES = (0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5)
PADDLE_URL = ('https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/'
              'legendary_models/PPLCNet_x{name}_{kind}.pdparams')
SSLD_SCALES = (0.5, 1.0, 2.5)
# Paddle's classifier dropout is ``downscale_in_infer``: at inference it
# multiplies the features by (1 - p); the fc weight absorbs that factor.
PADDLE_DROPOUT_P = 0.2


def paddle_url(scale: float, ssld: bool = False) -> str:
    """URL of PaddleClas' ImageNet weights of one scale."""
    if scale not in PUBLISHED_SCALES or (ssld and scale not in SSLD_SCALES):
        avail = SSLD_SCALES if ssld else PUBLISHED_SCALES
        raise ValueError(f'PaddleClas publishes no {"SSLD " if ssld else ""}'
                         f'PP-LCNet x{scale}; available: {avail}')
    name = f'{scale:.2f}'.rstrip('0').replace('.', '_')
    if name.endswith('_'):
        name += '0'
    kind = 'ssld_pretrained' if ssld else 'pretrained'
    return PADDLE_URL.format(name=name, kind=kind)


def paddle_pplcnet_to_mm(
        params: Dict[str, np.ndarray],
        dropout_p: float = PADDLE_DROPOUT_P
) -> 'OrderedDict[str, torch.Tensor]':
    """Map a PaddleClas PP-LCNet state dict to ours.

    Args:
        params (dict): PaddleClas parameters (``load_pdparams``).
        dropout_p (float): Dropout of the Paddle model, folded into
            ``head.fc.weight``. Defaults to 0.2.

    Returns:
        OrderedDict: Our classifier's state dict.
    """
    out = {}
    for key, value in params.items():
        new = paddle_bn_name(key)
        if new.startswith(('conv1.', 'blocks')):
            new = re.sub(r'\.se\.(conv[12])\.(weight|bias)$',
                         r'.se.\1.conv.\2', new)
            new = 'backbone.' + new
        elif new == 'last_conv.weight':
            new = 'head.last_conv.weight'
        elif new == 'fc.weight':
            # Paddle Linear stores [in, out]
            value = np.asarray(value).T * (1.0 - dropout_p)
            new = 'head.fc.weight'
        elif new == 'fc.bias':
            new = 'head.fc.bias'
        else:
            raise KeyError(f'unknown PaddleClas PP-LCNet key {key!r}: is '
                           'this a PP-LCNet .pdparams file?')
        out[new] = value
    return to_tensor_dict(out)


# blocks per stage of our network (blocks2 ... blocks6)
_STAGE_DEPTHS = [len(stage) for stage in PPLCNet.arch_settings['default']]
_TIMM_BLOCK_PARTS = {
    'conv_dw': 'dw_conv.conv',
    'bn1': 'dw_conv.bn',
    'se.conv_reduce': 'se.conv1.conv',
    'se.conv_expand': 'se.conv2.conv',
    'conv_pw': 'pw_conv.conv',
    'bn2': 'pw_conv.bn',
}


def timm_lcnet_to_mm(
    state: Dict[str, torch.Tensor],
    stage_depths: Sequence[int] = _STAGE_DEPTHS
) -> 'OrderedDict[str, torch.Tensor]':
    """Map a timm ``lcnet_*`` state dict to ours.

    timm splits blocks5 into two stages; blocks are matched in order.
    timm's ``conv_head`` has a bias: build the head with
    ``last_conv_bias=True``.

    Args:
        state (dict): timm state dict.
        stage_depths (Sequence[int]): Our blocks per stage.

    Returns:
        OrderedDict: Our classifier's state dict.
    """
    order = sorted({(int(m[1]), int(m[2]))
                    for k in state
                    if (m := re.match(r'blocks\.(\d+)\.(\d+)\.', k))})
    ours = [(s, i) for s, depth in enumerate(stage_depths)
            for i in range(depth)]
    if len(order) != len(ours):
        raise ValueError(f'the timm state dict has {len(order)} blocks; '
                         f'PP-LCNet has {len(ours)}: not an lcnet_* model?')
    block_map = dict(zip(order, ours))
    out = OrderedDict()
    for key, value in state.items():
        m = re.match(r'blocks\.(\d+)\.(\d+)\.(.+)\.(\w+)$', key)
        if m:
            stage, idx = block_map[(int(m[1]), int(m[2]))]
            part = _TIMM_BLOCK_PARTS.get(m[3])
            if part is None:
                raise KeyError(f'unknown timm lcnet key {key!r}')
            new = f'backbone.blocks{stage + 2}.{idx}.{part}.{m[4]}'
        elif key.startswith('conv_stem.'):
            new = 'backbone.conv1.conv.' + key.split('.', 1)[1]
        elif key.startswith('bn1.'):
            new = 'backbone.conv1.bn.' + key.split('.', 1)[1]
        elif key.startswith('conv_head.'):
            new = 'head.last_conv.' + key.split('.', 1)[1]
        elif key.startswith('classifier.'):
            new = 'head.fc.' + key.split('.', 1)[1]
        else:
            raise KeyError(f'unknown timm lcnet key {key!r}')
        out[new] = value.detach().clone()
    return out


def infer_scale(state_dict: Dict[str, torch.Tensor],
                scales: Sequence[float] = PUBLISHED_SCALES) -> float:
    """Find the published scale whose widths match a converted state dict.

    Args:
        state_dict (dict): Our classifier's state dict.
        scales (Sequence[float]): Candidates.

    Returns:
        float: The scale.
    """
    keys = ('backbone.conv1.conv.weight',
            'backbone.blocks5.0.pw_conv.conv.weight',
            'backbone.blocks6.0.pw_conv.conv.weight')
    if any(k not in state_dict for k in keys):
        raise KeyError('no backbone.conv1 / blocks5 / blocks6 weights: not '
                       'a PP-LCNet state dict')
    widths = tuple(state_dict[k].shape[0] for k in keys)
    for scale in scales:
        if widths == tuple(make_divisible(c * scale) for c in (16, 256, 512)):
            return scale
    raise ValueError(f'widths {widths} (stem, blocks5, blocks6) match none '
                     f'of the scales {tuple(scales)}; pass --scale')


def build_classifier(scale: float,
                     num_classes: int,
                     last_conv_bias: bool = False,
                     head_channels: Optional[int] = 1280):
    """Build our mmpretrain PP-LCNet classifier (needs mmpretrain)."""
    from mmpretrain.registry import MODELS

    from ..models.classification import PPLCNetClsHead  # noqa: F401
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='PPLCNet', scale=scale),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='PPLCNetClsHead',
                num_classes=num_classes,
                in_channels=make_divisible(512 * scale),
                mid_channels=head_channels,
                last_conv_bias=last_conv_bias)))


def convert_pplcnet(source: str,
                    src: str,
                    dst: str,
                    backbone_only: bool = False,
                    scale: Optional[float] = None) -> dict:
    """Convert PaddleClas or timm PP-LCNet weights to an mmpretrain file.

    The converted weights are loaded into the matching classifier first,
    so keys or shapes that do not fit are an error that lists them.

    Args:
        source (str): 'paddle' or 'timm'.
        src (str): Input path or URL (``.pdparams`` for Paddle; a state
            dict for timm).
        dst (str): Output checkpoint.
        backbone_only (bool): Write ``backbone.*`` keys only.
        scale (float, optional): Width multiplier; inferred from the widths
            when None.

    Returns:
        dict: The metadata written with the checkpoint.
    """
    from ..utils import check_state_dict
    from .common import load_pdparams, load_torch_state_dict, save_checkpoint

    if source == 'paddle':
        state_dict = paddle_pplcnet_to_mm(load_pdparams(src))
    elif source == 'timm':
        state_dict = timm_lcnet_to_mm(load_torch_state_dict(src))
    else:
        raise ValueError(f"source must be 'paddle' or 'timm', got "
                         f'{source!r}')
    if scale is None:
        scale = infer_scale(state_dict)
    num_classes = state_dict['head.fc.weight'].shape[0]
    model = build_classifier(
        scale, num_classes, last_conv_bias='head.last_conv.bias' in state_dict)
    check_state_dict(model, state_dict, f'converted {src!r}')
    meta = dict(
        source=source,
        src=src,
        scale=float(scale),
        num_classes=int(num_classes),
        last_conv_bias='head.last_conv.bias' in state_dict,
        backbone_only=backbone_only,
        converter='mm_pplcnet.converters.convert_pplcnet')
    save_checkpoint(state_dict, dst, meta, backbone_only=backbone_only)
    return meta
