"Fixtures shared by the test modules."
import subprocess, sys

import pytest


def pytest_collection_modifyitems(items):
    "The tests marked `long` first (in their order), so that the two workers of `pytest -n 2` start them early and end together."
    items.sort(key=lambda item: item.get_closest_marker('long') is None)


@pytest.fixture
def train_here(capsys, monkeypatch):
    """`python -m rdfer.train ARGS` run in this process, as a `CompletedProcess` (return code, stdout, stderr): for options
    refused before any work, where starting a process (and importing torch again) would cost more than the check.
    `env` (a dict) sets those variables for the call; test_cuda_without_a_gpu checks a real process's stderr."""
    def run(*args, env=None):
        from rdfer.train import train_command
        for k, v in (env or {}).items(): monkeypatch.setenv(k, v)
        capsys.readouterr()
        try: rc = train_command(['--no-progress', *args], prog='python -m rdfer.train')
        except SystemExit as e: rc = e.code                       # argparse's own errors exit 2
        out = capsys.readouterr()
        return subprocess.CompletedProcess(['python', '-m', 'rdfer.train', *args], rc, out.out, out.err)
    return run


@pytest.fixture(scope='module')
def env(tmp_path_factory):
    "The environment of a test module's commands: its own benchmark cache, unbuffered output, one thread."
    import os
    return dict(os.environ, RDFER_CACHE=str(tmp_path_factory.mktemp('cache')), PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')


RDFER = [sys.executable, '-c', 'import sys; from rdfer.cli import main; sys.exit(main())']


def rdfer_train(*args, env, cwd=None, timeout=600):
    "`python -m rdfer.train ARGS` in a process of its own."
    return subprocess.run([sys.executable, '-m', 'rdfer.train', '--no-progress', *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def one_line(r) -> str:
    "The error output of a failed command, which must be a single line."
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr[-3000:]
    return lines[0]
