"""Key maps from PaddleClas' and timm's PP-LCNet to ours.

Ours is an mmpretrain ``ImageClassifier`` with a ``PPLCNet`` backbone and
a ``PPLCNetClsHead``: ``backbone.conv1.*``, ``backbone.blocks{2-6}.*``,
``head.last_conv.weight``, ``head.fc.*``.
"""
import re
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from ..models.backbones.pplcnet import PPLCNet
from ..models.layers import make_divisible
from .common import (PADDLE_DROPOUT_P, ClassifierFamily, build_mm_classifier,
                     classifier_model_cfg, first_dims, load_paddle_classifier,
                     match_variant, paddle_classifier_to_mm, paddle_scale_name,
                     save_classifier)

PUBLISHED_SCALES = (0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5)
PADDLE_URL = ('https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/'
              'legendary_models/PPLCNet_x{name}_{kind}.pdparams')
SSLD_SCALES = (0.5, 1.0, 2.5)


def paddle_url(scale: float, ssld: bool = False) -> str:
    """URL of PaddleClas' ImageNet weights of one scale.

    Args:
        scale (float): One of ``PUBLISHED_SCALES``.
        ssld (bool): The SSLD-distilled weights (``SSLD_SCALES`` only).
            Defaults to False.

    Returns:
        str: The ``.pdparams`` URL.

    Raises:
        ValueError: PaddleClas publishes no such weights.
    """
    if scale not in PUBLISHED_SCALES or (ssld and scale not in SSLD_SCALES):
        avail = SSLD_SCALES if ssld else PUBLISHED_SCALES
        raise ValueError(f'PaddleClas publishes no {"SSLD " if ssld else ""}'
                         f'PP-LCNet x{scale}; available: {avail}')
    kind = 'ssld_pretrained' if ssld else 'pretrained'
    return PADDLE_URL.format(name=paddle_scale_name(scale), kind=kind)


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
    return paddle_classifier_to_mm(params, ('conv1.', 'blocks'), 'PP-LCNet',
                                   dropout_p)


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
    candidates = {
        scale: [make_divisible(c * scale) for c in (16, 256, 512)]
        for scale in scales
    }
    return match_variant(
        first_dims(state_dict, keys, 'PP-LCNet'), candidates,
        'widths (stem, blocks5, blocks6)', 'PP-LCNet')


def build_classifier(scale: float,
                     num_classes: int,
                     last_conv_bias: bool = False,
                     head_channels: Optional[int] = 1280):
    """Build our mmpretrain PP-LCNet classifier (needs mmpretrain).

    Args:
        scale (float): Width multiplier of the backbone.
        num_classes (int): Number of classes.
        last_conv_bias (bool): Bias in the head's 1x1 conv (timm's
            weights have one). Defaults to False.
        head_channels (int, optional): Width of the head's 1x1 conv; None
            removes it. Defaults to 1280.

    Returns:
        ImageClassifier: The model, with a ``PPLCNetClsHead``.
    """
    return build_mm_classifier(
        dict(type='PPLCNet', scale=scale), make_divisible(512 * scale),
        num_classes, last_conv_bias, head_channels)


def pplcnet_model_cfg(scale: float,
                      num_classes: int,
                      last_conv_bias: bool = False) -> dict:
    """The mmpretrain ``model`` config of our PP-LCNet classifier.

    Args:
        scale (float): Width multiplier.
        num_classes (int): Number of classes.
        last_conv_bias (bool): Bias in the head's 1x1 conv.

    Returns:
        dict: An ``ImageClassifier`` config.
    """
    return classifier_model_cfg(
        dict(type='PPLCNet', scale=scale, out_indices=(4, )),
        make_divisible(512 * scale), num_classes, last_conv_bias)


PPLCNET_FAMILY = ClassifierFamily(
    name='PP-LCNet',
    to_mm=paddle_pplcnet_to_mm,
    variants=PUBLISHED_SCALES,
    build=build_classifier,
    infer=infer_scale,
    describe=lambda scale: dict(scale=float(scale)))


def load_pplcnet(src: str,
                 source: str = 'paddle',
                 scale: Optional[float] = None,
                 backbone_only: bool = False,
                 trust_pickle: bool = False,
                 config: Optional[str] = None) -> Tuple[dict, dict]:
    """Read PP-LCNet weights of any supported format as our state dict.

    Paddle sources: ``.pdparams`` (structured keys), inference models
    (``.pdmodel`` or ``.json`` + ``.pdiparams``) and paddle2onnx exports
    (automatic names, mapped by creation order), with any number of
    classes or no head (``backbone_only``). timm sources: a state dict.

    Args:
        src (str): Path or URL.
        source (str): 'paddle' or 'timm'. Defaults to 'paddle'.
        scale (float, optional): Expected width multiplier; read from the
            shapes when None.
        backbone_only (bool): Accept head-less files (and the backbone of
            a detector's ``.pdparams``).
        trust_pickle (bool): Unpickle ``.pdparams`` without restrictions
            (only for files you trust). Defaults to False.
        config (str, optional): An mmpretrain config whose model the
            weights must also fit (an error lists what does not).

    Returns:
        tuple: ``(state_dict, meta)``: our classifier's keys (only
        ``backbone.*`` for head-less files) and ``source``, ``format``,
        ``scale``, ``num_classes``, ``last_conv_bias`` (and ``classes``
        when the file names them).
    """
    from ..utils import check_state_dict
    from .common import check_classifier_config, load_torch_state_dict

    if source == 'paddle':
        state, meta = load_paddle_classifier(
            src,
            PPLCNET_FAMILY,
            scale,
            backbone_only,
            trust_pickle,
            config=config)
        meta['last_conv_bias'] = False
        return state, meta
    if source != 'timm':
        raise ValueError(f"source must be 'paddle' or 'timm', got "
                         f'{source!r}')
    state = timm_lcnet_to_mm(load_torch_state_dict(src))
    scale = infer_scale(state) if scale is None else scale
    num_classes = int(state['head.fc.weight'].shape[0])
    bias = 'head.last_conv.bias' in state
    check_state_dict(
        build_classifier(scale, num_classes, last_conv_bias=bias), state,
        f'converted {src!r}')
    if config is not None:
        check_classifier_config(state, src, config)
    return state, dict(
        source='timm',
        src=src,
        format='timm',
        scale=float(scale),
        num_classes=num_classes,
        last_conv_bias=bias)


def convert_pplcnet(source: str,
                    src: str,
                    dst: str,
                    backbone_only: bool = False,
                    scale: Optional[float] = None,
                    trust_pickle: bool = False,
                    config: Optional[str] = None) -> dict:
    """Convert PaddleClas or timm PP-LCNet weights to an mmpretrain file.

    The converted weights are loaded into the matching classifier first,
    so keys or shapes that do not fit are an error that lists them. A
    full classifier also gets a config that fits it (class count, class
    names, Paddle's preprocessing) beside ``dst`` (``.py``).

    Args:
        source (str): 'paddle' or 'timm'.
        src (str): Input path or URL (see :func:`load_pplcnet`).
        dst (str): Output checkpoint.
        backbone_only (bool): Write ``backbone.*`` keys only.
        scale (float, optional): Width multiplier; inferred from the widths
            when None.
        trust_pickle (bool): See :func:`load_pplcnet`.
        config (str, optional): See :func:`load_pplcnet`.

    Returns:
        dict: The metadata written with the checkpoint (``config``: the
        config written, if any).
    """
    state, meta = load_pplcnet(src, source, scale, backbone_only, trust_pickle,
                               config)
    meta['converter'] = 'mm_pplcnet.converters.convert_pplcnet'
    return save_classifier(
        state, dst, meta, backbone_only, lambda: pplcnet_model_cfg(
            meta['scale'], meta['num_classes'], meta['last_conv_bias']),
        f'PP-LCNet x{meta["scale"]:g}')
