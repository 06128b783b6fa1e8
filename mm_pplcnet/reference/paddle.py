"""Build PaddleClas' own networks, for parity tests and benchmarks.

The ``paddleclas`` wheel ships ``ppcls`` inside ``site-packages/paddleclas``
without making it importable; :func:`import_ppcls` fixes the path (appended,
not prepended, or ``import paddleclas`` breaks).
"""
import importlib
import importlib.util
import os.path as osp
import sys
from types import ModuleType
from typing import Dict, List

import numpy as np


def require_paddle() -> ModuleType:
    """Import paddle (CPU), or explain how to get it."""
    try:
        import paddle
    except ImportError as err:
        raise ImportError(
            'paddlepaddle is not installed; run `bash scripts/install.sh '
            '--tests` (or pip install paddlepaddle==3.3.1)') from err
    paddle.set_device('cpu')
    return paddle


def import_ppcls(module: str) -> ModuleType:
    """Import a ``ppcls`` module from the installed ``paddleclas`` wheel.

    Args:
        module (str): e.g. ``'ppcls.arch.backbone.legendary_models.pp_lcnet'``.

    Returns:
        ModuleType: The module.
    """
    require_paddle()
    if importlib.util.find_spec('ppcls') is None:
        spec = importlib.util.find_spec('paddleclas')
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(
                'paddleclas is not installed; run `bash scripts/install.sh '
                '--tests` (or pip install --no-deps paddleclas==2.6.0)')
        root = list(spec.submodule_search_locations)[0]
        if not osp.isdir(osp.join(root, 'ppcls')):
            raise ImportError(f'no ppcls folder in {root}')
        sys.path.append(root)
    mod = importlib.import_module(module)
    # ppcls' deprecated init path logs through a logger that must exist
    importlib.import_module('ppcls.utils.logger').init_logger()
    return mod


def build_ppcls_pplcnet(scale: float, **kwargs):
    """PaddleClas' ``PPLCNet`` (random weights, never downloads)."""
    mod = import_ppcls('ppcls.arch.backbone.legendary_models.pp_lcnet')
    # PPLCNet writes stride_list into the global NET_CONFIG: pass it
    # explicitly so an earlier model's strides cannot leak in.
    kwargs.setdefault('stride_list', [2, 2, 2, 2, 2])
    return mod.PPLCNet(scale=scale, **kwargs)


PPLCNETV2_VARIANTS = ('small', 'base', 'large')


def build_ppcls_pplcnetv2(arch: str, **kwargs):
    """PaddleClas' ``PPLCNetV2_{small,base,large}`` (random weights, never
    downloads).

    Args:
        arch (str): 'small', 'base' or 'large'.
        **kwargs: More arguments of PaddleClas' builder (``class_num`` ...).

    Returns:
        paddle.nn.Layer: The network.
    """
    if arch not in PPLCNETV2_VARIANTS:
        raise ValueError(f'PaddleClas has no PPLCNetV2_{arch}; choose one of '
                         f'{PPLCNETV2_VARIANTS}')
    mod = import_ppcls('ppcls.arch.backbone.legendary_models.pp_lcnet_v2')
    return getattr(mod, f'PPLCNetV2_{arch}')(pretrained=False, **kwargs)


def reparameterize_paddle_(model) -> None:
    """PaddleClas' own folding (``re_parameterize``) of every
    ``RepDepthwiseSeparable`` of a PP-LCNetV2, in place."""
    for layer in model.sublayers():
        if hasattr(layer, 're_parameterize'):
            layer.re_parameterize()


def randomize_paddle_(model, seed: int = 0) -> None:
    """Random weights and BN statistics of O(1) activations, so that a
    parity test compares real signals (Paddle's default init gives logits
    of about 1e-5, which any 1e-4 tolerance would accept).

    Convolution / linear weights get He-normal values, biases and BN shifts
    N(0, 0.1), BN scales and variances U(0.5, 1.5).
    """
    paddle = require_paddle()
    rng = np.random.default_rng(seed)
    bns = [
        layer for layer in model.sublayers()
        if isinstance(layer, (paddle.nn.BatchNorm2D, paddle.nn.BatchNorm))
    ]
    for name, param in model.named_parameters():
        shape = param.shape
        if len(shape) == 4:  # conv [out, in / groups, k, k]
            fan_in = int(np.prod(shape[1:]))
        elif len(shape) == 2:  # Paddle linear [in, out]
            fan_in = shape[0]
        else:
            param.set_value(rng.normal(0, 0.1, shape).astype('f4'))
            continue
        std = np.sqrt(2.0 / fan_in)
        param.set_value(rng.normal(0, std, shape).astype('f4'))
    for layer in bns:
        n = layer._mean.shape[0]
        layer.weight.set_value(rng.uniform(0.5, 1.5, n).astype('f4'))
        layer.bias.set_value(rng.normal(0, 0.1, n).astype('f4'))
        layer._mean.set_value(rng.normal(0, 0.1, n).astype('f4'))
        layer._variance.set_value(rng.uniform(0.5, 1.5, n).astype('f4'))


def paddle_forward(model, x: np.ndarray) -> np.ndarray:
    """Run a Paddle model in eval mode on a numpy batch."""
    paddle = require_paddle()
    model.eval()
    with paddle.no_grad():
        out = model(paddle.to_tensor(x.astype('float32')))
    return out.numpy()


def state_dict_numpy(model) -> Dict[str, np.ndarray]:
    """A Paddle model's state dict as numpy arrays."""
    return {k: v.numpy() for k, v in model.state_dict().items()}


def import_ppdet(module: str) -> ModuleType:
    """Import a ``ppdet`` (paddledet) module, or explain how to get it.

    Args:
        module (str): e.g. ``'ppdet.modeling.heads.pico_head'``.

    Returns:
        ModuleType: The module.
    """
    require_paddle()
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f'cannot import {module}: {err}. Install paddledet with `bash '
            'scripts/install.sh --tests` (pip install --no-deps '
            'paddledet==2.6.0 and the modules it imports)') from err


def _ppdet_modules(*names: str) -> List[ModuleType]:
    """``ppdet.modeling.<name>`` for each name."""
    return [import_ppdet(f'ppdet.modeling.{name}') for name in names]


def _ppdet_lcnet_picodet(scale: float, neck_type: str, head_type: str,
                         channels: int, num_convs: int, num_classes: int,
                         use_se: bool, neck_kwargs: dict, head_kwargs: dict):
    """ppdet's PicoDet: LCNet (blocks4-6), a 4-level neck and a PicoDet head
    with shared per-level towers (``share_cls_reg``), reg_max 7, cell
    offset 0.5, prior 0.01, strides 8-64.

    Args:
        scale (float): LCNet width multiplier.
        neck_type (str): ``'lc_pan.LCPAN'`` or ``'csp_pan.CSPPAN'``.
        head_type (str): ``'PicoHeadV2'`` or ``'PicoHead'``.
        channels (int): Neck and head channels.
        num_convs (int): Blocks per head tower.
        num_classes (int): Number of classes.
        use_se (bool): ESE attention in the towers (v2).
        neck_kwargs (dict): More neck arguments.
        head_kwargs (dict): More head arguments (assigners, losses).

    Returns:
        ppdet.modeling.architectures.PicoDet: The detector.
    """
    lcnet, pico, arch = _ppdet_modules('backbones.lcnet', 'heads.pico_head',
                                       'architectures.picodet')
    neck_module, neck_class = neck_type.split('.')
    neck_cls = getattr(_ppdet_modules(f'necks.{neck_module}')[0], neck_class)
    backbone = lcnet.LCNet(scale=scale, feature_maps=[3, 4, 5])
    # the necks append to their default spatial_scales list: pass a new one
    neck = neck_cls(
        backbone._out_channels,
        channels,
        num_features=4,
        spatial_scales=[0.125, 0.0625, 0.03125],
        **neck_kwargs)
    feat_kwargs = dict(use_se=True) if use_se else {}
    head = getattr(pico, head_type)(
        conv_feat=pico.PicoFeat(
            feat_in=channels,
            feat_out=channels,
            num_convs=num_convs,
            num_fpn_stride=4,
            norm_type='bn',
            share_cls_reg=True,
            **feat_kwargs),
        num_classes=num_classes,
        fpn_stride=[8, 16, 32, 64],
        prior_prob=0.01,
        feat_in_chan=channels,
        reg_max=7,
        cell_offset=0.5,
        **head_kwargs)
    return arch.PicoDet(backbone, neck, head)


def build_ppdet_picodet(scale: float,
                        channels: int,
                        num_convs: int,
                        num_classes: int = 80,
                        static_assigner_epoch: int = 100):
    """PaddleDetection's own PicoDet v2 (LCNet + LCPAN + PicoHeadV2) with
    the settings of ``configs/picodet/_base_/picodet_v2.yml``.

    Random weights, never downloads. The result is ppdet's ``PicoDet``
    architecture, so its state dict has the ``backbone.`` / ``neck.`` /
    ``head.`` keys of a published ``.pdparams``.

    Args:
        scale (float): LCNet width multiplier.
        channels (int): Neck and head channels.
        num_convs (int): Blocks per head tower.
        num_classes (int): Number of classes. Defaults to 80.
        static_assigner_epoch (int): Epochs with ATSS. Defaults to 100.

    Returns:
        ppdet.modeling.architectures.PicoDet: The detector.
    """
    assigners, vfl, gfocal, iou = _ppdet_modules('assigners',
                                                 'losses.varifocal_loss',
                                                 'losses.gfocal_loss',
                                                 'losses.iou_loss')
    return _ppdet_lcnet_picodet(
        scale, 'lc_pan.LCPAN', 'PicoHeadV2', channels, num_convs, num_classes,
        True, {},
        dict(
            grid_cell_scale=5.0,
            static_assigner_epoch=static_assigner_epoch,
            use_align_head=True,
            static_assigner=assigners.ATSSAssigner(
                topk=9, num_classes=num_classes, force_gt_matching=False),
            assigner=assigners.TaskAlignedAssigner(
                topk=13, alpha=1.0, beta=6.0),
            loss_class=vfl.VarifocalLoss(
                use_sigmoid=False, iou_weighted=True, loss_weight=1.0),
            loss_dfl=gfocal.DistributionFocalLoss(loss_weight=0.5),
            loss_bbox=iou.GIoULoss(loss_weight=2.5)))


def build_ppdet_picodet_legacy(scale: float,
                               channels: int = 128,
                               num_convs: int = 4,
                               num_classes: int = 80):
    """PaddleDetection's own legacy PicoDet (LCNet + CSPPAN + PicoHead) with
    the settings of ``configs/picodet/legacy_model/_base_/
    picodet_esnet.yml`` and the LCNet configs built on it.

    Random weights, never downloads.

    Args:
        scale (float): LCNet width multiplier.
        channels (int): Neck and head channels. Defaults to 128.
        num_convs (int): Blocks per head tower. Defaults to 4.
        num_classes (int): Number of classes. Defaults to 80.

    Returns:
        ppdet.modeling.architectures.PicoDet: The detector.
    """
    assigners, vfl, gfocal, iou = _ppdet_modules('assigners',
                                                 'losses.varifocal_loss',
                                                 'losses.gfocal_loss',
                                                 'losses.iou_loss')
    return _ppdet_lcnet_picodet(
        scale, 'csp_pan.CSPPAN', 'PicoHead', channels, num_convs, num_classes,
        False,
        dict(
            kernel_size=5,
            num_csp_blocks=1,
            use_depthwise=True,
            act='hard_swish'),
        dict(
            assigner=assigners.SimOTAAssigner(
                candidate_topk=10, iou_weight=6, num_classes=num_classes),
            loss_class=vfl.VarifocalLoss(
                use_sigmoid=True, iou_weighted=True, loss_weight=1.0),
            loss_dfl=gfocal.DistributionFocalLoss(loss_weight=0.25),
            loss_bbox=iou.GIoULoss(loss_weight=2.0)))


def randomize_ppdet_picodet_(model, images: np.ndarray, seed: int = 0) -> None:
    """:func:`randomize_paddle_` for a whole PicoDet, then BN statistics
    measured on ``images``.

    Random BN statistics do not normalize a 30-layer detector: its
    activations grow to tens, and float32 rounding alone then differs by
    more than 1e-4 between frameworks. Here each BN's running mean and
    variance are those of its input on ``images`` (one training-mode pass
    with momentum 0), while its scale and shift stay random, so every
    layer carries an O(1) signal (the variances get + 0.05, so that no
    channel that is nearly constant on the batch is amplified), and the
    prediction convs are scaled up 4 times for logits of O(1).

    Args:
        model: ppdet's ``PicoDet`` (:func:`build_ppdet_picodet`).
        images (np.ndarray): ``(N, 3, H, W)`` float32 calibration batch.
        seed (int): Seed of the random weights. Defaults to 0.
    """
    paddle = require_paddle()
    randomize_paddle_(model, seed)
    bns = [
        layer for layer in model.sublayers()
        if isinstance(layer, paddle.nn.BatchNorm2D)
    ]
    momenta = [bn._momentum for bn in bns]
    for bn in bns:
        bn._momentum = 0.0
    model.train()
    with paddle.no_grad():
        feats = model.neck(model.backbone({'image': paddle.to_tensor(images)}))
        model.head.forward_train(feats)
    for bn, momentum in zip(bns, momenta):
        bn._momentum = momentum
        # + 0.05: no channel that was (nearly) constant on the batch is
        # scaled up by 1 / sqrt(eps)
        bn._variance.set_value(bn._variance + 0.05)
    # logits of O(1): class scores spread over (0, 1), peaked distributions
    with paddle.no_grad():
        for conv in (*model.head.head_cls_list, *model.head.head_reg_list):
            conv.weight.set_value(conv.weight * 4.0)
    model.eval()
