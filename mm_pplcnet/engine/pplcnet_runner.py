"""The Runner of this project's configs: mmengine's, made reliable on CPUs.

What it adds to :class:`mmengine.runner.Runner` (every config of ours
selects it with ``runner_type = 'PPLCNetRunner'``, so mmdet's, mmseg's and
mmpretrain's own ``tools/train.py`` use it too):

- **One loading rule.** ``load_from``, ``--resume``, ``tools/test.py``'s
  checkpoint and every ``Pretrained`` ``init_cfg`` in the model (dict or
  list, at any level, e.g. mmpretrain's model-level ``pretrained``) must
  fit the model: keys or shapes that do not fit are an error listing them
  (:func:`mm_pplcnet.utils.checkpoint.check_state_dict`). Partial loading
  is asked for explicitly: ``partial_load = True`` in the config
  (``tools/train.py --partial-load``), or ``strict=False`` in one
  ``Pretrained`` init_cfg.
- **Damaged checkpoints** (empty, truncated, not a checkpoint) are one
  message naming the file and the previous checkpoint; nothing is written.
- **SyncBN on CPU.** Without CUDA, SyncBN layers become BatchNorm before
  the model is wrapped in DDP (which refuses SyncBN on CPU modules), and
  ``sync_bn`` is ignored; each process then normalises over its own batch
  (a note is logged).
- **Batch 1.** A BatchNorm that follows a global average pooling (as in
  DeepLabV3+'s ASPP image-pooling branch) sees one value per channel when
  a process trains on one image; training is refused before it starts,
  with what to do instead.
"""
import re
from typing import Dict, Iterator, List, Optional, Tuple

import torch
from mmengine.dist import get_world_size
from mmengine.model import is_model_wrapper, revert_sync_batchnorm
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..utils.checkpoint import (check_state_dict, load_state_dict_checked,
                                read_checkpoint, state_dict_with_prefix)

_SYNC_BN_NAMES = ('SyncBatchNorm', )


def _has_sync_bn(model: nn.Module) -> bool:
    return any(type(m).__name__ in _SYNC_BN_NAMES for m in model.modules())


def pooled_batch_norms(model: nn.Module) -> List[str]:
    """Names of the BatchNorms that normalise globally pooled features.

    Such a BatchNorm (in train mode) gets one value per channel and image,
    so it cannot train on one image per process: torch raises
    ``Expected more than 1 value per channel when training``. Found where
    a ``Sequential`` holds an adaptive average pooling to 1x1 followed by
    a BatchNorm (DeepLabV3+'s ASPP ``image_pool``).

    Args:
        model (nn.Module): The model (unwrapped).

    Returns:
        list[str]: Module names of such BatchNorms in train mode.
    """
    found = []
    for name, seq in model.named_modules():
        if not isinstance(seq, nn.Sequential):
            continue
        pooled = False
        for child_name, child in seq.named_children():
            if isinstance(
                    child,
                (nn.AdaptiveAvgPool2d,
                 nn.AdaptiveMaxPool2d)) and child.output_size in (1, (1, 1)):
                pooled = True
            elif pooled:
                found += [
                    f'{name}.{child_name}.{sub}'.rstrip('.')
                    for sub, m in child.named_modules()
                    if isinstance(m, _BatchNorm) and m.training
                ]
    return found


def _iter_pretrained(
        model: nn.Module) -> Iterator[Tuple[str, nn.Module, dict]]:
    """``(name, module, cfg)`` for every ``Pretrained`` init_cfg."""
    for name, module in model.named_modules():
        cfgs = getattr(module, 'init_cfg', None)
        for cfg in cfgs if isinstance(cfgs, list) else [cfgs]:
            if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
                yield name, module, cfg


class BatchSizeError(ValueError):
    """The training batch cannot work with this model (message: why and
    what to do)."""


@RUNNERS.register_module()
class PPLCNetRunner(Runner):
    """mmengine's Runner with strict loading, clear errors for damaged
    checkpoints, SyncBN on CPU and a batch-1 check (see the module)."""

    # ------------------------------------------------------------ loading
    def _strict(self) -> bool:
        return not self.cfg.get('partial_load', False)

    def load_checkpoint(self,
                        filename: str,
                        map_location='cpu',
                        strict: Optional[bool] = None,
                        revise_keys: list = [(r'^module\.', '')]) -> dict:
        """Load a checkpoint into the model under the one loading rule.

        Args:
            filename (str): Local path, URL or a known prefix.
            map_location (str | Callable): Where tensors go. Defaults to
                'cpu'.
            strict (bool, optional): None follows the config
                (``partial_load``); True requires every key and shape to
                fit.
            revise_keys (list): ``(pattern, replacement)`` regexes applied
                to the keys first. Defaults to stripping ``module.``.

        Returns:
            dict: The checkpoint.

        Raises:
            DamagedCheckpointError: The file cannot be read.
            CheckpointMismatchError: Keys or shapes do not fit (strict).
        """
        strict = self._strict() if strict is None else strict
        source = f'checkpoint {filename!r}'
        checkpoint = read_checkpoint(filename, map_location)
        model = self.model.module if is_model_wrapper(
            self.model) else self.model

        def revised_state_dict() -> dict:
            state_dict = state_dict_with_prefix(checkpoint, None, source)
            for pattern, repl in revise_keys:
                state_dict = type(state_dict)((re.sub(pattern, repl, k), v)
                                              for k, v in state_dict.items())
            return state_dict

        if strict:  # before the hooks (e.g. EMA) touch anything
            check_state_dict(model, revised_state_dict(), source)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        load_state_dict_checked(model, revised_state_dict(), source, strict)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def _init_model_weights(self) -> None:
        """Check every ``Pretrained`` init_cfg strictly, then initialise.

        Our backbones load their own ``Pretrained`` strictly; any other
        module's (mmengine's ``PretrainedInit`` only warns) is checked
        here first.
        """
        from ..models.backbones.base import PaddleBackbone
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        for name, module, cfg in _iter_pretrained(model):
            strict = cfg.pop('strict', True) and self._strict()
            if isinstance(module, PaddleBackbone):
                cfg['strict'] = strict  # the backbone loads it itself
                continue
            if not strict:  # mmengine's PretrainedInit loads what fits
                continue
            source = (f'init_cfg Pretrained {cfg["checkpoint"]!r} of '
                      f'{name or "the model"}')
            state_dict = state_dict_with_prefix(
                read_checkpoint(cfg['checkpoint'],
                                cfg.get('map_location', 'cpu')),
                cfg.get('prefix'), source)
            check_state_dict(module, state_dict, source)  # raises if unfit
        super()._init_model_weights()

    # ------------------------------------------------------- CPU / SyncBN
    def wrap_model(self, model_wrapper_cfg: Optional[Dict],
                   model: nn.Module) -> nn.Module:
        """Turn SyncBN into BatchNorm without CUDA, then wrap as usual.

        Args:
            model_wrapper_cfg (dict, optional): The wrapper's config.
            model (nn.Module): The model.

        Returns:
            nn.Module: The (wrapped) model.
        """
        if not torch.cuda.is_available() and not is_model_wrapper(model):
            if self.cfg.get('sync_bn') is not None:
                self.cfg.sync_bn = None
                self.logger.info('no CUDA: `sync_bn` is ignored')
            if _has_sync_bn(model):
                model = revert_sync_batchnorm(model)
                self.logger.info(
                    'no CUDA: SyncBN layers run as BatchNorm; each of the '
                    f'{get_world_size()} process(es) normalises over its '
                    'own batch')
        return super().wrap_model(model_wrapper_cfg, model)

    # ------------------------------------------------------------- batch 1
    def _train_batch_size(self) -> Optional[int]:
        loader = self._train_dataloader
        if isinstance(loader, dict):
            return loader.get('batch_size')
        return getattr(loader, 'batch_size', None)

    def check_batch_size(self) -> None:
        """Refuse to train on one image per process when a BatchNorm
        follows a global pooling (see :func:`pooled_batch_norms`).

        Raises:
            BatchSizeError: Naming the layers, why, and what to do.
        """
        batch = self._train_batch_size()
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        if batch != 1:
            return
        names = pooled_batch_norms(model)
        synced = [n for n in names if _has_sync_bn(model.get_submodule(n))]
        if get_world_size() > 1 and torch.cuda.is_available():
            names = [n for n in names if n not in synced]
        if names:
            raise BatchSizeError(
                'train_dataloader.batch_size=1 cannot train this model: '
                f'the BatchNorm {", ".join(names[:3])} normalises globally '
                'pooled features (as in the ASPP image-pooling branch of '
                'DeepLabV3+), so with one image per process it sees one '
                'value per channel, and BatchNorm cannot train on that. '
                'Train with at least 2 images per process (--cfg-options '
                'train_dataloader.batch_size=2), or on GPUs with SyncBN '
                'over several processes.')

    def train(self) -> nn.Module:
        """Check the batch size, then train as mmengine does.

        Returns:
            nn.Module: The trained model.
        """
        self.check_batch_size()
        return super().train()
