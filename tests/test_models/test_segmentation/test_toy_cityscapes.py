"""The generated Cityscapes-format toy set."""
import numpy as np
import pytest
from PIL import Image

from mm_pplcnet.datasets import make_toy_cityscapes
from mm_pplcnet.datasets.toy_cityscapes import (IGNORE, TOY_SEG_COLOURS,
                                                draw_street_scene)


def test_layout_names_and_labels(tmp_path):
    counts = make_toy_cityscapes(str(tmp_path), num_train=4, num_val=2)
    assert counts == {'train': 4, 'val': 2}
    for split, n in counts.items():
        images = sorted((tmp_path / 'leftImg8bit' / split).rglob('*.png'))
        labels = sorted((tmp_path / 'gtFine' / split).rglob('*.png'))
        assert len(images) == len(labels) == n
        for image, label in zip(images, labels):
            assert image.name.endswith('_leftImg8bit.png')
            stem = image.name[:-len('_leftImg8bit.png')]
            assert label.name == f'{stem}_gtFine_labelTrainIds.png'
            assert image.parent.name == label.parent.name == stem.split('_')[0]
            img, lbl = Image.open(image), Image.open(label)
            assert img.mode == 'RGB' and lbl.mode == 'L'
            assert img.size == lbl.size == (512, 256)
            assert set(np.unique(np.asarray(lbl))) <= set(TOY_SEG_COLOURS)


def test_scenes_have_every_class_where_expected():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(4):
        image, label = draw_street_scene(rng, 256, 512)
        assert image.shape == (256, 512, 3) and label.shape == (256, 512)
        assert (label[0] == 10).all()  # sky on top
        assert (label[-1] == IGNORE).all()  # ego vehicle at the bottom
        seen |= set(np.unique(label).tolist())
        # the colour of each class is its base colour up to jitter + noise
        for class_id, colour in TOY_SEG_COLOURS.items():
            pixels = image[label == class_id].astype(int)
            if len(pixels):
                assert np.abs(pixels.mean(0) - colour).max() < 40
    assert seen == set(TOY_SEG_COLOURS)


def test_seed_and_size_checks(tmp_path):
    a, b = (draw_street_scene(np.random.default_rng(1)) for _ in range(2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    with pytest.raises(ValueError, match='at least 64'):
        make_toy_cityscapes(str(tmp_path), height=32)
