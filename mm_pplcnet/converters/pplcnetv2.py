"""Key maps from PaddleClas' and timm's PP-LCNetV2 to ours.

Ours is an mmpretrain ``ImageClassifier`` with a ``PPLCNetV2`` backbone
(Paddle's ``stem.*`` and ``stages.*`` names under ``backbone.``) and a
``PPLCNetClsHead`` with ReLU (``head.last_conv.weight``, ``head.fc.*``).

PaddleClas' released ``.pdparams`` hold, for every re-parameterizable
block, both the trained branches (``dw_conv_list.*``) and an
already-folded ``dw_conv.weight`` / ``dw_conv.bias``; the branches are
converted and the folded pair is dropped (our ``switch_to_deploy``
recomputes it). A state dict with folded convs and no branches at all
(timm after ``reparameterize_model``) converts to a model built with
``deploy=True``.
"""
import re
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import numpy as np
import torch

from ..models.backbones.pplcnet_v2 import PPLCNetV2
from ..models.layers import make_divisible
from .common import (PADDLE_DROPOUT_P, build_mm_classifier, check_and_save,
                     first_dims, load_pdparams, load_torch_state_dict,
                     match_variant, paddle_classifier_to_mm)

ARCHS = ('small', 'base', 'large')
PADDLE_URL = ('https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/'
              'legendary_models/PPLCNetV2_{arch}_{kind}.pdparams')
SSLD_ARCHS = ('base', )
# the folded conv of a rep block: ``...dw_conv.weight`` (no ``.conv.``)
_FOLDED = re.compile(r'^(.*\.)dw_conv\.(weight|bias)$')


def paddle_url(arch: str, ssld: bool = False) -> str:
    """URL of PaddleClas' ImageNet weights of one PP-LCNetV2.

    Args:
        arch (str): 'small', 'base' or 'large'.
        ssld (bool): The SSLD-distilled weights (base only). Defaults to
            False.

    Returns:
        str: The ``.pdparams`` URL.

    Raises:
        ValueError: PaddleClas publishes no such weights.
    """
    avail = SSLD_ARCHS if ssld else ARCHS
    if arch not in avail:
        raise ValueError(f'PaddleClas publishes no {"SSLD " if ssld else ""}'
                         f'PPLCNetV2_{arch}; available: {avail}')
    kind = 'ssld_pretrained' if ssld else 'pretrained'
    return PADDLE_URL.format(arch=arch, kind=kind)


def _split_folded(state: Dict[str, object]) -> Tuple[set, set]:
    """Prefixes of the blocks with folded convs and of those with
    branches."""
    folded = {m[1] for k in state if (m := _FOLDED.match(k))}
    branched = {
        k.split('dw_conv_list.')[0]
        for k in state if '.dw_conv_list.' in k
    }
    return folded, branched


def paddle_pplcnetv2_to_mm(
        params: Dict[str, np.ndarray],
        dropout_p: float = PADDLE_DROPOUT_P
) -> 'OrderedDict[str, torch.Tensor]':
    """Map a PaddleClas PP-LCNetV2 state dict to ours.

    The folded ``dw_conv.weight`` / ``dw_conv.bias`` of blocks that also
    have their branches are dropped; ``fc.weight`` is transposed and
    scaled by ``1 - dropout_p`` (Paddle's ``downscale_in_infer``).

    Args:
        params (dict): PaddleClas parameters (``load_pdparams``).
        dropout_p (float): Dropout of the Paddle model, folded into
            ``head.fc.weight``. Defaults to 0.2.

    Returns:
        OrderedDict: Our classifier's state dict (folded keys kept only
        when no block has branches: a deployed model).
    """
    branched = _split_folded(params)[1]
    params = {
        k: v
        for k, v in params.items()
        if not ((m := _FOLDED.match(k)) and m[1] in branched)
    }
    return paddle_classifier_to_mm(params, ('stem.', 'stages.'), 'PP-LCNetV2',
                                   dropout_p)


_TIMM_PARTS = (
    (re.compile(r'\.se\.fc1\.'), '.se.conv1.conv.'),
    (re.compile(r'\.se\.fc2\.'), '.se.conv2.conv.'),
    (re.compile(r'\.pw_conv\.0\.'), '.pw_conv_1.'),
    (re.compile(r'\.pw_conv\.1\.'), '.pw_conv_2.'),
)


def timm_lcnetv2_to_mm(
        state: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """Map a timm ``lcnetv2_*`` state dict to ours.

    timm keeps Paddle's block layout; its SE convs (``se.fc1``,
    ``se.fc2``), split pointwise convs (``pw_conv.0`` / ``.1``),
    ``conv_head`` and ``classifier`` are renamed. timm's head has no
    dropout scaling, so the classifier is copied as it is.

    Args:
        state (dict): timm state dict.

    Returns:
        OrderedDict: Our classifier's state dict.

    Raises:
        KeyError: A key that is not timm's PP-LCNetV2.
    """
    out = OrderedDict()
    for key, value in state.items():
        if key.startswith(('stem.', 'stages.')):
            new = key
            for pattern, repl in _TIMM_PARTS:
                new = pattern.sub(repl, new)
            new = 'backbone.' + new
        elif key == 'conv_head.weight':
            new = 'head.last_conv.weight'
        elif key.startswith('classifier.'):
            new = 'head.fc.' + key.split('.', 1)[1]
        else:
            raise KeyError(f'unknown timm lcnetv2 key {key!r}: not an '
                           'lcnetv2_* state dict?')
        out[new] = value.detach().clone()
    return out


def _variant_sizes(arch: str) -> list:
    """Stem width, blocks of stage 3 and last width of a variant."""
    scale = PPLCNetV2.default_scales[arch]
    table = PPLCNetV2.arch_settings[arch]
    return [
        make_divisible(32 * scale),
        len(table[3]),
        make_divisible(table[-1][-1][1] * scale)
    ]


def infer_arch(state_dict: Dict[str, torch.Tensor]) -> str:
    """Find the variant whose shapes match a converted state dict.

    Args:
        state_dict (dict): Our classifier's state dict.

    Returns:
        str: 'small', 'base' or 'large'.
    """
    depth = len({
        k.split('.')[3]
        for k in state_dict if k.startswith('backbone.stages.2.')
    })
    last = 'backbone.stages.3.1.pw_conv.conv.weight'
    found = first_dims(state_dict, ('backbone.stem.0.conv.weight', last),
                       'PP-LCNetV2')
    found = (found[0], depth, found[1])
    return match_variant(found, {a: _variant_sizes(a)
                                 for a in ARCHS},
                         'stem width, stage-3 blocks and last width',
                         'PP-LCNetV2')


def is_deployed(state_dict: Dict[str, object]) -> bool:
    """Whether a state dict has folded depthwise convs and no branches."""
    folded, branched = _split_folded(state_dict)
    return bool(folded) and not branched


def build_classifier(arch: str = 'base',
                     num_classes: int = 1000,
                     scale: Optional[float] = None,
                     deploy: bool = False):
    """Build our mmpretrain PP-LCNetV2 classifier (needs mmpretrain).

    Args:
        arch (str): 'small', 'base' or 'large'. Defaults to 'base'.
        num_classes (int): Number of classes. Defaults to 1000.
        scale (float, optional): Width multiplier; None takes the
            variant's. Defaults to None.
        deploy (bool): Build the rep blocks folded. Defaults to False.

    Returns:
        ImageClassifier: PaddleClas' network, with a ``PPLCNetClsHead``
        (1x1 conv to 1280 without bias, ReLU, dropout 0.2, linear).
    """
    backbone = dict(type='PPLCNetV2', arch=arch, scale=scale, deploy=deploy)
    width = PPLCNetV2(arch=arch, scale=scale).out_channels[-1]
    return build_mm_classifier(
        backbone, width, num_classes, head_act_cfg=dict(type='ReLU'))


def convert_pplcnetv2(source: str,
                      src: str,
                      dst: str,
                      backbone_only: bool = False,
                      arch: Optional[str] = None,
                      trust_pickle: bool = False) -> dict:
    """Convert PaddleClas or timm PP-LCNetV2 weights to an mmpretrain file.

    The converted weights are loaded into the matching classifier first,
    so keys or shapes that do not fit are an error that lists them.

    Args:
        source (str): 'paddle' or 'timm'.
        src (str): Input path or URL (``.pdparams`` for Paddle; a state
            dict for timm).
        dst (str): Output checkpoint.
        backbone_only (bool): Write ``backbone.*`` keys only.
        arch (str, optional): 'small', 'base' or 'large'; inferred from the
            shapes when None.
        trust_pickle (bool): Unpickle a ``.pdparams`` without restrictions
            (runs any code in it: only for files you trust). Defaults to
            False: only what ``paddle.save`` writes is read.

    Returns:
        dict: The metadata written with the checkpoint (``deploy`` tells
        whether the weights are folded: build with ``deploy=True``).
    """
    if source == 'paddle':
        raw = load_pdparams(src, trust_pickle=trust_pickle)
        state_dict = paddle_pplcnetv2_to_mm(raw)
    elif source == 'timm':
        raw = load_torch_state_dict(src)
        state_dict = timm_lcnetv2_to_mm(raw)
    else:
        raise ValueError(f"source must be 'paddle' or 'timm', got "
                         f'{source!r}')
    if arch is not None and arch not in ARCHS:
        raise ValueError(f'arch must be one of {ARCHS}, got {arch!r}')
    arch = arch or infer_arch(state_dict)
    deploy = is_deployed(state_dict)
    num_classes = state_dict['head.fc.weight'].shape[0]
    model = build_classifier(arch, num_classes, deploy=deploy)
    meta = dict(
        source=source,
        src=src,
        arch=arch,
        scale=PPLCNetV2.default_scales[arch],
        deploy=deploy,
        dropped_folded_keys=len(raw) - len(state_dict),
        num_classes=int(num_classes),
        converter='mm_pplcnet.converters.convert_pplcnetv2')
    return check_and_save(model, state_dict, src, dst, meta, backbone_only)
