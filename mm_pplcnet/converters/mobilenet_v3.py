"""Key map from PaddleClas' MobileNetV3 to ours.

Ours is an mmpretrain ``ImageClassifier`` with a ``PaddleMobileNetV3``
backbone (Paddle's ``conv``, ``blocks.N``, ``last_second_conv`` under
``backbone.``) and a ``PPLCNetClsHead`` (``head.last_conv.weight``,
``head.fc.*``): Paddle's head after ``last_second_conv`` is the same
pool, 1x1 conv to 1280 without bias, hardswish, dropout and linear.
"""
from collections import OrderedDict
from dataclasses import replace
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch

from ..models.backbones.base import parse_scale
from ..models.backbones.paddle_mobilenet_v3 import PaddleMobileNetV3
from ..models.layers import make_divisible
from .common import (PADDLE_DROPOUT_P, ClassifierFamily, build_mm_classifier,
                     classifier_model_cfg, first_dims, load_paddle_classifier,
                     match_variant, paddle_classifier_to_mm, paddle_scale_name,
                     save_classifier)

ARCHS = ('small', 'large')
MV3_SCALES = (0.35, 0.5, 0.75, 1.0, 1.25)
MV3_URL = ('https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/'
           'legendary_models/MobileNetV3_{arch}_x{name}_pretrained.pdparams')
_PADDLE_BACKBONE = ('conv.', 'blocks.', 'last_second_conv.')


def paddle_mobilenet_v3_url(arch: str, scale: float) -> str:
    """URL of PaddleClas' ImageNet weights of one MobileNetV3.

    Args:
        arch (str): 'small' or 'large'.
        scale (float): One of 0.35, 0.5, 0.75, 1.0, 1.25.

    Returns:
        str: The ``.pdparams`` URL.
    """
    if arch not in ARCHS or scale not in MV3_SCALES:
        raise ValueError(f'PaddleClas publishes no MobileNetV3 {arch} '
                         f'x{scale}; available: {ARCHS} x {MV3_SCALES}')
    return MV3_URL.format(arch=arch, name=paddle_scale_name(scale))


def parse_variant(name: str) -> Tuple[str, float]:
    """Read a published variant name such as ``'large_x0_35'``.

    Args:
        name (str): ``'{small,large}_x{scale}'``, optionally prefixed by
            ``MobileNetV3_``; ``-`` may replace ``_``.

    Returns:
        tuple: ``(arch, scale)``.
    """
    text = name.strip()
    if text.lower().startswith('mobilenetv3'):
        text = text[len('mobilenetv3'):].lstrip('_-')
    arch, _, scale = text.replace('-', '_').partition('_')
    if arch not in ARCHS or not scale:
        raise ValueError(f'{name!r} is not a MobileNetV3 variant name such '
                         "as 'large_x1_0' or 'small_x0_35'")
    return arch, parse_scale(scale)


def paddle_mobilenet_v3_to_mm(
        params: Dict[str, np.ndarray],
        dropout_p: float = PADDLE_DROPOUT_P
) -> 'OrderedDict[str, torch.Tensor]':
    """Map a PaddleClas MobileNetV3 state dict to ours.

    Backbone keys keep their names under ``backbone.`` (BN statistics and
    SE convs renamed); ``fc.weight`` is transposed and scaled by
    ``1 - dropout_p`` (Paddle's ``downscale_in_infer`` dropout).

    Args:
        params (dict): PaddleClas parameters (``load_pdparams``).
        dropout_p (float): Dropout of the Paddle model. Defaults to 0.2.

    Returns:
        OrderedDict: Our classifier's state dict.
    """
    return paddle_classifier_to_mm(params, _PADDLE_BACKBONE, 'MobileNetV3',
                                   dropout_p)


def _sizes(arch: str, scale: float) -> list:
    """Stem, last depthwise and ``last_second_conv`` widths and the number
    of blocks of a published variant."""
    stages = PaddleMobileNetV3.arch_settings[arch]
    _, mid, out, *_ = stages[-1][-1]
    return [
        make_divisible(16 * scale),
        make_divisible(mid * scale),
        make_divisible(6 * out * scale),
        sum(len(stage) for stage in stages)
    ]


def infer_arch_scale(state_dict: Dict[str, torch.Tensor],
                     arch: Optional[str] = None) -> Tuple[str, float]:
    """Find the published variant whose shapes match converted weights.

    Args:
        state_dict (dict): Our classifier's state dict.
        arch (str, optional): Only consider this arch.

    Returns:
        tuple: ``(arch, scale)``.
    """
    depth = len({
        k.split('.')[2]
        for k in state_dict if k.startswith('backbone.blocks.')
    })
    keys = ('backbone.conv.conv.weight',
            f'backbone.blocks.{depth - 1}.bottleneck_conv.conv.weight',
            'backbone.last_second_conv.conv.weight')
    found = first_dims(state_dict, keys, 'MobileNetV3') + (depth, )
    candidates = {
        (a, s): _sizes(a, s)
        for a in ((arch, ) if arch else ARCHS)
        for s in MV3_SCALES
    }
    return match_variant(
        found, candidates,
        'widths (stem, last depthwise, last_second_conv) and depth',
        'MobileNetV3')


def build_mobilenet_v3_classifier(arch: Union[str, list],
                                  scale: float,
                                  num_classes: int = 1000):
    """Build our mmpretrain MobileNetV3 classifier (needs mmpretrain).

    Args:
        arch (str | list): 'small', 'large' or a table.
        scale (float): Width multiplier.
        num_classes (int): Number of classes. Defaults to 1000.

    Returns:
        ImageClassifier: PaddleClas' network, randomly initialized.
    """
    backbone = PaddleMobileNetV3(arch=arch, scale=scale)
    return build_mm_classifier(
        dict(type='PaddleMobileNetV3', arch=arch, scale=scale),
        backbone.out_channels[-1], num_classes)


def mobilenet_v3_model_cfg(arch: str, scale: float, num_classes: int) -> dict:
    """The mmpretrain ``model`` config of our MobileNetV3 classifier.

    Args:
        arch (str): 'small' or 'large'.
        scale (float): Width multiplier.
        num_classes (int): Number of classes.

    Returns:
        dict: An ``ImageClassifier`` config.
    """
    backbone = PaddleMobileNetV3(arch=arch, scale=scale)
    return classifier_model_cfg(
        dict(type='PaddleMobileNetV3', arch=arch, scale=scale),
        backbone.out_channels[-1], num_classes)


MV3_FAMILY = ClassifierFamily(
    name='MobileNetV3',
    to_mm=paddle_mobilenet_v3_to_mm,
    variants=tuple((a, s) for a in ARCHS for s in MV3_SCALES),
    build=lambda variant, n: build_mobilenet_v3_classifier(*variant, n),
    infer=infer_arch_scale,
    describe=lambda variant: dict(arch=variant[0], scale=float(variant[1])))


def load_mobilenet_v3(src: str,
                      arch: Optional[str] = None,
                      scale: Optional[float] = None,
                      backbone_only: bool = False,
                      trust_pickle: bool = False,
                      config: Optional[str] = None) -> Tuple[dict, dict]:
    """Read PaddleClas MobileNetV3 weights of any supported format.

    Args:
        src (str): ``.pdparams``, inference model (``.pdmodel`` / ``.json``
            + ``.pdiparams``) or paddle2onnx ``.onnx``; path or URL.
        arch (str, optional): 'small' or 'large'; read from the shapes
            when None.
        scale (float, optional): Width multiplier; read from the shapes
            when None.
        backbone_only (bool): Accept head-less files.
        trust_pickle (bool): Unpickle ``.pdparams`` without restrictions.
        config (str, optional): An mmpretrain config whose model the
            weights must also fit.

    Returns:
        tuple: ``(state_dict, meta)`` (see
        :func:`.common.load_paddle_classifier`).
    """
    if arch is not None and arch not in ARCHS:
        raise ValueError(f'arch must be one of {ARCHS}, got {arch!r}')
    family = MV3_FAMILY
    if arch is not None or scale is not None:
        family = replace(
            MV3_FAMILY,
            variants=tuple((a, s) for a, s in MV3_FAMILY.variants
                           if arch in (None, a) and scale in (None, s))
            or ((arch, scale), ),
            infer=lambda sd: _complete(infer_arch_scale(sd, arch), scale))
    variant = (arch, scale) if arch and scale else None
    return load_paddle_classifier(
        src, family, variant, backbone_only, trust_pickle, config=config)


def _complete(found: Tuple[str, float], scale: Optional[float]):
    """The inferred variant with a given scale taking precedence."""
    return found[0], found[1] if scale is None else scale


def convert_mobilenet_v3(src: str,
                         dst: str,
                         backbone_only: bool = False,
                         arch: Optional[str] = None,
                         scale: Optional[float] = None,
                         trust_pickle: bool = False,
                         config: Optional[str] = None) -> dict:
    """Convert PaddleClas MobileNetV3 weights to an mmpretrain file.

    The converted weights are loaded into the matching classifier first,
    so keys or shapes that do not fit are an error that lists them. A
    full classifier also gets a config beside ``dst`` (``.py``).

    Args:
        src (str): Any format of :func:`load_mobilenet_v3`; path or URL.
        dst (str): Output checkpoint.
        backbone_only (bool): Write ``backbone.*`` keys only.
        arch (str, optional): 'small' or 'large'; inferred from the shapes
            when None.
        scale (float, optional): Width multiplier; inferred from the
            shapes when None.
        trust_pickle (bool): Unpickle ``.pdparams`` without restrictions.
        config (str, optional): An mmpretrain config whose model the
            weights must also fit.

    Returns:
        dict: The metadata written with the checkpoint.
    """
    state, meta = load_mobilenet_v3(src, arch, scale, backbone_only,
                                    trust_pickle, config)
    meta['converter'] = 'mm_pplcnet.converters.convert_mobilenet_v3'
    return save_classifier(
        state, dst, meta, backbone_only, lambda: mobilenet_v3_model_cfg(
            meta['arch'], meta['scale'], meta['num_classes']),
        f'MobileNetV3 {meta["arch"]} x{meta["scale"]:g}')
