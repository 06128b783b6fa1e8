"""Build an mmengine Runner for any mmdet / mmseg / mmpretrain config.

``tools/train.py`` and ``tools/test.py`` are thin fronts over this module.
"""
import os
import os.path as osp
import sys
from typing import Callable, Iterable, List, Optional

import torch
from mmengine.config import Config, DictAction  # noqa: F401 (re-export)
from mmengine.registry import RUNNERS
from mmengine.runner import Runner, find_latest_checkpoint

import mm_pplcnet  # noqa: F401 (registers modules, checkpoint loading)
from ..utils.checkpoint import CheckpointError, check_checkpoint_file
from .pplcnet_runner import BatchSizeError, PPLCNetRunner

# tools/dist_run.sh: where a process writes its error, shown last
ERROR_FILE_ENV = 'MM_PPLCNET_ERROR_FILE'
TOY_HINT = ('no such folder: download the dataset, point the config at it '
            '(--cfg-options {key}.dataset.data_root=...), or generate a '
            'small stand-in with tools/misc/make_toy_data.py')


def add_common_args(parser) -> None:
    """The arguments tools/train.py and tools/test.py share.

    Args:
        parser (argparse.ArgumentParser): The parser to extend.
    """
    parser.add_argument('--work-dir', help='where logs and outputs go')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)


def run_cli(main: Callable[[], None]) -> None:
    """Run a tool's ``main``: a missing file (config, checkpoint, data), a
    checkpoint that is damaged or does not fit the model, or a batch size
    the model cannot train with ends it with its message instead of a
    traceback, and a distributed run shuts down
    cleanly.

    After a distributed run every process waits for the others, the
    process group is destroyed and the process exits at once: letting
    the interpreter tear down torch's communication threads itself
    aborts now and then on torch 2.13 with gloo ("terminate called
    without an active exception"), failing a finished run.

    Args:
        main (Callable): The tool's entry point.
    """
    try:
        main()
    except (FileNotFoundError, CheckpointError, BatchSizeError) as err:
        message = f'error: {err}'
        error_file = os.environ.get(ERROR_FILE_ENV)
        if error_file:  # tools/dist_run.sh repeats it after torchrun's log
            with open(error_file, 'w') as f:
                f.write(message + '\n')
        raise SystemExit(message)
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and apply ``--cfg-options`` overrides.

    Args:
        path (str): Config file.
        cfg_options (dict, optional): Overrides in ``key.sub=value`` form.

    Returns:
        Config: The config.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path!r} does not exist')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _datasets(cfg) -> Iterable[dict]:
    """Yield every dataset config nested in a dataset config."""
    if not isinstance(cfg, dict):
        return
    yield cfg
    if 'dataset' in cfg:
        yield from _datasets(cfg['dataset'])
    for sub in cfg.get('datasets', []) or []:
        yield from _datasets(sub)


def check_data_roots(cfg: Config, loaders: List[str]) -> None:
    """Fail early, with a hint, when a dataloader's data folder is absent.

    Args:
        cfg (Config): The config.
        loaders (list[str]): Dataloader keys to check, e.g.
            ``['train_dataloader', 'val_dataloader']``.
    """
    for key in loaders:
        loader = cfg.get(key)
        if not loader:
            continue
        for dataset in _datasets(loader.get('dataset')):
            root = dataset.get('data_root')
            if root and '://' not in str(root) and not osp.isdir(root):
                raise FileNotFoundError(f'{key}: data_root {root!r} '
                                        + TOY_HINT.format(key=key))


def _setup_cpu_distributed(cfg: Config) -> None:
    """Make torchrun / slurm launches work without GPUs.

    mmengine's launcher calls ``torch.cuda.set_device`` and wraps the
    model in DDP with ``device_ids``; both fail on a CPU-only machine.
    Here the process group is started with gloo first (mmengine then
    skips its own init) and DDP gets ``device_ids=None``.
    """
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend='gloo')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    cfg.model_wrapper_cfg = wrapper


def _check_checkpoint_before_run(cfg: Config) -> None:
    """Refuse a damaged checkpoint (resume or load) before the Runner is
    built, so that nothing (config dump, logs, checkpoints) is written."""
    path = cfg.get('load_from')
    if cfg.get('resume') and not path:
        path = find_latest_checkpoint(cfg.work_dir)
    if path and '://' not in str(path) and osp.isfile(path):
        check_checkpoint_file(path)


def build_runner(cfg: Config,
                 config_path: str,
                 work_dir: Optional[str] = None,
                 launcher: str = 'none',
                 resume: Optional[str] = None,
                 load_from: Optional[str] = None,
                 amp: bool = False,
                 auto_scale_lr: bool = False,
                 mode: str = 'train',
                 partial_load: bool = False) -> Runner:
    """Build the Runner for training or testing.

    Args:
        cfg (Config): The config (already merged with overrides).
        config_path (str): Its file, to name the default work dir.
        work_dir (str, optional): Output folder. Defaults to
            ``work_dirs/<config name>``.
        launcher (str): 'none', 'pytorch', 'slurm' or 'mpi'.
        resume (str, optional): 'auto' (latest checkpoint of the work
            dir) or a checkpoint path to resume training from.
        load_from (str, optional): Checkpoint whose weights are loaded.
        amp (bool): Mixed precision training (GPU).
        auto_scale_lr (bool): Scale the lr by the actual total batch over
            ``cfg.auto_scale_lr.base_batch_size``.
        mode (str): 'train' or 'test'; decides which data folders must
            exist.
        partial_load (bool): Let ``load_from`` and ``Pretrained``
            init_cfgs load only what fits (the rest is listed in a
            warning) instead of failing. Same as ``partial_load = True``
            in the config.

    Returns:
        Runner: The runner.
    """
    cfg.launcher = launcher
    if launcher != 'none' and not torch.cuda.is_available():
        _setup_cpu_distributed(cfg)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])
    if load_from is not None:
        cfg.load_from = load_from
    if partial_load:
        cfg.partial_load = True
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif resume is not None:
        if not osp.isfile(resume):
            raise FileNotFoundError(
                f'--resume {resume!r}: no such checkpoint (use --resume '
                'without a path to take the latest one of the work dir)')
        cfg.resume = True
        cfg.load_from = resume
    if cfg.get('load_from') and not cfg.resume and '://' not in str(
            cfg.load_from) and not osp.isfile(cfg.load_from):
        raise FileNotFoundError(f'load_from {cfg.load_from!r}: no such '
                                'checkpoint file')
    _check_checkpoint_before_run(cfg)
    if amp:
        if not torch.cuda.is_available():
            raise RuntimeError('--amp needs a CUDA GPU; this machine has '
                               'none. Train in fp32 (drop --amp).')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in \
                cfg.auto_scale_lr:
            raise KeyError('--auto-scale-lr needs `auto_scale_lr = dict('
                           'base_batch_size=...)` in the config')
        cfg.auto_scale_lr.enable = True
    if mode == 'train':
        loaders = ['train_dataloader']
        if cfg.get('train_cfg', {}).get('val_interval',
                                        1) and cfg.get('val_cfg') is not None:
            loaders.append('val_dataloader')
    else:
        loaders = ['test_dataloader']
    check_data_roots(cfg, loaders)
    os.makedirs(cfg.work_dir, exist_ok=True)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return PPLCNetRunner.from_cfg(cfg)
