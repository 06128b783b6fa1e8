"""mm_pplcnet.deploy.preprocess against the OpenMMLab data preprocessor."""
import numpy as np
import pytest
import torch
from mmengine.model import ImgDataPreprocessor

from mm_pplcnet.deploy.preprocess import normalize, stack

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


@pytest.mark.parametrize('to_rgb', [True, False])
@pytest.mark.parametrize('view', ['contiguous', 'flipped', 'cropped'])
def test_normalize_equals_data_preprocessor(to_rgb, view):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (41, 67, 3), dtype=np.uint8)
    img = dict(
        contiguous=img, flipped=img[:, ::-1], cropped=img[3:30, 5:60])[view]
    pre = ImgDataPreprocessor(mean=MEAN, std=STD, bgr_to_rgb=to_rgb)
    ref = pre(
        dict(inputs=[torch.from_numpy(img.copy()).permute(2, 0, 1)]),
        training=False)['inputs'][0].numpy()
    out = normalize(img, dict(to_rgb=to_rgb, mean=MEAN, std=STD))
    assert out.dtype == np.float32 and out.shape == ref.shape
    np.testing.assert_array_equal(out, ref)  # the same float32 numbers


def test_stack_pads_bottom_right():
    a = np.ones((3, 5, 7), np.float32)
    b = np.full((3, 9, 4), 2, np.float32)
    batch = stack([a, b], divisor=4, pad_value=-1)
    assert batch.shape == (2, 3, 12, 8)
    np.testing.assert_array_equal(batch[0, :, :5, :7], a)
    np.testing.assert_array_equal(batch[1, :, :9, :4], b)
    assert (batch[0, :, 5:] == -1).all() and (batch[1, :, :, 4:] == -1).all()
    one = stack([a], divisor=1, pad_value=0)
    assert one.shape == (1, 3, 5, 7)
