"""Benchmark jobs for any mmpretrain / mmdet / mmseg config of ours.

The whole model is measured at the config's test input size: the network
alone (``_forward``: backbone, neck, head, raw outputs) on every backend,
and for detectors and segmentors also with post-processing (``predict``:
box decoding + NMS, or resizing the logits to the image) on PyTorch eager.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn

from ..utils.checkpoint import load_pretrained_strict
from ..utils.randomize import calibrate_bn_, randomize_
from ..utils.reparameterize import switch_to_deploy_
from .runner import Job


def _walk(obj):
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _walk(v)


def config_input_shape(cfg) -> Tuple[int, int]:
    """(H, W) that the config's test pipeline feeds the network.

    The last ``Resize`` / ``RandomResize`` scale or ``CenterCrop`` size of
    ``test_pipeline`` (else the test dataloader's pipeline) wins; a
    ``ResizeEdge`` counts only when nothing came before it.

    Args:
        cfg (Config): The config.

    Returns:
        tuple[int, int]: The input height and width.

    Raises:
        ValueError: The pipeline gives no size.
    """
    pipeline = cfg.get('test_pipeline') or cfg.get('test_dataloader', {}).get(
        'dataset', {}).get('pipeline', [])
    size = None
    for step in _walk(pipeline):
        kind = step.get('type', '')
        if kind in ('Resize', 'RandomResize') and 'scale' in step:
            scale = step['scale']
            if isinstance(scale, int):
                size = (scale, scale)
            elif step.get('keep_ratio') and cfg.get('default_scope') == \
                    'mmseg':
                # mmseg's Cityscapes test Resize (2048, 1024) keeps the
                # 2:1 images at 1024x2048 (H, W)
                size = (min(scale), max(scale))
            else:
                size = (scale[1], scale[0])  # (W, H) -> (H, W)
        elif kind in ('CenterCrop', ) and 'crop_size' in step:
            crop = step['crop_size']
            size = (crop, crop) if isinstance(crop, int) else (crop[1],
                                                               crop[0])
        elif kind == 'ResizeEdge' and 'scale' in step and size is None:
            size = (step['scale'], step['scale'])
    if size is None:
        raise ValueError('cannot tell the test input size from the config; '
                         'pass --shape H W')
    return size


def load_config(config: str) -> tuple:
    """Read one of our mmpretrain / mmdet / mmseg configs and set up its
    registries (default scope, ``custom_imports``).

    Args:
        config (str): Config file.

    Returns:
        tuple: The config and its default scope.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    import mm_pplcnet  # noqa: F401
    if not osp.isfile(config):
        raise FileNotFoundError(f'config {config!r} does not exist')
    cfg = Config.fromfile(config)
    scope = cfg.get('default_scope', 'mmpretrain')
    init_default_scope(scope)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    return cfg, scope


def build_config_model(config: str,
                       checkpoint: Optional[str] = None,
                       deploy: bool = True) -> tuple:
    """Build the model of one of our mmpretrain / mmdet / mmseg configs.

    The config's ``init_cfg`` (pretrained files) is not applied. Without a
    checkpoint the weights are random (:func:`randomize_`) and the BN
    statistics are measured on a random batch at the config's test size,
    at most 512 pixels a side (:func:`calibrate_bn_`): every layer then
    carries an O(1) signal, as in a trained network, so that output
    comparisons between runtimes mean something. Re-parameterizable
    parts (PP-LCNetV2's depthwise branches) are then folded, as deployed.

    Args:
        config (str): Config file.
        checkpoint (str, optional): Weights; every key must fit
            (:func:`load_pretrained_strict`).
        deploy (bool): Fold re-parameterizable parts
            (:func:`switch_to_deploy_`). Defaults to True.

    Returns:
        tuple: The model in eval mode, the config, its default scope.
    """
    cfg, scope = load_config(config)
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    if cfg.get('data_preprocessor') and scope == 'mmpretrain':
        # mmpretrain keeps it at the top level; its runner and init_model
        # hand it to the model
        cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = registry.build(cfg.model)
    if checkpoint:
        load_pretrained_strict(model, checkpoint)
        if deploy:
            switch_to_deploy_(model)
        return model.eval(), cfg, scope
    randomize_(model)
    try:
        shape = config_input_shape(cfg)
    except ValueError:  # a pipeline without a resize (toy classifier)
        shape = (224, 224)
    # statistics of random images hardly depend on their size
    k = min(1.0, 512 / max(shape))
    hw = [max(32, int(round(s * k / 32)) * 32) for s in shape]
    batch = torch.randn((2, 3, *hw),
                        generator=torch.Generator().manual_seed(1))
    model.eval()
    calibrate_bn_(model, lambda: model(batch, mode='tensor'))
    if deploy:
        switch_to_deploy_(model)
    return model, cfg, scope


class RawForward(nn.Module):
    """``_forward`` of an mm model, outputs flattened into one tensor so
    that every backend returns one array to compare.

    Args:
        model (nn.Module): An mmpretrain / mmdet / mmseg model.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run ``_forward`` and concatenate its outputs.

        Args:
            x (torch.Tensor): Batch of images, (N, 3, H, W).

        Returns:
            torch.Tensor: Every output tensor flattened, in order (dict
            outputs by sorted key), as one 1-D tensor.
        """
        out = self.model(x, mode='tensor')
        flat = []
        for t in _flatten(out):
            flat.append(t.reshape(-1))
        return torch.cat(flat)


def _flatten(out):
    if isinstance(out, torch.Tensor):
        yield out
    elif isinstance(out, (list, tuple)):
        for o in out:
            yield from _flatten(o)
    elif isinstance(out, dict):
        for k in sorted(out):
            yield from _flatten(out[k])


class PredictForward(nn.Module):
    """``predict`` with post-processing; returns a small tensor summary
    (scores or the label map) so it can be timed like the others.

    Args:
        model (nn.Module): An mmdet detector or mmseg segmentor.
        scope (str): 'mmdet' or 'mmseg'.
        shape (Sequence[int]): (H, W) of the inputs, for the metadata.
    """

    def __init__(self, model: nn.Module, scope: str, shape) -> None:
        super().__init__()
        self.model = model
        self.scope = scope
        self.shape = tuple(shape)

    def _samples(self, n: int):
        h, w = self.shape
        meta = dict(
            img_shape=(h, w),
            ori_shape=(h, w),
            pad_shape=(h, w),
            batch_input_shape=(h, w),
            scale_factor=(1.0, 1.0),
            padding_size=(0, 0, 0, 0))
        if self.scope == 'mmdet':
            from mmdet.structures import DetDataSample
            return [DetDataSample(metainfo=meta) for _ in range(n)]
        from mmseg.structures import SegDataSample
        return [SegDataSample(metainfo=meta) for _ in range(n)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run ``predict`` and summarise the results in one tensor.

        Args:
            x (torch.Tensor): Batch of images, (N, 3, H, W) of ``shape``.

        Returns:
            torch.Tensor: For mmdet the scores of all the detections,
            concatenated; for mmseg the label maps, flattened, (N, H * W).
        """
        results = self.model(x, self._samples(x.shape[0]), mode='predict')
        if self.scope == 'mmdet':
            return torch.cat(
                [r.pred_instances.scores.reshape(-1).float() for r in results])
        return torch.stack(
            [r.pred_sem_seg.data.float().reshape(-1) for r in results])


def config_jobs(config: str,
                shape: Optional[Sequence[int]] = None,
                checkpoint: Optional[str] = None,
                batch: int = 1,
                image: Optional[str] = None,
                score_thr: Optional[float] = None) -> List[Job]:
    """Jobs for one config: the network, and with post-processing.

    Args:
        config (str): Config file.
        shape (Sequence[int], optional): (H, W); the test size by default.
        checkpoint (str, optional): Weights to load (random otherwise).
        batch (int): Batch size. Defaults to 1.
        image (str, optional): Image file of the end-to-end rows
            (``predictor-*``, ``rapid-layout``); a rendered 1216 x 1600
            page by default.
        score_thr (float, optional): Score threshold of the end-to-end
            detection rows (default: the config's).

    Returns:
        list[Job]: One or two jobs.
    """
    cfg, scope = load_config(config)
    hw = tuple(shape) if shape else config_input_shape(cfg)
    name = osp.splitext(osp.basename(config))[0]
    family = str(cfg.model.get('backbone', {}).get('type', scope))

    def build() -> nn.Module:
        from .deploy_backends import benchmark_image
        model, cfg, scope = build_config_model(config, checkpoint)
        # what the end-to-end backends write a deploy folder from
        model.deploy_source = (cfg, scope, benchmark_image(image), score_thr)
        return model

    input_shape = (batch, 3, *hw)
    jobs = [
        Job(name=name,
            family=family,
            build=lambda: RawForward(build()),
            input_shape=input_shape,
            extra=dict(config=config, part='network'))
    ]
    if scope in ('mmdet', 'mmseg'):
        jobs.append(
            Job(name=name + ' +post',
                family=family,
                build=lambda: PredictForward(build(), scope, hw),
                input_shape=input_shape,
                extra=dict(
                    config=config,
                    part='with post-processing',
                    eager_only=True)))
    return jobs
