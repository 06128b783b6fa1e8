"""DeepLabV3+ configs on PP-LCNet / PaddleClas MobileNetV3 (mmseg)."""
import numpy as np
import pytest
import torch
from conftest import CONFIGS
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope

import mm_pplcnet  # noqa: F401
from mm_pplcnet.models import PaddleMobileNetV3, PPLCNet

SEG = CONFIGS / 'deeplabv3plus'
SUFFIX = '_4xb2-80k_cityscapes-512x1024.py'
# config -> (backbone, scale, output stride)
CITYSCAPES = {
    f'deeplabv3plus_pplcnet-x0.5-d8{SUFFIX}': (PPLCNet, 0.5, 8),
    f'deeplabv3plus_pplcnet-x1.0-d8{SUFFIX}': (PPLCNet, 1.0, 8),
    f'deeplabv3plus_pplcnet-x1.0-d16{SUFFIX}': (PPLCNet, 1.0, 16),
    f'deeplabv3plus_paddle-mobilenet-v3-large-x0.5-d8{SUFFIX}':
    (PaddleMobileNetV3, 0.5, 8),
    f'deeplabv3plus_paddle-mobilenet-v3-large-x0.75-d8{SUFFIX}':
    (PaddleMobileNetV3, 0.75, 8),
}
TOY = 'deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py'
H, W = 64, 128


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Small inputs run as fast on one thread, and a second thread slows
    everything down many times when another job takes a core."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def load(name):
    return Config.fromfile(str(SEG / name))


def build(cfg):
    init_default_scope('mmseg')
    from mmseg.registry import MODELS
    return revert_sync_batchnorm(MODELS.build(cfg.model))


def batch(n=2, seed=0):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 3, H, W, generator=gen)
    samples = []
    for _ in range(n):
        labels = torch.randint(0, 19, (1, H, W), generator=gen)
        labels[:, :4] = 255  # some ignored pixels
        meta = dict(img_shape=(H, W), ori_shape=(H, W), pad_shape=(H, W))
        samples.append(
            SegDataSample(metainfo=meta, gt_sem_seg=PixelData(data=labels)))
    return inputs, samples


def test_config_files_are_the_expected_ones():
    # the PP-LCNetV2 ones are tested in test_pplcnetv2_configs.py
    names = {p.name for p in SEG.glob('*.py') if 'pplcnetv2' not in p.name}
    assert names == set(CITYSCAPES) | {TOY}


@pytest.mark.parametrize('name', sorted(CITYSCAPES))
def test_recipe(name):
    cfg = load(name)
    kind, scale, stride = CITYSCAPES[name]
    assert cfg.default_scope == 'mmseg'
    assert cfg.custom_imports.imports == ['mm_pplcnet']
    backbone, head = cfg.model.backbone, cfg.model.decode_head
    assert backbone.type == kind.__name__ and backbone.scale == scale
    assert backbone.out_indices == (1, 2, 3, 4)
    assert backbone.norm_cfg.type == head.norm_cfg.type == 'SyncBN'
    assert backbone.init_cfg.type == 'Pretrained'
    assert backbone.init_cfg.prefix == 'backbone.'
    assert backbone.init_cfg.checkpoint.startswith('checkpoints/')
    assert head.type == 'DepthwiseSeparableASPPHead'
    assert head.dilations == ((1, 12, 24, 36) if stride == 8 else
                              (1, 6, 12, 18))
    assert head.c1_channels == 48 and head.channels == 128
    assert cfg.model.auxiliary_head.loss_decode.loss_weight == 0.4
    assert cfg.crop_size == (512, 1024)
    assert cfg.model.data_preprocessor.size == (512, 1024)
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.train_cfg.max_iters == 80000
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=4e-5)
    assert cfg.param_scheduler[0].type == 'PolyLR'
    assert cfg.param_scheduler[0].power == 0.9
    assert cfg.auto_scale_lr.base_batch_size == 8
    assert cfg.train_dataloader.dataset.data_root == 'data/cityscapes'


@pytest.mark.parametrize('name', sorted(CITYSCAPES) + [TOY])
def test_forward_backward_and_feature_sizes(name):
    """Train step on CPU; what each head reads: c1 at 1/4, the ASPP and
    the auxiliary head at the output stride."""
    cfg = load(name)
    stride = CITYSCAPES.get(name, (None, None, 8))[2]
    model = build(cfg).train()
    head, aux = model.decode_head, model.auxiliary_head
    seen = {}

    def keep(key):

        def hook(module, args):
            seen[key] = tuple(args[0].shape)

        return hook

    head.c1_bottleneck.register_forward_pre_hook(keep('c1'))
    head.image_pool.register_forward_pre_hook(keep('aspp'))
    aux.convs.register_forward_pre_hook(keep('aux'))
    inputs, samples = batch()
    losses = model.loss(inputs, samples)
    assert set(losses) >= {'decode.loss_ce', 'aux.loss_ce'}
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    channels = model.backbone.out_channels
    assert seen['c1'] == (2, head.c1_bottleneck.conv.in_channels, H // 4,
                          W // 4)
    assert seen['c1'][1] == channels[1]  # the stride-4 stage
    assert seen['aspp'] == (2, channels[4], H // stride, W // stride)
    assert seen['aux'] == (2, channels[3], H // stride, W // stride)
    for p in (model.backbone.parameters(), head.parameters()):
        grads = [q.grad for q in p]
        assert all(g is not None for g in grads)
        assert any(g.abs().sum() > 0 for g in grads)

    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(inputs)
        logits = model(inputs, mode='tensor')
    sizes = [tuple(f.shape[2:]) for f in feats]
    expected = [4, 8, 8, 8] if stride == 8 else [4, 8, 16, 16]
    assert sizes == [(H // s, W // s) for s in expected]
    assert model.backbone.stage_strides()[1:] == expected
    assert logits.shape == (2, 19, H // 4, W // 4)


@pytest.mark.parametrize('name', [
    f'deeplabv3plus_pplcnet-x1.0-d8{SUFFIX}',
    f'deeplabv3plus_paddle-mobilenet-v3-large-x0.5-d8{SUFFIX}'
])
def test_pretrained_backbone_loads_and_missing_file_is_named(
        name, tmp_path, monkeypatch):
    """The converters' ``backbone.*`` files load into the dilated
    backbone (dilation changes no weight shape); without the file,
    initialization names it."""
    monkeypatch.chdir(tmp_path)
    cfg = load(name)
    model = build(cfg)
    with pytest.raises(FileNotFoundError, match='checkpoints/'):
        model.backbone.init_weights()
    kind, scale, _ = CITYSCAPES[name]
    extra = dict(arch='large') if kind is PaddleMobileNetV3 else {}
    imagenet = kind(scale=scale, **extra)  # undilated, as converted
    for p in imagenet.parameters():
        torch.nn.init.normal_(p)
    path = tmp_path / cfg.model.backbone.init_cfg.checkpoint
    path.parent.mkdir()
    torch.save(
        {
            'state_dict': {
                f'backbone.{k}': v
                for k, v in imagenet.state_dict().items()
            }
        }, path)
    model = build(cfg)
    model.backbone.init_weights()
    for key, value in imagenet.state_dict().items():
        assert torch.equal(model.backbone.state_dict()[key], value), key


def test_missing_cityscapes_gives_the_runners_hint(tmp_path, monkeypatch):
    from mm_pplcnet.engine import build_runner
    monkeypatch.chdir(tmp_path)
    for name in (f'deeplabv3plus_pplcnet-x0.5-d8{SUFFIX}', TOY):
        with pytest.raises(FileNotFoundError, match='make_toy_data'):
            build_runner(load(name), name, work_dir=str(tmp_path / 'w'))


def test_cityscapes_pipelines_read_the_toy_set(toy_cityscapes):
    """The 512x1024 and toy pipelines, on the generated Cityscapes files."""
    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    for name, crop in ((f'deeplabv3plus_pplcnet-x0.5-d8{SUFFIX}', (512, 1024)),
                       (TOY, (128, 256))):
        cfg = load(name)
        for key, size in (('train', crop), ('val', (256, 512))):
            dataset_cfg = cfg[f'{key}_dataloader'].dataset
            dataset_cfg.data_root = str(toy_cityscapes)
            dataset = DATASETS.build(dataset_cfg)
            assert len(dataset) == (32 if key == 'train' else 16)
            assert len(dataset.metainfo['classes']) == 19
            sample = dataset[0]
            gt = sample['data_samples'].gt_sem_seg.data
            assert tuple(gt.shape[1:]) == size
            if key == 'train':
                assert tuple(sample['inputs'].shape[1:]) == size
            values = set(gt.unique().tolist())
            assert values <= {0, 1, 2, 5, 7, 8, 10, 11, 13, 255}


@pytest.mark.parametrize('name', [
    f'deeplabv3plus_pplcnet-x0.5-d8{SUFFIX}',
    f'deeplabv3plus_paddle-mobilenet-v3-large-x0.5-d8{SUFFIX}'
])
def test_segmentor_exports_to_onnx(name, tmp_path):
    pytest.importorskip('onnxruntime')
    from mm_pplcnet.deploy import build_export_model, export_and_check
    model, hw, scope = build_export_model(str(SEG / name))
    assert hw == (1024, 2048) and scope == 'mmseg'
    x = torch.from_numpy(
        np.random.default_rng(0).standard_normal((1, 3, H, W)).astype('f4'))
    with torch.no_grad():
        logits = model(x)[0]
    # random weights with calibrated BN statistics: logits of O(1) (with
    # random BN statistics MobileNetV3's residual sums and the ASPP reached
    # logits of ~700, where float32 rounding alone exceeds 1e-4), spread
    # enough that a wrong graph cannot pass
    assert 0.1 < float(logits.std()) and float(logits.abs().max()) < 50
    result = export_and_check(model, str(tmp_path / 'seg.onnx'), (1, 3, H, W))
    assert result['shapes'] == [(1, 19, H // 4, W // 4)]
    assert result['max_abs_diff'][0] < 1e-4 * max(1.0, float(
        logits.abs().max()))


def test_benchmark_jobs_run_the_segmentor():
    from mm_pplcnet.benchmark import config_jobs
    config = str(SEG / f'deeplabv3plus_paddle-mobilenet-v3-large-x0.5-d8'
                 f'{SUFFIX}')
    jobs = config_jobs(config, shape=(H, W))
    assert [j.extra['part']
            for j in jobs] == ['network', 'with post-processing']
    x = torch.randn(jobs[0].input_shape)
    with torch.no_grad():
        network = jobs[0].build()(x)
        labels = jobs[1].build()(x)
    assert network.numel() == 19 * (H // 4) * (W // 4)
    assert labels.shape == (1, H * W)
