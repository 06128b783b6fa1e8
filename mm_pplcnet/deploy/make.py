"""``tools/deployment/deploy.py``: config + checkpoint -> deploy folder,
checked end to end against PyTorch ``predict``."""
import json
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from .builder import example_images, write_deploy_folder
from .parity import TiedScoresError, compare
from .predictor import DEPLOY_JSON, Predictor
from .quantize import REPORT, list_images, quantize_folder


def check_folder(folder: str,
                 model,
                 cfg,
                 scope: str,
                 images: Sequence[np.ndarray],
                 random_weights: bool = False) -> Dict:
    """Run a deploy folder and PyTorch ``predict`` on the same images.

    Args:
        folder (str): The deploy folder.
        model (nn.Module): The model it was written from.
        cfg (Config): Its config.
        scope (str): Its scope.
        images (Sequence[np.ndarray]): BGR images.
        random_weights (bool): The model has random weights: boxes may
            differ by 1e-4 of their largest coordinate (else 1e-2 px).

    Returns:
        dict: ``images`` (their sizes) and the per-image differences
        (:func:`mm_pplcnet.deploy.parity.compare`).

    Raises:
        ValueError: The results disagree.
    """
    from .torch_reference import torch_predict
    predictor = Predictor(folder)
    ref = torch_predict(model, cfg, scope, images)
    got = predictor.predict(list(images))
    return dict(
        images=[list(i.shape[:2]) for i in images],
        batch=len(images),
        diffs=compare(
            predictor.task, ref, got, box_rel=1e-4 if random_weights else 0))


def make_deploy_folder(config: str,
                       checkpoint: Optional[str],
                       out: str,
                       backend: str = 'onnxruntime',
                       int8: bool = False,
                       calib: Optional[str] = None,
                       calib_dataset: bool = False,
                       calib_size: int = 64,
                       check: bool = True,
                       log=print) -> Dict:
    """Write a deploy folder for a config and checkpoint.

    FP32: the graph is exported, and (``check``) the folder's Predictor
    is compared with PyTorch ``predict`` on two non-square images of odd
    sizes in one batch; the result is recorded in ``deploy.json``
    (``check``). INT8: see :func:`mm_pplcnet.deploy.quantize.quantize`.

    Args:
        config (str): Config file.
        checkpoint (str, optional): Weights (None: random, for dry runs).
        out (str): Output folder.
        backend (str): 'onnxruntime' or 'openvino'.
        int8 (bool): Quantize to INT8.
        calib (str, optional): Folder of calibration images.
        calib_dataset (bool): Calibrate on the config's test dataset.
        calib_size (int): Calibration images. Defaults to 64.
        check (bool): Compare with PyTorch. Defaults to True.
        log (Callable): Message sink. Defaults to print.

    Returns:
        dict: The ``deploy.json`` written.

    Raises:
        ValueError: The check failed (not for tied random-weight scores of
            a dry run, which skip it), or bad INT8 options or images.
        FileNotFoundError: A missing config, checkpoint or calibration
            folder. On any error the files this call wrote are removed.
    """
    from ..benchmark.config_jobs import build_config_model
    if int8 and not (calib or calib_dataset):
        raise ValueError('--int8 needs calibration images: --calib FOLDER '
                         'or --calib-dataset')
    model, cfg, scope = build_config_model(config, checkpoint)
    if int8 and calib:  # fail on the images before the export
        list_images(calib)
    spec = write_deploy_folder(
        model, cfg, scope, out, backend, checkpoint=checkpoint, config=config)
    if osp.isfile(osp.join(out, REPORT)):  # a previous INT8 folder's
        os.remove(osp.join(out, REPORT))
    try:
        if check:
            try:
                result = check_folder(out, model, cfg, scope,
                                      example_images(2), checkpoint is None)
                spec['check'] = dict(against='PyTorch predict', **result)
                log(f'{out}: Predictor == PyTorch predict on images '
                    f'{result["images"]} (batch {result["batch"]}): '
                    f'{result["diffs"]}')
            except TiedScoresError as err:
                if checkpoint is not None:
                    raise
                spec['check'] = dict(skipped=str(err))
                log(f'{out}: dry run, comparison with PyTorch skipped: '
                    f'{err}')
        if int8:
            spec = quantize_folder(
                out,
                model,
                cfg,
                scope,
                spec,
                calib=calib,
                calib_dataset=calib_dataset,
                calib_size=calib_size,
                log=log)
    except BaseException:
        # no half-made folder that loads: remove what this call wrote
        for name in list(spec['model']['files']) + [DEPLOY_JSON, REPORT]:
            if osp.isfile(osp.join(out, name)):
                os.remove(osp.join(out, name))
        raise
    with open(osp.join(out, DEPLOY_JSON), 'w') as f:
        json.dump(spec, f, indent=2)
    return spec
