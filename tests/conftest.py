import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / 'configs'
TOOLS = REPO / 'tools'


def run_tool(args, cwd, timeout=900, env=None, python=True):
    """Run a command-line tool with this interpreter (or, with
    ``python=False``, any command); fail with its log."""
    cmd = ([sys.executable] if python else []) + [str(a) for a in args]
    full_env = dict(
        os.environ, PYTHONUNBUFFERED='1', PYTHON=sys.executable, **(env or {}))
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        env=full_env)
    if proc.returncode != 0:
        pytest.fail(f'{" ".join(cmd)} exited {proc.returncode}:\n'
                    f'{proc.stdout[-6000:]}')
    return proc.stdout


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a torchrun rendezvous): fixed
    ports collide with anything else running, e.g. a second test run."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='session')
def toy_cls(tmp_path_factory):
    """The generated 4-class image-folder dataset."""
    from mm_pplcnet.datasets import make_toy_classification
    root = tmp_path_factory.mktemp('toy_cls')
    make_toy_classification(str(root))
    return root


@pytest.fixture(scope='session')
def toy_coco(tmp_path_factory):
    """The generated COCO-format detection set."""
    from mm_pplcnet.datasets import make_toy_coco
    root = tmp_path_factory.mktemp('toy_coco')
    make_toy_coco(str(root))
    return root


@pytest.fixture(scope='session')
def toy_cityscapes(tmp_path_factory):
    """The generated Cityscapes-format street scenes."""
    from mm_pplcnet.datasets import make_toy_cityscapes
    root = tmp_path_factory.mktemp('toy_cityscapes')
    make_toy_cityscapes(str(root))
    return root


# CI sets MM_PPLCNET_NO_SKIP=1: there every test dependency is installed, so
# a skip (e.g. Paddle failing to import, which would silently drop every
# parity test) is a failure.
NO_SKIP = os.environ.get('MM_PPLCNET_NO_SKIP') == '1'


def _fail_skip(report) -> None:
    if NO_SKIP and report.skipped and not hasattr(report, 'wasxfail'):
        reason = report.longrepr
        if isinstance(reason, tuple):
            reason = reason[-1]
        report.outcome = 'failed'
        report.longrepr = (f'skipped, which MM_PPLCNET_NO_SKIP=1 forbids: '
                           f'{reason}')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skip(outcome.get_result())
