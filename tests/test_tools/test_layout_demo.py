"""tools/demo/layout_demo.py: the PubLayNet layout config with random
(Paddle-initialized) weights on a generated page."""
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import CONFIGS, REPO, TOOLS, run_tool

from mm_pplcnet.apis import draw_regions, layout_demo, regions_to_dicts

LAYOUT_CFG = (
    CONFIGS / 'picodet' / 'picodet-legacy_pplcnet-x1.0_800x608_publaynet.py')
PUBLAYNET = ('text', 'title', 'list', 'table', 'figure')


def make_page(path, width=640, height=840):
    """A white page: a title bar, two paragraphs of text-like bars, a
    table-like grid and a figure block."""
    rng = np.random.default_rng(0)
    page = np.full((height, width, 3), 255, np.uint8)
    cv2.rectangle(page, (60, 40), (460, 70), (20, 20, 20), -1)
    y = 100
    for _ in range(2):
        for _ in range(6):
            right = 60 + int(rng.integers(380, 520))
            cv2.rectangle(page, (60, y), (right, y + 9), (40, 40, 40), -1)
            y += 18
        y += 20
    for i in range(6):
        cv2.line(page, (60, 380 + 40 * i), (580, 380 + 40 * i), (0, 0, 0), 2)
    for x in (60, 190, 320, 450, 580):
        cv2.line(page, (x, 380), (x, 580), (0, 0, 0), 2)
    cv2.rectangle(page, (120, 620), (520, 800), (170, 150, 120), -1)
    cv2.circle(page, (320, 710), 60, (60, 90, 200), -1)
    cv2.imwrite(str(path), page)
    return page


@pytest.fixture(scope='module')
def random_layout_checkpoint(tmp_path_factory):
    """The PubLayNet detector with Paddle's initialization (class
    probabilities about 0.01 everywhere), saved as a checkpoint."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import save_checkpoint

    import mm_pplcnet.models.detection  # noqa: F401
    init_default_scope('mmdet')
    model = MODELS.build(Config.fromfile(str(LAYOUT_CFG)).model)
    model.init_weights()
    path = tmp_path_factory.mktemp('layout') / 'random.pth'
    save_checkpoint({'state_dict': model.state_dict()}, str(path))
    return path


def test_draw_regions_fills_outlines_and_labels():
    image = np.full((60, 80, 3), 200, np.uint8)
    palette = [(255, 0, 0), (0, 0, 255)]  # RGB: text red, title blue
    detections = [('title', 0.9, (10.0, 10.0, 40.0, 50.0)),
                  ('text', 0.5, (50.0, 30.0, 200.0, 58.0))]
    out = draw_regions(image, detections, ('text', 'title'), palette, 0.5)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert (image == 200).all()  # the input is left alone
    # inside the title region: half way to blue, in BGR
    assert out[30, 25].tolist() == [228, 100, 100]
    # the text region, clipped to the image: half way to red
    assert out[45, 70].tolist() == [100, 100, 228]
    assert (out[5:9, 45:48] == 200).all()  # outside every region
    assert (draw_regions(image, [], ('a', ), [(1, 2, 3)]) == image).all()
    with pytest.raises(ValueError, match='opacity'):
        draw_regions(image, detections, ('text', 'title'), palette, 1.5)
    assert regions_to_dicts([
        ('text', 0.123456, (1.04, 2, 3, 4.06))
    ]) == [dict(label='text', score=0.1235, bbox=[1.0, 2, 3, 4.1])]


def test_layout_demo_names_a_missing_file(tmp_path, random_layout_checkpoint):
    page = tmp_path / 'page.png'
    make_page(page, 64, 64)
    out = str(tmp_path / 'o.png')
    for args, what in (((LAYOUT_CFG, tmp_path / 'c.pth', page), 'checkpoint'),
                       ((tmp_path / 'c.py', random_layout_checkpoint, page),
                        'config'), ((LAYOUT_CFG, random_layout_checkpoint,
                                     tmp_path / 'x.png'), 'image')):
        with pytest.raises(FileNotFoundError, match=f'{what} file'):
            layout_demo(*map(str, args), out)
    # the tool: one line naming the file, no traceback
    proc = subprocess.run([
        sys.executable,
        str(TOOLS / 'demo' / 'layout_demo.py'),
        str(LAYOUT_CFG),
        str(random_layout_checkpoint),
        str(tmp_path / 'missing.png'), '--out', out
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1] == (
        f"error: image file '{tmp_path / 'missing.png'}' does not exist")
    assert 'Traceback' not in proc.stderr


def test_layout_demo_rejects_weights_of_another_class_count(
        tmp_path, random_layout_checkpoint):
    """The PubLayNet (5-class) weights with the CDLA (10-class) config: an
    error naming the mismatched head convs, not a random head."""
    page = tmp_path / 'page.png'
    make_page(page, 64, 64)
    cdla = str(LAYOUT_CFG).replace('publaynet', 'cdla')
    with pytest.raises(ValueError, match=r'head_cls_list\.0\.weight'):
        layout_demo(cdla, str(random_layout_checkpoint), str(page),
                    str(tmp_path / 'o.png'))


@pytest.mark.slow
def test_layout_demo_draws_and_lists_regions(tmp_path,
                                             random_layout_checkpoint):
    image = tmp_path / 'page.png'
    page = make_page(image)
    out = tmp_path / 'demo' / 'layout.png'
    # random weights score about 0.01: a threshold below that
    log = run_tool([
        TOOLS / 'demo' / 'layout_demo.py', LAYOUT_CFG,
        random_layout_checkpoint, image, '--out', out, '--score-thr', '0.005'
    ],
                   cwd=tmp_path,
                   env=dict(OMP_NUM_THREADS='1'))
    regions = json.loads((tmp_path / 'demo' / 'layout.json').read_text())
    assert f'{len(regions)} regions >= 0.005; drew {out}' in log
    assert 0 < len(regions) <= 100  # the config's max_per_img
    assert {r['label'] for r in regions} <= set(PUBLAYNET)
    scores = [r['score'] for r in regions]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0.005
    drawn = cv2.imread(str(out))
    assert drawn.shape == page.shape
    diff = np.abs(drawn.astype(int) - page).sum(-1)
    h, w = page.shape[:2]
    for r in regions:
        x1, y1, x2, y2 = r['bbox']
        assert 0 <= x1 <= x2 <= w and 0 <= y1 <= y2 <= h
    # every region is painted: inside the best one the picture changed
    x1, y1, x2, y2 = (int(round(v)) for v in regions[0]['bbox'])
    assert (diff[y1 + 2:y2 - 1, x1 + 2:x2 - 1] > 0).mean() > 0.9
    # and away from every region it did not
    painted = np.zeros((h, w), bool)
    for r in regions:
        x1, y1, x2, y2 = (int(round(v)) for v in r['bbox'])
        # (labels sit above a region and may reach past its right side)
        painted[max(0, y1 - 30):y2 + 4, max(0, x1 - 4):x2 + 100] = True
    assert (~painted).mean() > 0.5 and (diff[~painted] == 0).all()
