"""The OpenMMLab Inferencers on our models, end to end: mmpretrain's
``ImageClassificationInferencer`` by model name (weights through
``paddle://`` from the local server) and on a toy-trained checkpoint;
mmdet's ``DetInferencer`` and mmseg's ``MMSegInferencer`` with our configs
and toy-trained checkpoints, against those packages' own
``inference_detector`` / ``inference_model``."""
import glob
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import CONFIGS, TOOLS, run_tool
from hub_fixtures import *  # noqa: F401,F403 (the fixtures)
from mmengine.runner.checkpoint import _load_checkpoint

ONE_THREAD = dict(OMP_NUM_THREADS='1')


def _train(config, work, options):
    run_tool([
        TOOLS / 'train.py', config, '--work-dir', work, '--cfg-options',
        *options
    ],
             cwd=work.parent,
             env=ONE_THREAD)
    ckpts = sorted(glob.glob(str(work / '*.pth')))
    assert ckpts, f'no checkpoint in {work}'
    return ckpts[-1]


def _roots(root, splits=('train', 'val', 'test')):
    return [f'{s}_dataloader.dataset.data_root={root}' for s in splits]


def _same_weights(model, checkpoint):
    """The model holds every tensor of the checkpoint (BN counters
    aside)."""
    state = _load_checkpoint(checkpoint, map_location='cpu')['state_dict']
    own = model.state_dict()
    missing = [
        k for k in own
        if k not in state and not k.endswith('num_batches_tracked')
    ]
    assert not missing, missing[:5]
    for key, value in own.items():
        if key in state:
            assert torch.equal(value.cpu(), state[key]), key


@pytest.mark.slow
def test_classification_inferencer_by_name(hub, server, tmp_path):
    from mmpretrain import ImageClassificationInferencer
    name = 'pplcnet-x0.25_3rdparty_in1k'
    inferencer = ImageClassificationInferencer(name, device='cpu')
    _same_weights(inferencer.model, 'paddle://PPLCNet_x0_25')
    image = np.random.default_rng(0).integers(0, 255, (300, 400, 3), np.uint8)
    result = inferencer(image)[0]
    scores = np.asarray(result['pred_scores'])
    assert scores.shape == (1000, )
    assert abs(scores.sum() - 1) < 1e-4
    assert result['pred_label'] == int(scores.argmax())
    assert server.hits == {'PPLCNet_x0_25_pretrained.pdparams': 1}


@pytest.mark.slow
def test_classification_inferencer_on_toy_checkpoint(toy_cls, tmp_path):
    from mmpretrain import ImageClassificationInferencer
    config = CONFIGS / 'pplcnet' / 'pplcnet-x0.5_1xb16_toy-cls.py'
    ckpt = _train(config, tmp_path / 'cls', _roots(toy_cls))
    inferencer = ImageClassificationInferencer(
        str(config), pretrained=ckpt, device='cpu')
    _same_weights(inferencer.model, ckpt)
    classes = sorted(p.name for p in (Path(toy_cls) / 'val').iterdir())
    images, labels = [], []
    for label, cls in enumerate(classes):
        for path in sorted((Path(toy_cls) / 'val' / cls).iterdir()):
            images.append(str(path))
            labels.append(label)
    preds = [r['pred_label'] for r in inferencer(images, batch_size=16)]
    accuracy = np.mean(np.array(preds) == np.array(labels))
    # chance is 25 %; 48 iterations measured 67-73 % (see the config)
    assert accuracy > 0.45, accuracy


@pytest.fixture(scope='module')
def toy_coco(tmp_path_factory):
    from mm_pplcnet.datasets import make_toy_coco
    root = tmp_path_factory.mktemp('toy_coco')
    make_toy_coco(str(root))
    return root


@pytest.mark.slow
def test_det_inferencer_on_toy_checkpoint(toy_coco, tmp_path):
    from mmdet.apis import DetInferencer, inference_detector, init_detector
    config = str(CONFIGS / 'picodet'
                 / 'picodet-xs_lcnet_1xb8-24e_toy-coco-192.py')
    ckpt = _train(config, tmp_path / 'det',
                  [f'{o}/' for o in _roots(toy_coco)] + [
                      f'{s}_evaluator.ann_file={toy_coco}/annotations/val.json'
                      for s in ('val', 'test')
                  ] + [
                      'train_cfg.max_epochs=1', 'train_cfg.val_begin=100',
                      'default_hooks.checkpoint.interval=1'
                  ])
    image = str(sorted((Path(toy_coco) / 'val').glob('*.jpg'))[0])
    inferencer = DetInferencer(model=config, weights=ckpt, device='cpu')
    _same_weights(inferencer.model, ckpt)
    ours = inferencer(image, return_datasamples=True)['predictions'][0]
    model = init_detector(config, ckpt, device='cpu')
    ref = inference_detector(model, image).pred_instances
    assert len(ref) > 0
    np.testing.assert_allclose(
        ours.pred_instances.bboxes.numpy(), ref.bboxes.numpy(), atol=1e-3)
    np.testing.assert_array_equal(ours.pred_instances.labels.numpy(),
                                  ref.labels.numpy())


@pytest.mark.slow
def test_mmseg_inferencer_on_toy_checkpoint(tmp_path):
    from mmseg.apis import MMSegInferencer, inference_model, init_model

    from mm_pplcnet.datasets import make_toy_cityscapes
    root = tmp_path / 'toy_cityscapes'
    make_toy_cityscapes(str(root))
    config = str(
        CONFIGS / 'deeplabv3plus'
        / 'deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py')
    ckpt = _train(
        config, tmp_path / 'seg',
        _roots(root) + [
            'train_cfg.max_iters=10', 'train_cfg.val_begin=1000',
            'default_hooks.checkpoint.interval=10'
        ])
    image = str(sorted(root.rglob('*leftImg8bit.png'))[0])
    inferencer = MMSegInferencer(model=config, weights=ckpt, device='cpu')
    _same_weights(inferencer.model, ckpt)
    ours = inferencer(image, return_datasamples=True)
    model = init_model(config, ckpt, device='cpu')
    ref = inference_model(model, image)
    ours_map = ours.pred_sem_seg.data.numpy()
    assert ours_map.shape == ref.pred_sem_seg.data.numpy().shape
    assert (ours_map == ref.pred_sem_seg.data.numpy()).mean() > 0.999


@pytest.mark.slow
def test_det_inferencer_with_paddle_weights(hub, server, paddle_weights):
    """PaddleDetection's own PicoDet-XS (random weights), served as
    picodet_xs_416_coco_lcnet.pdparams: ``DetInferencer`` takes it as
    ``weights='paddle://picodet_xs_416_coco_lcnet'``."""
    from mmdet.apis import DetInferencer, inference_detector, init_detector

    from mm_pplcnet.hub import resolve
    from mm_pplcnet.reference import paddle as paddle_ref
    paddle = paddle_ref.require_paddle()
    ref = paddle_ref.build_ppdet_picodet(0.35, 96, 2)
    rng = np.random.default_rng(0)
    paddle_ref.randomize_ppdet_picodet_(
        ref, rng.normal(size=(2, 3, 256, 256)).astype('f4'), seed=3)
    name = 'picodet_xs_416_coco_lcnet.pdparams'
    paddle.save(ref.state_dict(), str(paddle_weights['root'] / name))
    config = str(CONFIGS / 'picodet' / 'picodet-xs_lcnet_416_coco.py')
    image = rng.integers(0, 255, (300, 400, 3), np.uint8)
    inferencer = DetInferencer(
        model=config,
        weights='paddle://picodet_xs_416_coco_lcnet',
        device='cpu')
    assert server.hits == {name: 1}
    converted = resolve('picodet_xs_416_coco_lcnet')
    _same_weights(inferencer.model, converted)
    ours = inferencer(image, return_datasamples=True)['predictions'][0]
    ref_out = inference_detector(
        init_detector(config, converted, device='cpu'), image).pred_instances
    assert len(ref_out) > 0 and server.hits == {name: 1}
    np.testing.assert_allclose(
        ours.pred_instances.bboxes.numpy(), ref_out.bboxes.numpy(), atol=1e-3)
