"""Semantic segmentation inference and a colour-coded mask overlay.

Works for any mmseg config of ours (``default_scope='mmseg'``): the model
is built without its pretrained ``init_cfg``, as mmseg's ``init_model``
does, and loads a checkpoint strictly (every key must fit), with SyncBN
turned into BN for one process.
"""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

import mm_pplcnet  # noqa: F401 (registers the backbones)


def cityscapes_meta() -> Dict[str, tuple]:
    """Cityscapes' 19 class names and their palette (RGB)."""
    from mmseg.datasets import CityscapesDataset
    return dict(
        classes=tuple(CityscapesDataset.METAINFO['classes']),
        palette=tuple(map(tuple, CityscapesDataset.METAINFO['palette'])))


def init_segmentor(config: str,
                   checkpoint: str,
                   device: str = 'cpu',
                   cfg_options: Optional[dict] = None) -> nn.Module:
    """Build the segmentor of an mmseg config and load a checkpoint.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint of the model (``tools/train.py``'s
            ``iter_*.pth``).
        device (str): Device. Defaults to 'cpu'.
        cfg_options (dict, optional): Config overrides.

    Returns:
        nn.Module: The segmentor in eval mode, with ``dataset_meta``
        (classes and palette; the checkpoint's, else Cityscapes').
    """
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmseg.apis import init_model

    from ..utils.checkpoint import (load_state_dict_checked, read_checkpoint,
                                    state_dict_with_prefix)
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if '://' not in path and not osp.isfile(path):
            raise FileNotFoundError(f'{what} file {path!r} does not exist')
    cfg = Config.fromfile(config)
    if cfg.get('default_scope') != 'mmseg':
        raise ValueError(f'{config} is not an mmseg config (default_scope '
                         f'{cfg.get("default_scope")!r})')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = init_model(cfg, None, device='cpu')
    # every key must fit (mmseg's init_model only warns): a checkpoint of
    # another size or class count is an error that lists the keys
    ckpt = read_checkpoint(checkpoint)
    load_state_dict_checked(
        model, state_dict_with_prefix(ckpt, None,
                                      f'checkpoint {checkpoint!r}'),
        f'checkpoint {checkpoint!r}')
    meta = (ckpt.get('meta') or {}).get('dataset_meta') or {}
    model.dataset_meta = meta if meta.get('palette') else cityscapes_meta()
    return revert_sync_batchnorm(model).to(device).eval()


def segment_image(model: nn.Module, image: Union[str,
                                                 np.ndarray]) -> np.ndarray:
    """Predict the class of every pixel of one image.

    Args:
        model (nn.Module): A segmentor from :func:`init_segmentor`.
        image (str | np.ndarray): Image file, or a BGR (H, W, 3) array.

    Returns:
        np.ndarray: (H, W) int64 class indices at the image's size.
    """
    from mmseg.apis import inference_model
    with torch.no_grad():
        result = inference_model(model, image)
    return result.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)


def overlay_mask(image: np.ndarray,
                 mask: np.ndarray,
                 palette: Sequence[Sequence[int]],
                 opacity: float = 0.5) -> np.ndarray:
    """Blend a colour-coded class mask over an image.

    Args:
        image (np.ndarray): (H, W, 3) uint8 image, in the palette's channel
            order (RGB for mmseg palettes).
        mask (np.ndarray): (H, W) class indices; values outside the
            palette (such as 255, ignored) leave the image as it is.
        palette (Sequence[Sequence[int]]): One colour per class.
        opacity (float): Weight of the mask colours, in (0, 1]. Defaults
            to 0.5.

    Returns:
        np.ndarray: The (H, W, 3) uint8 blend.
    """
    if image.shape[:2] != mask.shape:
        raise ValueError(f'mask {mask.shape} and image {image.shape[:2]} '
                         'differ in size')
    if not 0 < opacity <= 1:
        raise ValueError(f'opacity must be in (0, 1], got {opacity}')
    colours = np.asarray(palette, dtype=np.float32)
    known = (mask >= 0) & (mask < len(colours))
    out = image.astype(np.float32)
    painted = colours[mask[known]]
    out[known] = (1 - opacity) * out[known] + opacity * painted
    return np.clip(out.round(), 0, 255).astype(np.uint8)


def class_fractions(mask: np.ndarray,
                    classes: Sequence[str]) -> Dict[str, float]:
    """Share of the pixels of each predicted class, largest first.

    Args:
        mask (np.ndarray): Class indices, e.g. from :func:`segment_image`.
        classes (Sequence[str]): Class names; indices outside them (such
            as 255) are named by their number.

    Returns:
        dict[str, float]: Class name to its fraction of the pixels (only
        the classes present), in decreasing order.
    """
    ids, counts = np.unique(mask, return_counts=True)
    shares = {
        classes[i] if 0 <= i < len(classes) else str(i): c / mask.size
        for i, c in zip(ids.tolist(), counts.tolist())
    }
    return dict(sorted(shares.items(), key=lambda kv: -kv[1]))


def seg_demo(config: str,
             checkpoint: str,
             image: str,
             out: str,
             device: str = 'cpu',
             opacity: float = 0.5) -> Tuple[np.ndarray, Dict[str, float]]:
    """Segment an image file and write the colour-coded overlay.

    Args:
        config (str): mmseg config file.
        checkpoint (str): Checkpoint file.
        image (str): Input image file.
        out (str): Output image file (its folder is created).
        device (str): Device. Defaults to 'cpu'.
        opacity (float): Weight of the mask colours. Defaults to 0.5.

    Returns:
        tuple: The (H, W) predicted class map and the share of each
        predicted class (:func:`class_fractions`).
    """
    import mmcv
    if not osp.isfile(image):
        raise FileNotFoundError(f'image file {image!r} does not exist')
    model = init_segmentor(config, checkpoint, device)
    bgr = mmcv.imread(image)
    mask = segment_image(model, bgr)
    meta = model.dataset_meta
    blend = overlay_mask(
        mmcv.bgr2rgb(bgr), mask, meta['palette'], opacity=opacity)
    if osp.dirname(out):
        os.makedirs(osp.dirname(out), exist_ok=True)
    if not mmcv.imwrite(mmcv.rgb2bgr(blend), out):
        raise OSError(f'could not write {out!r}')
    return mask, class_fractions(mask, meta['classes'])
