"""DeepLabV3+ (PP-LCNet x0.5) on the generated toy Cityscapes set with
tools/train.py, --resume, tools/test.py, the demo and ONNX export."""
import json

import numpy as np
import pytest
from conftest import CONFIGS, TOOLS, run_tool
from PIL import Image
from test_train_test_resume import data_options, losses

from mm_pplcnet.apis import class_fractions, overlay_mask, seg_demo

TOY_CFG = (
    CONFIGS / 'deeplabv3plus'
    / 'deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py')
# measured on the 16 val images after 100 + 100 (resumed) iterations:
# 82.7 mIoU; 200 straight iterations 82.2 / 83.8 / 86.3 with seeds 0 / 1 / 2
# (docs/deeplabv3plus.md); predicting road everywhere scores about 2
MIOU_BAR = 70.0
# one thread: as fast as two for these small batches, and no slowdown from
# oversubscribed cores when something else runs beside the tests
ONE_THREAD = dict(OMP_NUM_THREADS='1')


@pytest.fixture(scope='module')
def toy_cityscapes(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy_cityscapes')
    out = run_tool([TOOLS / 'misc' / 'make_toy_data.py', 'cityscapes', root],
                   cwd=root)
    assert "{'train': 32, 'val': 16}" in out
    return root


def test_overlay_mask_paints_known_classes_only():
    image = np.full((2, 3, 3), 100, np.uint8)
    mask = np.array([[0, 1, 255], [1, 0, -1]])
    palette = [(200, 0, 0), (0, 50, 250)]
    out = overlay_mask(image, mask, palette, opacity=0.5)
    assert out[0, 0].tolist() == [150, 50, 50]
    assert out[0, 1].tolist() == [50, 75, 175]
    assert out[0, 2].tolist() == out[1, 2].tolist() == [100, 100, 100]
    assert overlay_mask(image, mask, palette, 1.0)[1,
                                                   1].tolist() == [200, 0, 0]
    with pytest.raises(ValueError, match='differ in size'):
        overlay_mask(image, mask[:1], palette)
    with pytest.raises(ValueError, match='opacity'):
        overlay_mask(image, mask, palette, 0.0)
    shares = class_fractions(mask.clip(0, 1), ('road', 'sky'))
    assert shares == {'road': 0.5, 'sky': 0.5}


def test_demo_names_a_missing_file(tmp_path):
    image = tmp_path / 'i.png'
    Image.new('RGB', (64, 32)).save(image)
    ckpt = tmp_path / 'c.pth'
    for args, what in (((TOY_CFG, ckpt, image), 'checkpoint'),
                       ((tmp_path / 'c.py', ckpt, image), 'config'),
                       ((TOY_CFG, ckpt, tmp_path / 'x.png'), 'image')):
        with pytest.raises(FileNotFoundError, match=f'{what} file'):
            seg_demo(*map(str, args), str(tmp_path / 'o.png'))


@pytest.mark.slow
def test_train_resume_test_demo_export(toy_cityscapes, tmp_path):
    work = tmp_path / 'work'
    opts = ['--cfg-options'] + data_options(toy_cityscapes)
    log = run_tool([
        TOOLS / 'train.py', TOY_CFG, '--work-dir', work, *opts,
        'train_cfg.max_iters=100'
    ],
                   cwd=tmp_path,
                   env=ONE_THREAD)
    first = losses(log)
    # logged every 10 iterations (and at 8, the end of the 32-image set)
    assert [i for i, _ in first if i % 10 == 0] == list(range(10, 101, 10))
    assert max(i for i, _ in first) == 100
    assert 'mIoU' in log  # validation at iteration 100
    assert (work / 'iter_100.pth').is_file()

    # --resume (latest checkpoint of the work dir) continues at 101
    log = run_tool(
        [TOOLS / 'train.py', TOY_CFG, '--work-dir', work, '--resume', *opts],
        cwd=tmp_path,
        env=ONE_THREAD)
    assert 'resumed epoch: 0, iter: 100' in log
    second = losses(log)
    assert [i for i, _ in second if i % 10 == 0] == list(range(110, 201, 10))
    assert min(i for i, _ in second) > 100
    all_losses = [v for _, v in first + second]
    assert sum(all_losses[-3:]) / 3 < 0.5 * sum(all_losses[:3]) / 3
    ckpt = work / 'iter_200.pth'

    out = run_tool([
        TOOLS / 'test.py', TOY_CFG, ckpt, '--work-dir', tmp_path / 'test',
        *opts
    ],
                   cwd=tmp_path,
                   env=ONE_THREAD)
    metrics = json.loads(out.strip().splitlines()[-1].replace("'", '"'))
    assert metrics['mIoU'] > MIOU_BAR

    # the demo draws the predicted classes over a validation image
    image = sorted((toy_cityscapes / 'leftImg8bit' / 'val').rglob('*.png'))[0]
    drawn = tmp_path / 'demo' / 'mask.png'
    out = run_tool(
        [TOOLS / 'demo' / 'seg_demo.py', TOY_CFG, ckpt, image, '--out', drawn],
        cwd=tmp_path,
        env=ONE_THREAD)
    assert f'wrote {drawn}' in out and 'road' in out and 'sky' in out
    before, after = np.asarray(Image.open(image)), np.asarray(
        Image.open(drawn))
    assert after.shape == before.shape
    assert np.abs(after.astype(int) - before).mean() > 10

    # the trained segmentor exports to ONNX with the same outputs
    pytest.importorskip('onnxruntime')
    from mm_pplcnet.deploy import build_export_model, export_and_check
    model, hw, _ = build_export_model(str(TOY_CFG), str(ckpt))
    assert hw == (256, 512)
    result = export_and_check(model, str(tmp_path / 'toy.onnx'), (1, 3, *hw))
    assert result['shapes'] == [(1, 19, 64, 128)]
    assert max(result['max_abs_diff']) < 1e-4
