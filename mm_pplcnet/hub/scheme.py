"""The ``paddle://`` checkpoint scheme: Paddle weights, converted on load.

Importing ``mm_pplcnet`` registers it with mmengine's ``CheckpointLoader``
(as ``open-mmlab://`` and ``torchvision://`` are), so every place that
takes a checkpoint takes it::

    init_cfg=dict(type='Pretrained', checkpoint='paddle://PPLCNet_x1_0',
                  prefix='backbone.')
    load_from = 'paddle://picodet_s_416_coco_lcnet'
    get_model('pplcnet-x1.0_3rdparty_in1k', pretrained=True)

``paddle://<name>`` (see :mod:`mm_pplcnet.hub.published`) downloads the
published file once into the torch hub cache (``$TORCH_HOME/hub/
checkpoints``, with a progress bar), converts it with the project's
converters (:mod:`mm_pplcnet.converters`: keys and shapes checked against
the model) and keeps the converted checkpoint next to it, under
``mm_pplcnet/`` and keyed by the SHA-256 of the Paddle file, so later
loads neither download nor convert. ``paddle://<path>`` does the same for
a local Paddle file (``paddle:///abs/file.pdparams``,
``paddle://relative/file.pdparams``, ``paddle://~/file.pdparams``).

A download that does not convert (truncated, an error page, another
network) is deleted again, so it cannot poison the cache.
"""
import hashlib
import logging
import os
import os.path as osp
import tempfile
from typing import Optional, Tuple

import torch
from mmengine.dist import get_dist_info
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader

from .published import (FAMILIES, MIRROR_ENV, PUBLISHED, PublishedWeights,
                        lookup, source_of)

PREFIX = 'paddle://'
# bump when a converter changes its output: old conversions are redone
CONVERSION_VERSION = 1


def hub_checkpoint_dir() -> str:
    """The torch hub checkpoint folder (``$TORCH_HOME/hub/checkpoints``)."""
    return osp.join(torch.hub.get_dir(), 'checkpoints')


def file_sha256(path: str) -> str:
    """SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def read_paddle_keys(path: str) -> list:
    """Parameter names of a Paddle weights file.

    The one place the scheme reads a Paddle file itself (to pick the
    converter of a local file); it uses the converters' reader, so it
    reads every format they read (``.pdparams`` with the restricted
    unpickler: nothing in the file runs; inference models; ONNX).

    Args:
        path (str): Local Paddle weights.

    Returns:
        list[str]: The parameter names (structured or Paddle's automatic
        ones, e.g. ``conv2d_0.w_0``).
    """
    from ..converters import load_paddle_params
    return list(load_paddle_params(path).params)


def detect_family(keys) -> str:
    """Which converter a Paddle state dict needs, from its keys.

    Args:
        keys (Iterable[str]): Paddle parameter names.

    Returns:
        str: ``'pplcnet'``, ``'pplcnetv2'``, ``'mobilenet_v3'`` or
        ``'picodet'``.

    Raises:
        ValueError: The keys are none of those networks'.
    """
    from ..converters.paddle_names import group_layers, is_automatic
    keys = list(keys)
    if is_automatic(keys):
        # automatic names: PaddleClas' MobileNetV3 uses the legacy
        # BatchNorm (batch_norm_N); a PicoDet has far more convs than
        # PP-LCNet's 32
        if any(k.startswith('batch_norm_') for k in keys):
            return 'mobilenet_v3'
        convs = len(group_layers(dict.fromkeys(keys, 0))[0]['conv'])
        return 'picodet' if convs > 40 else 'pplcnet'
    if any(k.startswith(('neck.', 'head.')) for k in keys):
        return 'picodet'
    if any(k.startswith('last_second_conv.') for k in keys):
        return 'mobilenet_v3'
    if any(k.startswith('blocks2.') for k in keys):
        return 'pplcnet'
    if any(k.startswith('stages.')
           for k in keys) and any(k.startswith('stem.') for k in keys):
        return 'pplcnetv2'
    raise ValueError(
        f'the keys ({", ".join(keys[:6])}, ...) are not those of a '
        'PaddleClas PP-LCNet, PP-LCNetV2 or MobileNetV3 or a '
        'PaddleDetection PicoDet on LCNet, the networks paddle:// converts')


def convert(src: str, dst: str, family: str) -> dict:
    """Convert a local Paddle file with the converter of ``family``.

    Args:
        src (str): Local Paddle weights.
        dst (str): Output checkpoint.
        family (str): One of ``FAMILIES``.

    Returns:
        dict: The converter's metadata.
    """
    from .. import converters
    if family == 'pplcnet':
        return converters.convert_pplcnet('paddle', src, dst)
    if family == 'pplcnetv2':
        return converters.convert_pplcnetv2('paddle', src, dst)
    if family == 'mobilenet_v3':
        return converters.convert_mobilenet_v3(src, dst)
    if family == 'picodet':
        return converters.convert_picodet(src, dst)
    raise ValueError(f'family must be one of {FAMILIES}, got {family!r}')


def converted_path(src: str, family: Optional[str] = None) -> str:
    """Convert a local Paddle file once; later calls reuse the result.

    The converted checkpoint lives in ``<hub>/checkpoints/mm_pplcnet/``
    named after the source and its SHA-256, so a changed source is
    converted again.

    Args:
        src (str): Local Paddle weights.
        family (str, optional): Which converter; read from the keys when
            None.

    Returns:
        str: The converted mmengine checkpoint.
    """
    digest = file_sha256(src)[:16]
    stem = osp.splitext(osp.basename(src))[0]
    out_dir = osp.join(hub_checkpoint_dir(), 'mm_pplcnet')
    dst = osp.join(out_dir, f'{stem}_v{CONVERSION_VERSION}-{digest}.pth')
    if osp.isfile(dst):
        return dst
    family = family or detect_family(read_paddle_keys(src))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.pth', dir=out_dir)
    os.close(fd)
    try:
        convert(src, tmp, family)
        os.replace(tmp, dst)
    finally:
        # the classifier converters also write a config beside their
        # output; a cached conversion keeps only the weights
        for path in (tmp, osp.splitext(tmp)[0] + '.py'):
            if osp.exists(path):
                os.remove(path)
    print_log(f'converted {src} -> {dst}', logger='current')
    return dst


def _download(entry: PublishedWeights) -> Tuple[str, bool]:
    """Local copy of a published file: ``(path, downloaded)``.

    ``downloaded`` is True for a file in the hub cache (ours to delete if
    it turns out bad), False for a file in a local mirror folder.
    """
    from ..converters import fetch
    src = source_of(entry)
    if '://' not in src:
        if not osp.isfile(src):
            raise FileNotFoundError(
                f'paddle://{entry.name}: {MIRROR_ENV} points at a folder '
                f'without {entry.filename} ({src} does not exist)')
        return src, False
    try:
        return fetch(src, hub_checkpoint_dir()), True
    except Exception as err:
        cause = err.__cause__ or err  # fetch's own advice is repeated below
        raise RuntimeError(
            f'paddle://{entry.name}: could not download {src} ({cause}). '
            f'Without network access, download {entry.url} on another '
            'machine and either pass the file itself '
            f"(checkpoint='paddle:///path/to/{entry.filename}'), copy it "
            f'to {hub_checkpoint_dir()}/, or set {MIRROR_ENV} to the '
            'folder holding it.') from err


def _check_download(entry: PublishedWeights, path: str) -> None:
    """Raise if a downloaded file does not have the expected SHA-256."""
    if entry.sha256 and file_sha256(path) != entry.sha256:
        raise ValueError(f'SHA-256 of {path} is not {entry.sha256}')


def published_path(name: str) -> str:
    """Download (once) and convert (once) the weights called ``name``.

    Args:
        name (str): A name of :mod:`mm_pplcnet.hub.published`.

    Returns:
        str: The converted checkpoint.

    Raises:
        KeyError: Unknown name (the message lists the known ones).
        RuntimeError: The download failed or did not convert; a bad
            download is deleted.
    """
    entry = lookup(name)
    path, downloaded = _download(entry)
    try:
        _check_download(entry, path)
        return converted_path(path, entry.family)
    except Exception as err:
        if downloaded and osp.isfile(path):
            os.remove(path)
        raise RuntimeError(
            f'paddle://{entry.name}: {path} is not a usable '
            f'{entry.family} weights file ({type(err).__name__}: {err}). '
            + ('The download was deleted; loading again downloads it '
               'again.' if downloaded else 'Replace the file.')) from err


def resolve(spec: str) -> str:
    """The converted checkpoint for ``paddle://<spec>``.

    Args:
        spec (str): A published name or a path to a Paddle file.

    Returns:
        str: The converted mmengine checkpoint.
    """
    if spec.lower() in {k.lower() for k in PUBLISHED}:
        return published_path(spec)
    path = osp.expanduser(spec)
    if osp.isfile(path):
        return converted_path(path)
    if '/' in spec or osp.splitext(spec)[1]:
        raise FileNotFoundError(
            f'paddle://{spec}: no such Paddle weights file. Paths after '
            'paddle:// are local: paddle:///abs/path.pdparams or '
            'paddle://relative/path.pdparams')
    return published_path(spec)  # unknown: KeyError listing the names


def load_from_paddle(filename: str, map_location=None) -> dict:
    """``CheckpointLoader`` loader of ``paddle://``.

    In distributed runs rank 0 downloads and converts first; the other
    ranks then find the converted file.

    Args:
        filename (str): ``paddle://<name or path>``.
        map_location (str | torch.device, optional): As for
            :func:`torch.load`.

    Returns:
        dict: ``{'meta': ..., 'state_dict': ...}`` of our model (the keys
        of an mmpretrain classifier or mmdet detector: ``backbone.*``,
        ...).
    """
    from ..utils.safe_load import load_local_checkpoint
    spec = filename[len(PREFIX):]
    rank, world_size = get_dist_info()
    if rank == 0:
        path = resolve(spec)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            path = resolve(spec)
    try:
        return load_local_checkpoint(path, map_location)
    except Exception as err:
        if world_size > 1:
            raise
        # a damaged conversion in our cache (disk full, killed copy):
        # convert again once instead of failing on it forever
        print_log(
            f'{path} does not load ({type(err).__name__}: {err}); '
            'converting again',
            logger='current',
            level=logging.WARNING)
        os.remove(path)
        return load_local_checkpoint(resolve(spec), map_location)


def register_paddle_scheme() -> None:
    """Register ``paddle://`` with mmengine's ``CheckpointLoader``."""
    CheckpointLoader.register_scheme(
        prefixes=PREFIX, loader=load_from_paddle, force=True)
