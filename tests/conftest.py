import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / 'configs'
TOOLS = REPO / 'tools'


def run_tool(args, cwd, timeout=900, env=None):
    """Run a command-line tool with this interpreter; fail with its log."""
    cmd = [sys.executable] + [str(a) for a in args]
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
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


@pytest.fixture(scope='session')
def toy_cls(tmp_path_factory):
    """The generated 4-class image-folder dataset."""
    from mm_pplcnet.datasets import make_toy_classification
    root = tmp_path_factory.mktemp('toy_cls')
    make_toy_classification(str(root))
    return root
