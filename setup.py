"""Packaging for mm_pplcnet.

The OpenMMLab stack (torch, mmcv with ops, mmdet, mmseg, mmpretrain) is
installed by ``scripts/install.sh`` from the pins in
``requirements/pins.txt``; ``install_requires`` lists only what the package
needs beyond it, so ``pip install -e .`` never starts an mmcv build.
"""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements(name: str) -> list:
    """Read a requirements file (following ``-r``), skipping comments."""
    out = []
    for line in (HERE / 'requirements' / name).read_text().splitlines():
        line = line.strip()
        if line.startswith('-r '):
            out += read_requirements(line[3:].strip())
        elif line and not line.startswith('#'):
            out.append(line)
    return out


def read_version() -> str:
    """Read ``__version__`` from ``mm_pplcnet/version.py``."""
    scope: dict = {}
    exec((HERE / 'mm_pplcnet' / 'version.py').read_text(), scope)
    return scope['__version__']


setup(
    name='mm_pplcnet',
    version=read_version(),
    description='PP-LCNet backbones, PicoDet and DeepLabV3+ for OpenMMLab',
    long_description=(HERE / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'benchmark': read_requirements('benchmark.txt'),
        'tests': read_requirements('tests.txt'),
    },
)
