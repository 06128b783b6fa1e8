"""tools/train.py, tools/test.py and --resume on the generated toy
classification set (real runs, a few seconds each; launchers with 1 and 2
processes: test_distributed.py)."""
import json
import re

import pytest
import torch
from conftest import CONFIGS, TOOLS, run_tool

TOY_CFG = CONFIGS / 'pplcnet' / 'pplcnet-x0.5_1xb16_toy-cls.py'


def data_options(root):
    return [
        f'{split}_dataloader.dataset.data_root={root}'
        for split in ('train', 'val', 'test')
    ]


def losses(log):
    return [(int(m[1]), float(m[2])) for m in re.finditer(
        r'Iter\(train\) \[\s*(\d+)/\d+\].*?loss: ([\d.]+)', log)]


@pytest.mark.slow
def test_train_resume_test(toy_cls, tmp_path):
    work = tmp_path / 'work'
    opts = ['--cfg-options'] + data_options(toy_cls)
    log = run_tool([
        TOOLS / 'train.py', TOY_CFG, '--work-dir', work, *opts,
        'train_cfg.max_iters=24'
    ],
                   cwd=tmp_path)
    first = losses(log)
    assert [i for i, _ in first] == list(range(2, 25, 2))
    assert (work / 'iter_24.pth').is_file()
    ckpt = torch.load(work / 'iter_24.pth', weights_only=True)
    assert ckpt['meta']['iter'] == 24

    # --resume (latest checkpoint of the work dir) continues at iter 25
    log = run_tool(
        [TOOLS / 'train.py', TOY_CFG, '--work-dir', work, '--resume', *opts],
        cwd=tmp_path)
    assert 'resumed epoch: 0, iter: 24' in log
    second = losses(log)
    assert [i for i, _ in second] == list(range(26, 49, 2))
    assert (work / 'iter_48.pth').is_file()
    # the loss goes down over the 48 iterations
    all_losses = [v for _, v in first + second]
    assert sum(all_losses[-3:]) / 3 < 0.85 * sum(all_losses[:3]) / 3

    # tools/test.py evaluates the checkpoint
    out = run_tool([
        TOOLS / 'test.py', TOY_CFG, work / 'iter_48.pth', '--work-dir',
        tmp_path / 'test', *opts
    ],
                   cwd=tmp_path)
    metrics = json.loads(out.strip().splitlines()[-1].replace("'", '"'))
    # chance is 25 %; 48 iterations measured 67-73 % (see the config)
    assert metrics['accuracy/top1'] > 45.0


@pytest.mark.slow
def test_resume_from_explicit_checkpoint_and_missing_data(toy_cls, tmp_path):
    from mm_pplcnet.engine import build_runner, load_config
    cfg = load_config(str(TOY_CFG))
    with pytest.raises(FileNotFoundError, match='make_toy_data'):
        build_runner(cfg, str(TOY_CFG), work_dir=str(tmp_path / 'w'))
    cfg = load_config(str(TOY_CFG))
    with pytest.raises(FileNotFoundError, match='no such checkpoint'):
        build_runner(
            cfg,
            str(TOY_CFG),
            work_dir=str(tmp_path / 'w'),
            resume=str(tmp_path / 'nope.pth'))
