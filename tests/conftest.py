"Fixtures shared by the test modules."
import subprocess

import pytest


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
