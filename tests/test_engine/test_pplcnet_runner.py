"""The configs' PPLCNetRunner: one strict loading rule for every path that
puts weights into a model, one clear message for a damaged checkpoint with
nothing written, and the batch-1 check."""
import subprocess
import sys

import pytest
import torch
from conftest import CONFIGS, TOOLS
from mmengine.config import Config

from mm_pplcnet.engine import (BatchSizeError, PPLCNetRunner, build_runner,
                               load_config, pooled_batch_norms)
from mm_pplcnet.models.backbones import PPLCNet
from mm_pplcnet.utils.checkpoint import (CheckpointMismatchError,
                                         DamagedCheckpointError)

DET_CFG = CONFIGS / 'picodet' / 'picodet-xs_lcnet_1xb8-24e_toy-coco-192.py'
CLS_CFG = CONFIGS / 'pplcnet' / 'pplcnet-x0.5_1xb16_toy-cls.py'
SEG_CFG = (
    CONFIGS / 'deeplabv3plus'
    / 'deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py')


def det_options(root):
    return {
        **{
            f'{s}_dataloader.dataset.data_root': f'{root}/'
            for s in ('train', 'val', 'test')
        },
        **{
            f'{s}_evaluator.ann_file': f'{root}/annotations/val.json'
            for s in ('val', 'test')
        }
    }


def runner_for(config, work, **kwargs):
    opts = kwargs.pop('cfg_options', None)
    cfg = load_config(str(config), opts)
    return build_runner(cfg, str(config), work_dir=str(work), **kwargs)


@pytest.fixture(scope='module')
def backbone_x10(tmp_path_factory):
    """The issue's file: an x1.0 backbone in a detector-style checkpoint."""
    path = tmp_path_factory.mktemp('ckpt') / 'x1.0_backbone.pth'
    model = PPLCNet(scale=1.0, out_indices=(2, 3, 4))
    torch.save(
        {
            'state_dict': {
                f'backbone.{k}': v
                for k, v in model.state_dict().items()
            }
        }, path)
    return path


def test_every_config_runs_on_our_runner():
    for config in sorted(CONFIGS.glob('*/*.py')):
        assert Config.fromfile(str(config)).runner_type == 'PPLCNetRunner', \
            config


def test_load_from_and_test_checkpoint_must_fit(toy_coco, backbone_x10,
                                                tmp_path):
    opts = det_options(toy_coco)
    for mode in ('test', 'train'):  # tools/test.py, --load-from
        runner = runner_for(
            DET_CFG,
            tmp_path / mode,
            load_from=str(backbone_x10),
            mode=mode,
            cfg_options=opts)
        assert isinstance(runner, PPLCNetRunner)
        with pytest.raises(CheckpointMismatchError) as info:
            runner.load_or_resume()
        text = str(info.value)
        assert 'missing keys' in text and 'neck.' in text
        assert 'backbone.conv1.conv.weight: checkpoint (16, 3, 3, 3) vs ' \
            'model (8, 3, 3, 3)' in text
        assert 'partial_load=True' in text


def test_partial_load_on_request_loads_what_fits(toy_coco, tmp_path):
    runner = runner_for(
        DET_CFG, tmp_path / 'a', cfg_options=det_options(toy_coco))
    model = runner.model
    path = tmp_path / 'backbone.pth'
    torch.save(
        {
            'state_dict': {
                f'backbone.{k}': v + 1
                for k, v in model.backbone.state_dict().items()
                if v.is_floating_point()
            }
        }, path)
    neck = {k: v.clone() for k, v in model.neck.state_dict().items()}
    with pytest.raises(CheckpointMismatchError, match='missing keys'):
        runner.load_checkpoint(str(path))
    runner = runner_for(
        DET_CFG,
        tmp_path / 'b',
        load_from=str(path),
        partial_load=True,
        cfg_options=det_options(toy_coco))
    runner.call_hook('before_run')  # as train() / test() do (EMA model)
    runner.load_or_resume()
    loaded = torch.load(path, weights_only=True)['state_dict']
    for k, v in runner.model.backbone.state_dict().items():
        if f'backbone.{k}' in loaded:
            assert torch.equal(v, loaded[f'backbone.{k}']), k
    for k, v in runner.model.neck.state_dict().items():
        assert v.shape == neck[k].shape


def test_model_level_pretrained_of_mmpretrain_is_strict(toy_cls, tmp_path):
    opts = {
        f'{s}_dataloader.dataset.data_root': str(toy_cls)
        for s in ('train', 'val', 'test')
    }
    good = runner_for(CLS_CFG, tmp_path / 'g', cfg_options=opts).model
    path = tmp_path / 'classifier.pth'
    torch.save({'state_dict': good.state_dict()}, path)
    wrong = tmp_path / 'wrong.pth'
    torch.save({'state_dict': PPLCNet(scale=1.0).state_dict()}, wrong)
    for ckpt, fits in ((path, True), (wrong, False)):
        runner = runner_for(
            CLS_CFG,
            tmp_path / ckpt.stem,
            cfg_options=dict(opts, **{'model.pretrained': str(ckpt)}))
        if fits:
            runner._init_model_weights()
            assert torch.equal(runner.model.head.fc.weight,
                               good.head.fc.weight)
        else:
            with pytest.raises(
                    CheckpointMismatchError,
                    match='of the model does not fit'):
                runner._init_model_weights()


@pytest.mark.parametrize('damage', ['empty', 'truncated', 'text'])
@pytest.mark.parametrize('how', ['explicit', 'auto'])
def test_damaged_resume_is_one_message_and_writes_nothing(
        toy_cls, tmp_path, damage, how):
    work = tmp_path / 'work'
    work.mkdir()
    good = work / 'iter_2.pth'
    torch.save({'state_dict': {}, 'meta': {}}, good)
    data = good.read_bytes()
    bad = work / 'iter_4.pth'
    bad.write_bytes({
        'empty': b'',
        'truncated': data[:len(data) // 2],
        'text': b'oops'
    }[damage])
    (work / 'last_checkpoint').write_text(str(bad))
    before = sorted(p.name for p in work.iterdir())
    opts = {
        f'{s}_dataloader.dataset.data_root': str(toy_cls)
        for s in ('train', 'val', 'test')
    }
    with pytest.raises(DamagedCheckpointError) as info:
        runner_for(
            CLS_CFG,
            work,
            resume='auto' if how == 'auto' else str(bad),
            cfg_options=opts)
    assert str(info.value).startswith(f'checkpoint {bad} is damaged')
    assert f'--resume {good}' in str(info.value)
    assert sorted(p.name for p in work.iterdir()) == before


@pytest.mark.slow
def test_tools_end_with_the_message_not_a_traceback(toy_coco, backbone_x10,
                                                    tmp_path):
    """The issue's cases through the command-line tools."""
    bad = tmp_path / 'epoch_3.pth'
    bad.write_bytes(b'')
    opts = [f'{k}={v}' for k, v in det_options(toy_coco).items()]
    for ckpt, message in ((backbone_x10, 'does not fit SingleStageDetector'),
                          (bad, 'is damaged: it is empty')):
        proc = subprocess.run([
            sys.executable, TOOLS / 'test.py', DET_CFG, ckpt, '--work-dir',
            tmp_path / 'w', '--cfg-options', *opts
        ],
                              capture_output=True,
                              text=True,
                              cwd=tmp_path)
        assert proc.returncode != 0
        last = proc.stderr.strip().splitlines()
        assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
        assert message in '\n'.join(last), proc.stderr[-3000:]


@pytest.mark.parametrize(
    'config',
    sorted((CONFIGS / 'deeplabv3plus').glob('*.py')),
    ids=lambda p: p.stem)
def test_deeplab_image_pool_is_found(config):
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(config))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).train()
    assert pooled_batch_norms(model) == ['decode_head.image_pool.1.bn']


@pytest.mark.parametrize('config', [
    'picodet/picodet-xs_lcnet_320_coco.py',
    'picodet/picodet-legacy_pplcnet-x1.0_416_coco.py',
    'pplcnet/pplcnet-x1.0_4xb512_in1k.py',
    'mobilenet_v3/paddle-mobilenet-v3-large-x1.0_4xb512_in1k.py'
])
def test_other_models_train_on_one_image(config):
    """No BatchNorm after a global pooling: batch 1 trains (the 1-process
    runs of test_distributed.py train on one image)."""
    from mm_pplcnet.benchmark.config_jobs import load_config as load_model_cfg
    cfg, scope = load_model_cfg(str(CONFIGS / config))
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    assert pooled_batch_norms(registry.build(cfg.model).train()) == []


def test_batch_one_segmentation_is_refused_before_training(
        toy_cityscapes, tmp_path):
    opts = {
        f'{s}_dataloader.dataset.data_root': str(toy_cityscapes)
        for s in ('train', 'val', 'test')
    }
    opts['train_dataloader.batch_size'] = 1
    runner = runner_for(SEG_CFG, tmp_path / 'w', cfg_options=opts)
    with pytest.raises(
            BatchSizeError,
            match=r'batch_size=1 cannot train this model: the '
            r'BatchNorm decode_head\.image_pool\.1\.bn .* at least '
            r'2 images per process'):
        runner.train()
    assert not list((tmp_path / 'w').glob('*.pth'))


def test_demos_export_and_benchmark_load_strictly(backbone_x10):
    from mm_pplcnet.apis.detection import load_detector
    from mm_pplcnet.apis.segmentation import init_segmentor
    from mm_pplcnet.benchmark.config_jobs import build_config_model
    for load in (lambda c: init_segmentor(str(SEG_CFG), c),
                 lambda c: load_detector(str(DET_CFG), c),
                 lambda c: build_config_model(str(CLS_CFG), c)):
        with pytest.raises(CheckpointMismatchError, match='shape mismatches'):
            load(str(backbone_x10))
