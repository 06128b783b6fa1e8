"""The model index: every config under configs/ has its metafile entry,
every entry's config exists and builds with the parameter count the entry
states, weights resolve, names follow mmpretrain's pattern, mmpretrain's
ModelHub lists our classifiers, and the model-zoo pages are current."""
import re
from pathlib import Path

import pytest
import yaml

from mm_pplcnet.hub import PUBLISHED, find_model_index
from mm_pplcnet.hub.metafile import iter_models
from mm_pplcnet.hub.model_index import CLASSIFICATION, metafile_task

REPO = Path(__file__).resolve().parents[2]
INDEX = str(REPO / 'model-index.yml')
ENTRIES = [model for _, model in iter_models(INDEX)]
CONFIGS = sorted(
    str(p.relative_to(REPO)) for p in (REPO / 'configs').glob('*/*.py')
    if p.parent.name != '_base_')
# PaddleClas publishes SSLD-distilled weights of some networks: a second
# entry for the same config (as mmpretrain lists alternative weights)
ALTERNATIVE = re.compile(r'_3rdparty-ssld_')


def test_model_index_is_found_and_imports_every_folder():
    assert find_model_index() == INDEX
    index = yaml.safe_load(open(INDEX))
    folders = sorted({Path(c).parent.name for c in CONFIGS})
    assert sorted(Path(p).parent.name for p in index['Import']) == folders


def test_every_config_has_exactly_one_entry():
    primary = [
        m['Config'] for m in ENTRIES if not ALTERNATIVE.search(m['Name'])
    ]
    missing = sorted(set(CONFIGS) - set(primary))
    assert not missing, f'configs without a metafile entry: {missing}'
    twice = sorted({c for c in primary if primary.count(c) > 1})
    assert not twice, f'configs with several entries: {twice}'
    assert sorted(primary) == CONFIGS
    names = [m['Name'] for m in ENTRIES]
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r'[a-z0-9.\-]+(_[a-z0-9.\-]+)+', name), name


def test_weights_and_results():
    for model in ENTRIES:
        weights = model.get('Weights')
        if weights is None:
            assert 'Converted From' not in model
            continue
        assert '_3rdparty' in model['Name']
        key = weights[len('paddle://'):]
        assert weights.startswith('paddle://') and key in PUBLISHED
        assert model['Converted From']['Weights'] == PUBLISHED[key].url
        for result in model.get('Results', []):
            assert model['Metadata']['Results From']
            assert all(0 < v < 100 for v in result['Metrics'].values())
    # every published PP-LCNet / MobileNetV3 classifier has an entry
    used = {m['Weights'][len('paddle://'):] for m in ENTRIES if 'Weights' in m}
    classifiers = {k for k, v in PUBLISHED.items() if v.family != 'picodet'}
    assert classifiers <= used


@pytest.mark.parametrize('config', CONFIGS)
def test_entry_config_builds_with_its_parameter_count(config):
    from mm_pplcnet.benchmark.config_jobs import load_config
    entries = [m for m in ENTRIES if m['Config'] == config]
    cfg, scope = load_config(str(REPO / config))
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    model = registry.build(cfg.model)
    params = sum(p.numel() for p in model.parameters())
    for entry in entries:
        assert entry['Metadata']['Parameters'] == params, entry['Name']
        assert entry['Metadata']['FLOPs'] > 0


def test_published_parameter_counts():
    """PaddleClas' / PaddleDetection's published sizes, as stated in
    their tables (Paddle counts BN statistics; see the references)."""
    by_name = {m['Name']: m['Metadata'] for m in ENTRIES}
    assert by_name['pplcnet-x1.0_3rdparty_in1k']['Parameters'] == 2952520
    assert by_name['pplcnet-x1.0_3rdparty_in1k']['Paddle FLOPs'] == \
        pytest.approx(160.81e6, rel=1e-3)
    assert by_name['pplcnet-x0.25_3rdparty_in1k']['Parameters'] == 1521184
    # PP-LCNetV2 base: PaddleClas' 604M FLOPs are the folded network's
    v2 = by_name['pplcnetv2-base_3rdparty_in1k']
    assert v2['Paddle FLOPs'] == pytest.approx(604e6, rel=2e-3)
    assert v2['Parameters'] == 6_687_208


def test_modelhub_lists_our_classifiers():
    from mmpretrain import list_models
    from mmpretrain.apis.model import ModelHub
    ours = sorted(m['Name'] for metafile, m in iter_models(INDEX)
                  if metafile_task(metafile) == CLASSIFICATION)
    # 8 + 3 SSLD + toy PP-LCNet, 3 + 1 SSLD + toy PP-LCNetV2, 10
    # MobileNetV3
    assert len(ours) == 27
    listed = list_models('*pplcnet*') + list_models('paddle-mobilenet-v3*')
    assert sorted(listed) == ours
    meta = ModelHub.get('pplcnet-x1.0_3rdparty-ssld_in1k')
    assert meta.weights == 'paddle://PPLCNet_x1_0_ssld'
    assert meta.config.model.backbone.scale == 1.0
    # detection / segmentation entries stay out of mmpretrain's hub
    assert not list_models('picodet*') and not list_models('deeplabv3plus*')


def test_model_zoo_pages_are_current():
    from mm_pplcnet.hub.metafile import zoo_page
    for task, page in (('Image Classification',
                        'classification'), ('Object Detection', 'detection'),
                       ('Semantic Segmentation', 'segmentation')):
        path = REPO / 'docs' / 'model_zoo' / f'{page}.md'
        assert path.read_text() == zoo_page(
            INDEX,
            task), (f'{path} is stale: python tools/misc/model_zoo_docs.py')
