"""Names of the Paddle weights the ``paddle://`` scheme knows, and URLs.

Every name is the file name PaddleClas / PaddleDetection / PP-Structure
publish, without ``_pretrained.pdparams`` / ``.pdparams`` (plus ``_ssld``
for PaddleClas' SSLD-distilled weights):

* ``PPLCNet_x{0_25, ..., 2_5}``, ``PPLCNet_x{0_5,1_0,2_5}_ssld``
  (PaddleClas ``legendary_models``),
* ``MobileNetV3_{small,large}_x{0_35, ..., 1_25}`` (PaddleClas),
* ``PPLCNetV2_{small,base,large}``, ``PPLCNetV2_base_ssld`` (PaddleClas),
* ``picodet_{xs,s,m,l}_{320,416}_coco_lcnet``,
  ``picodet_l_640_coco_lcnet`` and the legacy
  ``picodet_lcnet_1_5x_416_coco`` (PaddleDetection),
* ``picodet_lcnet_x1_0_fgd_layout{,_cdla}`` (PP-Structure layout).

``MM_PPLCNET_PADDLE_MIRROR`` replaces the host and folder of every URL: a
base URL (``http://mirror.local/paddle/``) or a local folder holding the
files under their published names.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from ..converters import paddle_mobilenet_v3_url, paddle_url
from ..converters.common import paddle_scale_name
from ..converters.mobilenet_v3 import ARCHS, MV3_SCALES
from ..converters.pplcnet import PUBLISHED_SCALES, SSLD_SCALES
from ..converters.pplcnetv2 import ARCHS as V2_ARCHS
from ..converters.pplcnetv2 import SSLD_ARCHS as V2_SSLD_ARCHS
from ..converters.pplcnetv2 import paddle_url as paddle_v2_url

MIRROR_ENV = 'MM_PPLCNET_PADDLE_MIRROR'
FAMILIES = ('pplcnet', 'pplcnetv2', 'mobilenet_v3', 'picodet')
PICODET_URL = 'https://paddledet.bj.bcebos.com/models/{}.pdparams'
LAYOUT_URL = ('https://paddleocr.bj.bcebos.com/ppstructure/models/layout/'
              '{}.pdparams')


@dataclass(frozen=True)
class PublishedWeights:
    """One published Paddle weights file.

    Attributes:
        name (str): Our name (``paddle://<name>``).
        url (str): Where Paddle publishes it.
        family (str): Which converter reads it (one of ``FAMILIES``).
        sha256 (str, optional): Expected SHA-256 of the file, when known.
    """
    name: str
    url: str
    family: str
    sha256: Optional[str] = None

    @property
    def filename(self) -> str:
        """The published file name."""
        return osp.basename(self.url)


def _table() -> Dict[str, PublishedWeights]:
    """Build the table of every published file we convert."""
    out = {}

    def add(name: str, url: str, family: str) -> None:
        out[name] = PublishedWeights(name, url, family)

    for scale in PUBLISHED_SCALES:
        add(f'PPLCNet_x{paddle_scale_name(scale)}', paddle_url(scale),
            'pplcnet')
    for scale in SSLD_SCALES:
        add(f'PPLCNet_x{paddle_scale_name(scale)}_ssld',
            paddle_url(scale, ssld=True), 'pplcnet')
    for arch in V2_ARCHS:
        add(f'PPLCNetV2_{arch}', paddle_v2_url(arch), 'pplcnetv2')
    for arch in V2_SSLD_ARCHS:
        add(f'PPLCNetV2_{arch}_ssld', paddle_v2_url(arch, ssld=True),
            'pplcnetv2')
    for arch in ARCHS:
        for scale in MV3_SCALES:
            add(f'MobileNetV3_{arch}_x{paddle_scale_name(scale)}',
                paddle_mobilenet_v3_url(arch, scale), 'mobilenet_v3')
    sizes = [(s, r) for s in ('xs', 's', 'm', 'l') for r in (320, 416)]
    for size, res in sizes + [('l', 640)]:
        name = f'picodet_{size}_{res}_coco_lcnet'
        add(name, PICODET_URL.format(name), 'picodet')
    add('picodet_lcnet_1_5x_416_coco',
        PICODET_URL.format('picodet_lcnet_1_5x_416_coco'), 'picodet')
    for name in ('picodet_lcnet_x1_0_fgd_layout',
                 'picodet_lcnet_x1_0_fgd_layout_cdla'):
        add(name, LAYOUT_URL.format(name), 'picodet')
    return out


PUBLISHED: Dict[str, PublishedWeights] = _table()


def known_names() -> Tuple[str, ...]:
    """Every name ``paddle://`` resolves, sorted."""
    return tuple(sorted(PUBLISHED))


def lookup(name: str) -> PublishedWeights:
    """The published weights called ``name``.

    Args:
        name (str): E.g. ``'PPLCNet_x1_0'`` (case-insensitive).

    Returns:
        PublishedWeights: The entry.

    Raises:
        KeyError: Unknown name; the message lists the known ones.
    """
    by_lower = {k.lower(): v for k, v in PUBLISHED.items()}
    entry = by_lower.get(name.lower())
    if entry is None:
        raise KeyError(
            f'paddle://{name} is not a published Paddle model we know. '
            f'Known names: {", ".join(known_names())}. For another '
            'file, pass its path: paddle:///path/to/file.pdparams')
    return entry


def source_of(entry: PublishedWeights) -> str:
    """Where to get ``entry`` from: its URL, or the mirror's copy.

    Args:
        entry (PublishedWeights): The weights.

    Returns:
        str: A URL or, with a folder as ``MM_PPLCNET_PADDLE_MIRROR``, a
        local path.
    """
    mirror = os.environ.get(MIRROR_ENV, '').strip()
    if not mirror:
        return entry.url
    if '://' in mirror:
        return mirror.rstrip('/') + '/' + entry.filename
    return osp.join(osp.expanduser(mirror), entry.filename)
