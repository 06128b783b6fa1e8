"""Rendered pages (mm_pplcnet.datasets.synthetic_pages)."""
import cv2
import numpy as np
import pytest
from conftest import REPO, TOOLS, run_tool

from mm_pplcnet.datasets import write_pages
from mm_pplcnet.datasets.synthetic_pages import render_page


def test_pages_tool_writes_the_rendered_pages(tmp_path):
    out = run_tool([
        TOOLS / 'misc' / 'make_toy_data.py', 'pages', tmp_path / 'pages',
        '--seed', '3', '--count', '2'
    ],
                   cwd=REPO)
    assert 'wrote 2 images' in out
    files = sorted(p.name for p in (tmp_path / 'pages').iterdir())
    assert files == ['page_3.png', 'page_4.png']
    page = cv2.imread(str(tmp_path / 'pages' / 'page_4.png'))
    np.testing.assert_array_equal(page, render_page(4, (1600, 1216))[0])


def test_write_pages_checks_the_count(tmp_path):
    assert write_pages(str(tmp_path), count=1, size=(64, 48)) == 1
    assert cv2.imread(str(tmp_path / 'page_0.png')).shape == (64, 48, 3)
    with pytest.raises(ValueError, match='count must be positive'):
        write_pages(str(tmp_path), count=0)
