"""What every weight converter needs: reading sources, writing outputs."""
import os
import os.path as osp
import pickle
import re
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
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


class DownloadError(RuntimeError):
    """A weights file could not be downloaded (no internet, bad URL)."""


def fetch(src: str, cache_dir: Optional[str] = None) -> str:
    """Return a local path for ``src``, downloading it if it is a URL.

    Args:
        src (str): Local path or ``http(s)://`` URL.
        cache_dir (str, optional): Where downloads go. Defaults to
            ``$TORCH_HOME/hub/checkpoints``.

    Returns:
        str: The local file.

    Raises:
        FileNotFoundError: ``src`` is a path that does not exist.
        DownloadError: The URL could not be downloaded.
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
        raise DownloadError(
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


def load_pdparams(src: str,
                  trust_pickle: bool = False) -> Dict[str, np.ndarray]:
    """Read a Paddle ``.pdparams`` file (a pickled dict of numpy arrays)
    safely: only what ``paddle.save`` writes is unpickled (see
    :func:`.paddle_formats.read_pdparams`). No Paddle install is needed.

    Args:
        src (str): Path or URL.
        trust_pickle (bool): Unpickle without restrictions (runs any code
            in the file). Defaults to False.

    Returns:
        dict: Parameter name to array, without Paddle's bookkeeping key.

    Raises:
        UnsafePickleError: The file asks for a global ``paddle.save``
            never writes (named in the message).
        ValueError: Not a ``.pdparams`` file.
    """
    from .paddle_formats import read_pdparams
    return dict(read_pdparams(fetch(src), trust_pickle))


def load_torch_state_dict(src: str) -> Dict[str, torch.Tensor]:
    """Read a PyTorch state dict (``.pth``/``.bin``/``.safetensors``).

    Args:
        src (str): Path or URL.

    Returns:
        dict: The state dict (``state_dict``/``model`` entries unwrapped).
    """
    path = fetch(src)
    what = 'PyTorch state dict (.pth / .bin / .safetensors)'
    if osp.getsize(path) == 0:
        raise ValueError(f'{path} is empty (0 bytes), not a {what}')
    from .paddle_formats import PADDLE_FORMAT_OF_EXT
    ext = osp.splitext(path)[1].lower()
    if ext in PADDLE_FORMAT_OF_EXT:
        raise ValueError(
            f'{path} is a Paddle file ({ext}), not a {what}: convert it with '
            "the 'paddle' source ('... paddle SRC DST')")
    try:
        if path.endswith('.safetensors'):
            from safetensors.torch import load_file
            obj = dict(load_file(path))
        else:
            obj = torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        raise ValueError(
            f'{path} is not a {what} that loads safely (torch.load '
            'weights_only=True refuses it: it holds objects other than '
            'tensors, or it is a Paddle .pdparams under another name, which '
            "the 'paddle' source reads)") from err
    except Exception as err:  # torch raises KeyError, RuntimeError, ...
        raise ValueError(f'{path} is not a {what}: {type(err).__name__}: '
                         f'{err}') from err
    for key in ('state_dict', 'model', 'state_dict_ema'):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not obj or not all(
            isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f'{path} holds a {type(obj).__name__} that is not a'
                         f' {what} (a dict of tensors)')
    return dict(obj)


def converter_parser(doc: str,
                     src_help: str,
                     sources: Sequence[str] = (),
                     backbone_only: bool = True,
                     ssld_help: Optional[str] = None,
                     config_help: Optional[str] = (
                         'an mmpretrain config whose model the weights must '
                         'fit (an error lists what does not)')):
    """The argument parser every converter tool starts from.

    It has ``[source] src dst``, ``--backbone-only``, ``--ssld``,
    ``--config`` (each when asked for) and ``--trust-pickle``; the tool
    adds its own size options.

    Args:
        doc (str): The tool's module docstring: its first line is the
            description, the rest the epilog (usage examples).
        src_help (str): Help of the ``src`` argument.
        sources (Sequence[str]): Choices of a leading ``source`` argument
            (e.g. ``('paddle', 'timm')``). Defaults to none.
        backbone_only (bool): Add ``--backbone-only``. Defaults to True.
        ssld_help (str, optional): Add ``--ssld`` with this help.
        config_help (str, optional): Add ``--config`` with this help
            (None: no ``--config``). Defaults to the mmpretrain one.

    Returns:
        argparse.ArgumentParser: The parser.
    """
    import argparse
    parser = argparse.ArgumentParser(
        description=doc.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=doc.split('\n', 1)[1])
    if sources:
        parser.add_argument('source', choices=list(sources))
    parser.add_argument('src', help=src_help)
    parser.add_argument('dst', help='output .pth')
    if backbone_only:
        parser.add_argument(
            '--backbone-only',
            action='store_true',
            help='write only the backbone.* weights')
    if ssld_help:
        parser.add_argument('--ssld', action='store_true', help=ssld_help)
    if config_help:
        parser.add_argument('--config', help=config_help)
    parser.add_argument(
        '--trust-pickle',
        action='store_true',
        help='unpickle a .pdparams without restrictions (runs any code in '
        'it: only for files you trust)')
    return parser


def run_converter(main: Callable[[], None]) -> None:
    """Run a converter tool's ``main``: a file that does not fit (wrong
    network, size, format, unsafe pickle) ends it with its message, not a
    traceback.

    Args:
        main (Callable): The tool's entry point.
    """
    from ..engine import run_cli
    try:
        run_cli(main)
    except (ValueError, KeyError, DownloadError) as err:
        text = err.args[0] if isinstance(err, KeyError) and err.args else err
        raise SystemExit(f'error: {text}') from None


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


def classifier_model_cfg(
    backbone: dict,
    in_channels: int,
    num_classes: int,
    last_conv_bias: bool = False,
    head_channels: Optional[int] = 1280,
    head_act_cfg: dict = dict(type='HSwish')
) -> dict:
    """The mmpretrain ``model`` config of a classifier with a
    ``PPLCNetClsHead`` (pool, 1x1 conv, activation, dropout, fc).

    Args:
        backbone (dict): Backbone config.
        in_channels (int): Width of the backbone's last stage.
        num_classes (int): Number of classes.
        last_conv_bias (bool): Bias in the head's 1x1 conv.
        head_channels (int, optional): Width of the head's 1x1 conv.
        head_act_cfg (dict): Activation after it (PP-LCNetV2: ReLU).
            Defaults to HSwish.

    Returns:
        dict: An ``ImageClassifier`` config.
    """
    return dict(
        type='ImageClassifier',
        backbone=backbone,
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='PPLCNetClsHead',
            num_classes=num_classes,
            in_channels=in_channels,
            mid_channels=head_channels,
            act_cfg=head_act_cfg,
            last_conv_bias=last_conv_bias))


def build_mm_classifier(*args, **kwargs):
    """Build the mmpretrain classifier of :func:`classifier_model_cfg`
    (same arguments; needs mmpretrain).

    Returns:
        ImageClassifier: The model, with a ``PPLCNetClsHead``.
    """
    return build_mmpretrain_model(classifier_model_cfg(*args, **kwargs))


def build_mmpretrain_model(model_cfg: dict) -> torch.nn.Module:
    """Build an mmpretrain model whatever the current default scope (an
    mmdet tool or test may have set ``mmdet``, whose registry has no
    ``ImageClassifier``).

    Args:
        model_cfg (dict): An mmpretrain ``model`` config.

    Returns:
        nn.Module: The model.
    """
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    from ..models.classification import PPLCNetClsHead  # noqa: F401
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(model_cfg)


def check_and_save(model: torch.nn.Module, state_dict: Dict[str, torch.Tensor],
                   src: str, dst: str, meta: dict,
                   backbone_only: bool) -> dict:
    """Check that converted weights fit ``model`` exactly, then save them
    (the PP-LCNetV2 converter's path; the others use
    :func:`save_classifier`).

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


def save_classifier(state_dict: Dict[str, torch.Tensor], dst: str, meta: dict,
                    backbone_only: bool, model_cfg: Callable[[], dict],
                    what: str) -> dict:
    """Write a converted classifier and, unless ``backbone_only``, a
    config that fits it (``dst`` with ``.py``).

    Args:
        state_dict (dict): The converted (already checked) weights.
        dst (str): Output checkpoint.
        meta (dict): Metadata to write with them.
        backbone_only (bool): Write ``backbone.*`` keys only, no config.
        model_cfg (Callable): Returns the ``model`` config.
        what (str): The network, for the config's comment.

    Returns:
        dict: ``meta`` with ``backbone_only`` and ``config`` added.
    """
    meta = dict(meta, backbone_only=backbone_only, config='')
    if not backbone_only:
        meta['config'] = osp.splitext(dst)[0] + '.py'
        write_classifier_config(
            meta['config'], model_cfg(), meta['num_classes'],
            meta.get('classes'),
            f'{what}, {meta["num_classes"]} classes, converted from '
            f'{meta["src"]} ({meta["format"]}); weights: {dst}')
    save_checkpoint(state_dict, dst, meta, backbone_only=backbone_only)
    return meta


@dataclass
class ClassifierFamily:
    """What the shared Paddle classifier conversion needs of a network.

    Attributes:
        name (str): For messages, e.g. ``'PP-LCNet'``.
        to_mm (Callable): Structured Paddle params -> our state dict.
        variants (Sequence): Candidate variants (scales, (arch, scale)).
        build (Callable): ``(variant, num_classes)`` -> our classifier.
        infer (Callable): Our state dict -> its variant.
        describe (Callable): Variant -> metadata fields.
    """
    name: str
    to_mm: Callable[[Dict[str, np.ndarray]], Dict[str, torch.Tensor]]
    variants: Sequence[Hashable]
    build: Callable[[Hashable, int], torch.nn.Module]
    infer: Callable[[Dict[str, torch.Tensor]], Hashable]
    describe: Callable[[Hashable], dict]


def _strip_detector(params: Dict[str, np.ndarray], path: str, name: str,
                    backbone_only: bool) -> Dict[str, np.ndarray]:
    """The backbone of a detector / OCR state dict (``backbone.*``)."""
    keys = list(params)
    if not any(k.startswith('backbone.') for k in keys):
        return params
    others = sorted({k.split('.')[0] for k in keys} - {'backbone'})
    if others and not backbone_only:
        raise ValueError(
            f'{path} holds a detector or another model with a backbone '
            f'({", ".join(["backbone"] + others)} keys), not a {name} '
            'classifier. Convert PicoDet detectors with tools/'
            f'model_converters/picodet_to_mmdet.py, or pass --backbone-only'
            f' (backbone_only=True) to take its {name} backbone.')
    return {k[9:]: v for k, v in params.items() if k.startswith('backbone.')}


def _structured_classifier(params: Dict[str, np.ndarray], path: str,
                           family: ClassifierFamily, variant: Hashable,
                           backbone_only: bool, dropout_p: float):
    """(state dict, variant, classes) of a structured-key file."""
    from ..utils import check_state_dict
    params = _strip_detector(params, path, family.name, backbone_only)
    state = family.to_mm(params, dropout_p=dropout_p)
    if variant is None:
        variant = family.infer(state)
    if 'head.fc.weight' not in state:
        model = family.build(variant, 1000).backbone
        check_state_dict(model, {
            k[9:]: v
            for k, v in state.items()
        }, f'converted {path!r}')
        return state, variant, None
    num_classes = int(state['head.fc.weight'].shape[0])
    model = family.build(variant, num_classes)
    check_state_dict(model, state, f'converted {path!r}')
    return state, variant, num_classes


def _automatic_classifier(params: Dict[str, np.ndarray], path: str,
                          family: ClassifierFamily, variant: Hashable,
                          dropout_p: float):
    """(state dict, variant, classes) of an automatically named file,
    trying each candidate variant."""
    from .paddle_names import group_layers, map_automatic
    grouped, _ = group_layers(params)
    linear = grouped['linear']
    num_classes = int(linear[-1][1]['w_0'].shape[-1]) if linear else None
    candidates = [variant] if variant is not None else family.variants
    errors = []
    for cand in candidates:
        model = family.build(cand, num_classes or 1000)
        target = model if linear else model.backbone
        try:
            state = map_automatic(
                params,
                target,
                linear_scale=1.0 - dropout_p,
                what=f'{family.name} {cand}' + ('' if linear else ' backbone'))
        except ValueError as err:
            errors.append(str(err))
            continue
        if not linear:
            state = OrderedDict(('backbone.' + k, v) for k, v in state.items())
        return state, cand, num_classes
    n_conv = len(grouped['conv'])
    hint = ''
    if n_conv > 60 and family.name == 'PP-LCNet':
        hint = (f' The file has {n_conv} conv layers: a detector? Convert '
                'PicoDet files with tools/model_converters/'
                'picodet_to_mmdet.py.')
    shown = errors if len(errors) <= 2 else errors[:2] + [
        f'... ({len(errors) - 2} more variants do not fit either)'
    ]
    raise ValueError(f'{path} fits no {family.name} variant:\n  '
                     + '\n  '.join(shown) + hint)


def check_classifier_config(state_dict: Dict[str, torch.Tensor], src: str,
                            config: str) -> None:
    """Check converted weights against the model of an mmpretrain config.

    Args:
        state_dict (dict): Our classifier's keys (``backbone.*`` only for
            a backbone: then only the config's backbone is checked).
        src (str): Where the weights came from (for errors).
        config (str): The config file.

    Raises:
        ValueError: Keys or shapes do not fit; the message lists them.
    """
    from mmengine.config import Config

    from ..utils import check_state_dict
    model_cfg = Config.fromfile(config).model
    model_cfg.backbone.init_cfg = None
    model = build_mmpretrain_model(model_cfg)
    if all(k.startswith('backbone.') for k in state_dict):
        model = model.backbone
        state_dict = {k[9:]: v for k, v in state_dict.items()}
    check_state_dict(model, state_dict, f'converted {src!r} vs {config}')


def load_paddle_classifier(src: str,
                           family: ClassifierFamily,
                           variant: Optional[Hashable] = None,
                           backbone_only: bool = False,
                           trust_pickle: bool = False,
                           dropout_p: float = PADDLE_DROPOUT_P,
                           config: Optional[str] = None):
    """Read a PaddleClas classifier (or its backbone) in any format and
    map it to our keys, checked against our network.

    Args:
        src (str): ``.pdparams``, inference model (``.pdmodel`` / ``.json``
            + ``.pdiparams``) or paddle2onnx ``.onnx``: path or URL.
        family (ClassifierFamily): The network.
        variant (Hashable, optional): Expected variant; read from the
            shapes when None.
        backbone_only (bool): Accept files without a classifier head
            (and the backbone of detector files).
        trust_pickle (bool): See :func:`load_pdparams`.
        dropout_p (float): Paddle's dropout before the fc, folded in.
        config (str, optional): An mmpretrain config whose model the
            weights must also fit.

    Returns:
        tuple: ``(state_dict, meta)``; meta has ``format``, ``variant``
        fields (``family.describe``), ``num_classes`` (0 without a head)
        and ``classes`` (from ONNX metadata, if any).

    Raises:
        ValueError: The file does not fit the network (the message lists
            what does not match) or has no head without
            ``backbone_only``.
    """
    from .paddle_formats import load_paddle_params
    pp = load_paddle_params(src, trust_pickle)
    if pp.automatic:
        state, variant, num_classes = _automatic_classifier(
            pp.params, pp.path, family, variant, dropout_p)
    else:
        state, variant, num_classes = _structured_classifier(
            pp.params, pp.path, family, variant, backbone_only, dropout_p)
    if num_classes is None and not backbone_only:
        raise ValueError(
            f'{pp.path} holds a {family.name} backbone without a classifier '
            'head (no fc weights): convert it with --backbone-only '
            '(backbone_only=True) and load it with init_cfg='
            "dict(type='Pretrained', checkpoint=OUT, prefix='backbone.')")
    if config is not None:
        check_classifier_config({
            k: v
            for k, v in state.items() if k.startswith('backbone.')
        } if backbone_only else state, pp.path, config)
    classes = [c for c in pp.metadata.get('character', '').splitlines() if c]
    meta = dict(
        source='paddle',
        src=src,
        format=pp.fmt,
        num_classes=int(num_classes or 0),
        **family.describe(variant))
    if num_classes and len(classes) == num_classes:
        meta['classes'] = classes
    return state, meta


def write_classifier_config(dst: str,
                            model: dict,
                            num_classes: int,
                            classes: Optional[Sequence[str]] = None,
                            comment: str = '') -> str:
    """Write an mmpretrain config that fits a converted classifier, with
    PaddleClas' evaluation preprocessing (short side 256, centre crop 224,
    RGB, ImageNet mean / std).

    Args:
        dst (str): Output ``.py``.
        model (dict): The ``model`` config.
        num_classes (int): Number of classes.
        classes (Sequence[str], optional): Class names (dataset metainfo).
        comment (str): A first comment line (where the weights came from).

    Returns:
        str: ``dst``.
    """
    from mmengine.config import Config

    test_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(
            type='ResizeEdge',
            scale=256,
            edge='short',
            backend='cv2',
            interpolation='bilinear'),
        dict(type='CenterCrop', crop_size=224),
        dict(type='PackInputs'),
    ]
    model = dict(model)
    model['head'] = dict(
        model['head'], topk=(1, 5) if num_classes >= 5 else (1, ))
    dataset = dict(
        type='CustomDataset',
        data_root='',
        with_label=True,
        pipeline=test_pipeline)
    if classes:
        dataset['metainfo'] = dict(classes=tuple(classes))
    cfg = dict(
        default_scope='mmpretrain',
        custom_imports=dict(
            imports=['mm_pplcnet.models.classification'],
            allow_failed_imports=False),
        model=model,
        data_preprocessor=dict(
            num_classes=num_classes,
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True),
        test_pipeline=test_pipeline,
        test_dataloader=dict(
            batch_size=1,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dataset),
        test_evaluator=dict(type='Accuracy', topk=model['head']['topk']),
        test_cfg=dict())
    osp.dirname(dst) and os.makedirs(osp.dirname(dst), exist_ok=True)
    text = Config(cfg).pretty_text
    with open(dst, 'w') as f:
        f.write((f'# {comment}\n' if comment else '') + text)
    return dst
