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
from .common import (_PADDLE_SE_CONV, match_variant, paddle_bn_name,
                     save_checkpoint, to_tensor_dict)

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


def _config_model(config: str, generation: str, src: str) -> dict:
    """The ``model`` of an mmdet config, checked to be ``generation``."""
    from mmengine.config import Config
    model_cfg = Config.fromfile(config).model
    model_cfg.backbone.init_cfg = None
    expected = dict(v2='PicoHeadV2', legacy='PicoHead')[generation]
    head = model_cfg.get('bbox_head', {}).get('type')
    if head != expected:
        raise ValueError(
            f'{src!r} holds a {generation} PicoDet ({expected}) but {config} '
            f'has a {head} head: pick a {generation} PicoDet config')
    return model_cfg


def _structured_picodet(params: Dict[str, np.ndarray], src: str,
                        generation: Optional[str]):
    """(state dict, generation, sizes) of a structured ``.pdparams``."""
    found = detect_generation(params)
    if generation is not None and generation != found:
        raise ValueError(
            f'{src!r} holds a {found} PicoDet, not a {generation} one '
            f'(use --generation {found} and a {found} config)')
    state_dict = paddle_picodet_to_mm(params)
    return state_dict, found, infer_picodet_arch(state_dict)


def _tower_free_convs(generation: str) -> int:
    """Conv layers of a PicoDet on LCNet with one tower block per level
    (each more block adds 2 per level)."""
    model = build_picodet(picodet_model_cfg(0.35, 96, 1, 1, generation))
    return sum(isinstance(m, torch.nn.Conv2d) for m in model.modules())


def _automatic_picodet(params: Dict[str, np.ndarray], src: str,
                       generation: Optional[str], model_cfg: Optional[dict]):
    """(state dict, generation, sizes) of an automatically named file:
    sizes read from the layer shapes, then every weight checked."""
    from .paddle_names import group_layers, map_automatic
    convs = [layer['w_0'] for _, layer in group_layers(params)[0]['conv']]
    # LCNet: stem + 13 blocks of dw / pw convs + 2 SE blocks of 2 convs
    n_backbone = 31
    if len(convs) <= n_backbone + 3:
        raise ValueError(f'{src}: {len(convs)} conv layers, too few for a '
                         'PicoDet on LCNet (a classifier file?)')
    generations = (generation, ) if generation else GENERATIONS
    tried = []
    for gen in generations:
        if model_cfg is None:
            extra = len(convs) - _tower_free_convs(gen)
            if extra < 0 or extra % (2 * NUM_LEVELS):
                tried.append(f'{gen}: {len(convs)} conv layers fit no tower '
                             'depth')
                continue
            num_convs = 1 + extra // (2 * NUM_LEVELS)
            cls_conv = convs[-1] if gen == 'legacy' else convs[-4]
            num_classes = int(
                cls_conv.shape[0]) - (4 *
                                      (REG_MAX + 1) if gen == 'legacy' else 0)
            stem, top = int(convs[0].shape[0]), int(convs[30].shape[0])
            scale = next(
                (s for s in sorted({v[0]
                                    for v in PICODET_SIZES.values()}
                                   | {0.5, 1.0, 2.5})
                 if (make_divisible(16 * s),
                     make_divisible(512 * s)) == (stem, top)), None)
            if scale is None or num_classes < 1:
                tried.append(f'{gen}: LCNet widths {stem}, {top} or the '
                             f'class conv {tuple(cls_conv.shape)} fit no '
                             'PicoDet')
                continue
            cfg = picodet_model_cfg(scale, int(convs[n_backbone].shape[0]),
                                    num_convs, num_classes, gen)
        else:
            cfg = model_cfg
            if cfg['bbox_head']['type'] != dict(
                    v2='PicoHeadV2', legacy='PicoHead')[gen]:
                continue
        try:
            state = map_automatic(
                params,
                build_picodet(cfg),
                paddle_creation_order,
                ignore=('scale_reg', ),
                what=f'the {gen} PicoDet')
        except ValueError as err:
            tried.append(str(err))
            continue
        return state, gen, infer_picodet_arch(state)
    raise ValueError(
        f'{src} fits no PicoDet on LCNet:\n  '
        + '\n  '.join(tried or ['the config has no PicoDet head']))


def load_picodet(src: str,
                 config: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 generation: Optional[str] = None,
                 trust_pickle: bool = False) -> Tuple[dict, dict, dict]:
    """Read PaddleDetection PicoDet (LCNet, either generation) weights of
    any supported format as our mmdet state dict.

    Args:
        src (str): ``.pdparams``, inference model (``.pdmodel`` / ``.json``
            + ``.pdiparams``) or paddle2onnx ``.onnx``; path or URL.
        config (str, optional): An mmdet config whose ``model`` the weights
            must fit. None builds the model from the weights' sizes.
        num_classes (int, optional): Expected number of classes.
        generation (str, optional): ``'v2'`` or ``'legacy'``, checked
            against the weights; None reads it from the weights.
        trust_pickle (bool): Unpickle ``.pdparams`` without restrictions.

    Returns:
        tuple: ``(state_dict, meta, model_cfg)``.

    Raises:
        ValueError: The weights do not fit (the message lists what).
    """
    from ..utils import check_state_dict
    from .paddle_formats import load_paddle_params

    if generation is not None and generation not in GENERATIONS:
        raise ValueError(f'generation must be one of {GENERATIONS}, got '
                         f'{generation!r}')
    pp = load_paddle_params(src, trust_pickle)
    cfg_gen = None
    model_cfg = None
    if config is not None:
        from mmengine.config import Config
        head = Config.fromfile(config).model.get('bbox_head', {}).get('type')
        cfg_gen = dict(PicoHeadV2='v2', PicoHead='legacy').get(head)
    if pp.automatic:
        if config is not None:
            model_cfg = _config_model(config, cfg_gen or 'v2', src)
        state_dict, found, sizes = _automatic_picodet(pp.params, pp.path,
                                                      generation or cfg_gen,
                                                      model_cfg)
    else:
        state_dict, found, sizes = _structured_picodet(pp.params, src,
                                                       generation)
        if config is not None:
            model_cfg = _config_model(config, found, src)
    scale, channels, num_convs, found_classes = sizes
    if num_classes is not None and num_classes != found_classes:
        raise ValueError(f'{src!r} has {found_classes} classes, not '
                         f'{num_classes}')
    if model_cfg is None:
        model_cfg = picodet_model_cfg(scale, channels, num_convs,
                                      found_classes, found)
    check_state_dict(
        build_picodet(model_cfg), state_dict, f'converted {src!r}')
    meta = dict(
        src=src,
        format=pp.fmt,
        generation=found,
        scale=float(scale),
        channels=channels,
        num_convs=num_convs,
        num_classes=found_classes,
        config=config or '')
    classes = [c for c in pp.metadata.get('character', '').splitlines() if c]
    if len(classes) == found_classes:
        meta['classes'] = classes
    return state_dict, meta, model_cfg


def convert_picodet(src: str,
                    dst: str,
                    config: Optional[str] = None,
                    num_classes: Optional[int] = None,
                    generation: Optional[str] = None,
                    trust_pickle: bool = False) -> dict:
    """Convert PaddleDetection PicoDet weights (either generation, any
    format of :func:`load_picodet`) to an mmdet checkpoint.

    The converted weights are loaded into the model of ``config`` (or of
    the sizes read from the weights) first: keys or shapes that do not fit
    are an error that lists them.

    Args:
        src (str): Path or URL.
        dst (str): Output checkpoint.
        config (str, optional): An mmdet config whose ``model`` the weights
            must fit. None builds the model from the weights' sizes.
        num_classes (int, optional): Expected number of classes (checked
            against the weights). Defaults to None.
        generation (str, optional): ``'v2'`` or ``'legacy'``, checked
            against the weights; None reads it from the weights.
        trust_pickle (bool): Unpickle ``.pdparams`` without restrictions.

    Returns:
        dict: The metadata written with the checkpoint.
    """
    state_dict, meta, _ = load_picodet(src, config, num_classes, generation,
                                       trust_pickle)
    meta['converter'] = 'mm_pplcnet.converters.convert_picodet'
    save_checkpoint(state_dict, dst, meta)
    return meta


def paddle_creation_order(name: str) -> tuple:
    """Sort key of our PicoDet module names giving the order in which
    PaddleDetection creates the layers (and numbers their automatic
    parameter names).

    It differs from our registration order in three places: the PAN
    creates ``downsamples.i`` just before ``bottom_up_blocks.i``;
    ``PicoFeat`` creates each level's ESE block after that level's tower;
    ``PicoHeadV2`` creates per level the class conv, the box conv and the
    alignment branch (``ppdet/modeling/necks/{csp_pan,lc_pan}.py``,
    ``ppdet/modeling/heads/pico_head.py``).

    Args:
        name (str): One of our module names (``neck.downsamples.1...``).

    Returns:
        tuple: A key for a stable sort.
    """
    m = re.match(r'neck\.(downsamples|bottom_up_blocks)\.(\d+)\.', name)
    if m:
        return (1, 1, int(m[2]), int(m[1] == 'bottom_up_blocks'))
    m = re.match(r'bbox_head\.conv_feat\.(towers|se)\.(\d+)\.', name)
    if m:
        return (2, int(m[2]), int(m[1] == 'se'))
    m = re.match(
        r'bbox_head\.(head_cls_list|head_reg_list|cls_align)\.'
        r'(\d+)', name)
    if m:
        part = ('head_cls_list', 'head_reg_list', 'cls_align').index(m[1])
        return (3, int(m[2]), part)
    section = ('backbone.', 'neck.', 'bbox_head.')
    return next(
        (i, 0) for i, s in enumerate(section + ('', )) if name.startswith(s))
