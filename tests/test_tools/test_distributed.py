"""Every task trains, resumes and tests with 1 and 2 gloo CPU processes
through the README's launchers (tools/dist_train.sh, tools/dist_test.sh),
one config per task; the 1-process runs train on one image per process
where the model allows it; two single-process "nodes" on 127.0.0.1 train
together (tools/dist_run.sh's NNODES / NODE_RANK / MASTER_ADDR)."""
import os
import re
import subprocess
import sys

import pytest
from conftest import CONFIGS, TOOLS, free_port, run_tool

# task: (config, data fixture, dataloader root suffix, by epoch, metric)
TASKS = {
    'cls': (CONFIGS / 'pplcnet' / 'pplcnet-x0.5_1xb16_toy-cls.py', 'toy_cls',
            '', False, 'accuracy/top1'),
    'det': (CONFIGS / 'picodet' / 'picodet-xs_lcnet_1xb8-24e_toy-coco-192.py',
            'toy_coco', '/', True, 'coco/bbox_mAP'),
    'seg': (CONFIGS / 'deeplabv3plus'
            / 'deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py',
            'toy_cityscapes', '', False, 'mIoU'),
}
# DeepLabV3+'s ASPP image pooling cannot train on one image per process
# (test_batch_one.py): its 1-process run takes two
BATCH_1_PROCESS = {'cls': 1, 'det': 1, 'seg': 2}


def options(task, root, units, nproc):
    """Short runs: ``units`` epochs / iterations, a checkpoint each, no
    validation; small subsets of the toy sets."""
    _, _, suffix, by_epoch, _ = TASKS[task]
    opts = [
        f'{s}_dataloader.dataset.data_root={root}{suffix}'
        for s in ('train', 'val', 'test')
    ]
    if task == 'det':
        opts += [
            f'{s}_evaluator.ann_file={root}/annotations/val.json'
            for s in ('val', 'test')
        ]
    opts += [
        f'train_cfg.max_{"epochs" if by_epoch else "iters"}={units}',
        'train_cfg.val_interval=1000', 'default_hooks.checkpoint.interval=1',
        'default_hooks.logger.interval=1', 'test_dataloader.dataset.indices=8'
    ]
    if nproc == 1:
        opts.append(f'train_dataloader.batch_size={BATCH_1_PROCESS[task]}')
    if task == 'det':  # one iteration per epoch with 2 processes
        opts.append('train_dataloader.dataset.indices=16')
    return opts


def launch(script, args, cwd, port, env=None):
    return run_tool(['bash', TOOLS / script, *args],
                    cwd=cwd,
                    python=False,
                    env=dict(
                        OMP_NUM_THREADS='1', PORT=str(port), **(env or {})))


@pytest.mark.slow
@pytest.mark.parametrize('nproc', [1, 2])
@pytest.mark.parametrize('task', sorted(TASKS))
def test_train_resume_test(task, nproc, request, tmp_path):
    config, data, _, by_epoch, metric = TASKS[task]
    root = request.getfixturevalue(data)
    port = free_port()
    work = tmp_path / 'work'
    unit = 'epoch' if by_epoch else 'iter'
    log = launch('dist_train.sh', [
        config, nproc, '--work-dir', work, '--cfg-options',
        *options(task, root, 1, nproc)
    ], tmp_path, port)
    assert (work / f'{unit}_1.pth').is_file()
    if task == 'seg':  # SyncBN -> BN, with the note in the log
        assert 'no CUDA: SyncBN layers run as BatchNorm' in log
    log = launch('dist_train.sh', [
        config, nproc, '--work-dir', work, '--resume', '--cfg-options',
        *options(task, root, 2, nproc)
    ], tmp_path, port)
    assert re.search(r'resumed epoch: \d+, iter: \d+', log)
    assert (work / f'{unit}_2.pth').is_file()
    out = launch('dist_test.sh', [
        config, work / f'{unit}_2.pth', nproc, '--work-dir', tmp_path / 'test',
        '--cfg-options', *options(task, root, 2, nproc)
    ], tmp_path, port)
    assert f"'{metric}'" in out


@pytest.mark.slow
def test_two_single_process_nodes_on_loopback(toy_cls, tmp_path):
    config = TASKS['cls'][0]
    work = tmp_path / 'work'
    procs = []
    port = free_port()
    for rank in (0, 1):
        env = dict(
            os.environ,
            OMP_NUM_THREADS='1',
            PYTHON=sys.executable,
            NNODES='2',
            NODE_RANK=str(rank),
            MASTER_ADDR='127.0.0.1',
            PORT=str(port))
        procs.append(
            subprocess.Popen([
                'bash',
                str(TOOLS / 'dist_train.sh'),
                str(config), '1', '--work-dir',
                str(work), '--cfg-options', *options('cls', toy_cls, 2, 2)
            ],
                             cwd=tmp_path,
                             env=env,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT,
                             text=True))
    logs = [p.communicate(timeout=600)[0] for p in procs]
    for rank, (proc, log) in enumerate(zip(procs, logs)):
        assert proc.returncode == 0, f'node {rank}:\n{log[-4000:]}'
    # one job of two processes: rank 0 logs and saves, rank 1 (the other
    # node) prints no training log of its own
    assert 'Distributed training: True' in logs[0]
    assert 'Iter(train) [2/2]' in logs[0]
    assert 'Iter(train)' not in logs[1]
    assert (work / 'iter_2.pth').is_file()


@pytest.mark.slow
def test_launcher_shows_the_tools_error_last(toy_cityscapes, tmp_path):
    """torchrun prints a traceback of its own after a failed process; the
    tool's clear error is repeated after it."""
    config = TASKS['seg'][0]
    proc = subprocess.run([
        'bash',
        str(TOOLS / 'dist_train.sh'),
        str(config), '1', '--work-dir',
        str(tmp_path / 'w'), '--cfg-options',
        *options('seg', toy_cityscapes, 1, 2), 'train_dataloader.batch_size=1'
    ],
                          cwd=tmp_path,
                          env=dict(
                              os.environ,
                              OMP_NUM_THREADS='1',
                              PYTHON=sys.executable,
                              PORT=str(free_port())),
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: train_dataloader.batch_size=1 cannot '
                           'train this model'), proc.stderr[-3000:]
