"""Key map from PaddleDetection's PP-PicoDet on LCNet, both generations,
to our mmdet ``SingleStageDetector``: the current one (LCNet + LCPAN +
PicoHeadV2, ``generation='v2'``) and the legacy one (LCNet + CSPPAN +
PicoHead, ``generation='legacy'``: the 2021 COCO models and the
PP-Structure layout models).

A PicoDet ``.pdparams`` holds ``backbone.*``, ``neck.*`` and ``head.*``.
Paddle's state dict names the head's prediction convs twice
(``head_cls{i}`` and ``head_cls_list.{i}`` are one parameter), and keeps
four unused ``p{3..6}_feat.scale_reg`` scalars of its ``GFLHead`` base and the
fixed DFL projection: those are checked or dropped.
"""
import re
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import numpy as np
import torch

from ..models.layers import make_divisible
from .common import (_PADDLE_SE_CONV, check_and_save, load_pdparams,
                     match_variant, paddle_bn_name, to_tensor_dict)

# PaddleDetection's PicoDet sizes: (LCNet scale, neck / head channels,
# tower blocks)
PICODET_SIZES = {
    'xs': (0.35, 96, 2),
    's': (0.75, 96, 2),
    'm': (1.5, 128, 4),
    'l': (2.0, 160, 4),
}
NUM_LEVELS = 4
REG_MAX = 7
_DP = {
    'dwconv.weight': 'depthwise_conv.conv.weight',
    'bn1.': 'depthwise_conv.bn.',
    'pwconv.weight': 'pointwise_conv.conv.weight',
    'bn2.': 'pointwise_conv.bn.',
}
_ALIGN = {
    'dwconv.weight': '0.conv.weight',
    'bn1.': '0.bn.',
    'pwconv.weight': '1.conv.weight',
    'bn2.': '1.bn.',
}
_NECK_DP = re.compile(
    r'neck\.(downsamples\.\d+|first_top_conv|second_top_conv|'
    r'(?:top_down|bottom_up)_blocks\.\d+\.blocks\.\d+\.conv2)\.(.+)$')
GENERATIONS = ('v2', 'legacy')
_TOWER = re.compile(
    r'head\.conv_feat\.cls_conv_(dw|pw)(\d+)\.(\d+)\.(conv|norm)\.(.+)$')
_ALIAS = re.compile(r'head\.head_(cls|reg)(\d+)\.(weight|bias)$')


def _rename(table: Dict[str, str], rest: str) -> Optional[str]:
    """Apply the first matching prefix of ``table`` to ``rest``."""
    for old, new in table.items():
        if rest.startswith(old):
            return new + rest[len(old):]
    return None


def _map_key(key: str) -> Optional[str]:
    """Our name of a Paddle PicoDet key (BN statistics already renamed);
    None for keys we drop."""
    if key.startswith('backbone.'):
        return _PADDLE_SE_CONV.sub(r'.\1.\2.conv.\3', key)
    m = _NECK_DP.match(key)
    if m:
        rest = _rename(_DP, m[2])
        return None if rest is None else f'neck.{m[1]}.{rest}'
    if key.startswith('neck.conv_t.convs.'):
        return 'neck.conv_t.' + key[len('neck.conv_t.convs.'):]
    if key.startswith(('neck.top_down_blocks.', 'neck.bottom_up_blocks.')):
        return key
    m = _TOWER.match(key)
    if m:
        part = 'dw_conv' if m[1] == 'dw' else 'pw_conv'
        layer = 'bn' if m[4] == 'norm' else 'conv'
        return (f'bbox_head.conv_feat.towers.{m[2]}.{m[3]}.{part}.{layer}.'
                f'{m[5]}')
    if key.startswith('head.conv_feat.se.'):
        return 'bbox_head.' + key[len('head.'):].replace(
            '.conv.norm.', '.conv.bn.')
    if key.startswith(('head.head_cls_list.', 'head.head_reg_list.')):
        return 'bbox_head.' + key[len('head.'):]
    m = re.match(r'head\.cls_align\.(\d+)\.(.+)$', key)
    if m:
        rest = _rename(_ALIGN, m[2])
        return None if rest is None else f'bbox_head.cls_align.{m[1]}.{rest}'
    return None


def detect_generation(keys) -> str:
    """Which PicoDet a state dict holds, from its keys.

    Args:
        keys (Iterable[str]): Paddle or our keys.

    Returns:
        str: ``'v2'`` (LCPAN + PicoHeadV2: ESE attention and alignment
        branch) or ``'legacy'`` (CSPPAN + PicoHead: CSP blocks).

    Raises:
        KeyError: Neither kind of key, or both.
    """
    keys = list(keys)
    v2 = any(
        re.search(r'(head|bbox_head)\.(cls_align|conv_feat\.se)\.', k)
        for k in keys)
    legacy = any(
        re.search(
            r'neck\.(top_down|bottom_up)_blocks\.\d+\.'
            r'(main_conv|short_conv|final_conv)\.', k) for k in keys)
    if v2 == legacy:
        raise KeyError(
            'cannot tell the PicoDet generation from the keys: '
            f'{"both" if v2 else "neither"} PicoHeadV2 keys (head.cls_align, '
            'head.conv_feat.se) and CSP-PAN keys (neck.*_blocks.*.main_conv)'
            ' found; is this a PaddleDetection PicoDet on LCNet?')
    return 'v2' if v2 else 'legacy'


def paddle_picodet_to_mm(
        params: Dict[str, np.ndarray]) -> 'OrderedDict[str, torch.Tensor]':
    """Map a PaddleDetection PicoDet (LCNet, either generation) state dict
    to ours.

    Args:
        params (dict): Paddle parameters (``load_pdparams``).

    Returns:
        OrderedDict: Our detector's state dict.
    """
    out, unknown = OrderedDict(), []
    aliases = {}
    for key, value in params.items():
        key = paddle_bn_name(key)
        alias = _ALIAS.match(key)
        if alias:
            aliases[f'bbox_head.head_{alias[1]}_list.{alias[2]}.'
                    f'{alias[3]}'] = (key, value)
            continue
        if key == 'head.distribution_project.project':
            value = np.asarray(value).reshape(-1)
            if not np.allclose(value, np.arange(value.size)):
                raise ValueError(f'{key} is {value}, not 0..reg_max: not a '
                                 'PicoDet DFL projection')
            continue
        if re.fullmatch(r'head\.p\d+_feat\.scale_reg', key):
            continue  # GFLHead's Scale layers, unused by PicoHeadV2
        if key.startswith('head.conv_feat.reg_conv_'):
            raise ValueError(
                f'{key}: separate regression towers (share_cls_reg=False) '
                'are not supported; the LCNet PicoDets share one tower')
        new = _map_key(key)
        if new is None:
            unknown.append(key)
        else:
            out[new] = value
    if unknown:
        raise KeyError(
            f'{len(unknown)} keys are not PicoDet (LCNet + LCPAN + '
            f'PicoHeadV2, or LCNet + CSPPAN + PicoHead) keys, e.g. '
            f'{unknown[:8]}: is this a PicoDet .pdparams file with an '
            'LCNet backbone?')
    for new, (old, value) in aliases.items():
        if new not in out:
            out[new] = value
        elif not np.array_equal(out[new], value):
            raise ValueError(f'{old} differs from its alias {new}: the '
                             'file is inconsistent')
    return to_tensor_dict(out)


def infer_picodet_arch(
        state_dict: Dict[str, torch.Tensor]) -> Tuple[float, int, int, int]:
    """Read the sizes of a converted PicoDet (either generation) from its
    weights.

    Args:
        state_dict (dict): Our detector's state dict.

    Returns:
        tuple: ``(scale, channels, num_convs, num_classes)``; ``scale`` is
        one of the LCNet scales PicoDet was published with.
    """
    need = ('backbone.conv1.conv.weight', 'neck.conv_t.0.conv.weight',
            'bbox_head.head_cls_list.0.weight')
    missing = [k for k in need if k not in state_dict]
    if missing:
        raise KeyError(f'no {missing} in the weights: not a PicoDet')
    stem = int(state_dict[need[0]].shape[0])
    c3 = int(state_dict[need[1]].shape[1])
    scales = sorted({s
                     for s, _, _ in PICODET_SIZES.values()}
                    | {0.5, 1.0, 2.5})
    scale = match_variant(
        (stem, c3),
        {s: (make_divisible(16 * s), make_divisible(128 * s))
         for s in scales}, 'LCNet widths (stem, blocks4)', 'PicoDet')
    channels = int(state_dict[need[1]].shape[0])
    num_classes = int(state_dict[need[2]].shape[0])
    if detect_generation(state_dict) == 'legacy':
        # one conv predicts the classes and the 4 x 8 distribution bins
        num_classes -= 4 * (REG_MAX + 1)
    towers = {
        int(m[1])
        for k in state_dict
        if (m := re.match(r'bbox_head\.conv_feat\.towers\.0\.(\d+)\.', k))
    }
    return scale, channels, len(towers), num_classes


def picodet_model_cfg(scale: float,
                      channels: int,
                      num_convs: int,
                      num_classes: int = 80,
                      generation: str = 'v2') -> dict:
    """The mmdet config of a PicoDet on PP-LCNet.

    Args:
        scale (float): LCNet width multiplier.
        channels (int): Neck and head channels.
        num_convs (int): Blocks per head tower.
        num_classes (int): Number of classes. Defaults to 80.
        generation (str): ``'v2'`` (LCPAN + PicoHeadV2) or ``'legacy'``
            (CSPPAN + PicoHead). Defaults to ``'v2'``.

    Returns:
        dict: A ``SingleStageDetector`` config (mmdet scope).
    """
    if generation not in GENERATIONS:
        raise ValueError(f'generation must be one of {GENERATIONS}, got '
                         f'{generation!r}')
    legacy = generation == 'legacy'
    return dict(
        type='SingleStageDetector',
        data_preprocessor=dict(
            type='DetDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            pad_size_divisor=32),
        backbone=dict(type='PPLCNet', scale=scale, out_indices=(2, 3, 4)),
        neck=dict(
            type='CSPPAN' if legacy else 'LCPAN',
            in_channels=[make_divisible(c * scale) for c in (128, 256, 512)],
            out_channels=channels,
            num_features=NUM_LEVELS),
        bbox_head=dict(
            type='PicoHead' if legacy else 'PicoHeadV2',
            num_classes=num_classes,
            in_channels=channels,
            num_convs=num_convs))


def build_picodet(model_cfg: dict):
    """Build a detector from a model config (needs mmdet).

    Args:
        model_cfg (dict): E.g. :func:`picodet_model_cfg` or a config
            file's ``model``.

    Returns:
        nn.Module: The detector.
    """
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.registry import DefaultScope

    from ..models import detection  # noqa: F401 (registers the parts)
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(model_cfg)


def convert_picodet(src: str,
                    dst: str,
                    config: Optional[str] = None,
                    num_classes: Optional[int] = None,
                    generation: Optional[str] = None) -> dict:
    """Convert PaddleDetection PicoDet weights (either generation) to an
    mmdet checkpoint.

    The converted weights are loaded into the model of ``config`` (or of
    the sizes read from the weights) first: keys or shapes that do not fit
    are an error that lists them.

    Args:
        src (str): ``.pdparams`` path or URL.
        dst (str): Output checkpoint.
        config (str, optional): An mmdet config whose ``model`` the weights
            must fit. None builds the model from the weights' sizes.
        num_classes (int, optional): Expected number of classes (checked
            against the weights). Defaults to None.
        generation (str, optional): ``'v2'`` or ``'legacy'``, checked
            against the weights; None reads it from the keys.

    Returns:
        dict: The metadata written with the checkpoint.
    """
    params = load_pdparams(src)
    found = detect_generation(params)
    if generation is not None and generation != found:
        if generation not in GENERATIONS:
            raise ValueError(f'generation must be one of {GENERATIONS}, '
                             f'got {generation!r}')
        raise ValueError(
            f'{src!r} holds a {found} PicoDet, not a {generation} one '
            f'(use --generation {found} and a {found} config)')
    state_dict = paddle_picodet_to_mm(params)
    scale, channels, num_convs, found_classes = infer_picodet_arch(state_dict)
    if num_classes is not None and num_classes != found_classes:
        raise ValueError(f'{src!r} has {found_classes} classes, not '
                         f'{num_classes}')
    if config is not None:
        from mmengine.config import Config
        model_cfg = Config.fromfile(config).model
        model_cfg.backbone.init_cfg = None
        expected = dict(v2='PicoHeadV2', legacy='PicoHead')[found]
        head = model_cfg.get('bbox_head', {}).get('type')
        if head != expected:
            raise ValueError(
                f'{src!r} holds a {found} PicoDet ({expected}) but {config} '
                f'has a {head} head: pick a {found} PicoDet config')
    else:
        model_cfg = picodet_model_cfg(scale, channels, num_convs,
                                      found_classes, found)
    meta = dict(
        src=src,
        generation=found,
        scale=float(scale),
        channels=channels,
        num_convs=num_convs,
        num_classes=found_classes,
        config=config or '',
        converter='mm_pplcnet.converters.convert_picodet')
    return check_and_save(
        build_picodet(model_cfg), state_dict, src, dst, meta, False)
