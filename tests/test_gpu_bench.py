"""The GPU check runs where PyAV is missing (as on the lent GPU machines) and exits cleanly without a GPU."""
import json, os, subprocess, sys
from pathlib import Path
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_av_env(tmp_path):
    "PYTHONPATH with an `av` package that fails to import, ahead of the repository: every process of the check sees it."
    (tmp_path / 'noav' / 'av').mkdir(parents=True)
    (tmp_path / 'noav' / 'av' / '__init__.py').write_text('raise ImportError("PyAV is not installed on this machine")\n')
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / 'noav'), str(REPO)]), RDFER_CACHE=str(tmp_path / 'cache'),
                OMP_NUM_THREADS='1')


def bench(args, env, timeout=600):
    return subprocess.run([sys.executable, '-m', 'rdfer.bench', 'gpu', *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(torch.cuda.is_available(), reason='this machine has a GPU')
def test_without_gpu_says_so_and_exits_0(no_av_env, tmp_path):
    r = bench(['--out', str(tmp_path / 'out')], no_av_env)
    assert r.returncode == 0, r.stderr
    assert 'no CUDA GPU on this machine' in r.stdout
    assert json.loads((tmp_path / 'out' / 'gpu_bench.json').read_text())['skipped']


def test_bad_options_exit_2(no_av_env):
    r = bench(['--parts', 'step,nccl'], no_av_env)
    assert r.returncode == 2 and "unknown part(s) ['nccl']" in r.stderr


@pytest.mark.long
def test_step_and_loader_parts_run_without_av(no_av_env, tmp_path):
    "The CUDA-free logic of the check, on the CPU, with PyAV unimportable in every process."
    r = bench(['--device', 'cpu', '--parts', 'loader,step', '--out', str(tmp_path / 'out'), '--batch', '2', '--frames', '4',
               '--size', '16', '--encoder', 'small_cnn', '--steps', '1', '--warmup', '1', '--configs', 'eager,eager+channels_last',
               '--every', '1000', '--video-size', '32', '--cache-clips', '8', '--loop-preset', 'tiny', '--workers', '1', '--loader-batch', '4',
               '--loop-warmup', '1', '--loop-steps', '1'], no_av_env)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['gpu_bench.json', 'gpu_bench.txt']   # no videos, no cache
    res = json.loads((tmp_path / 'out' / 'gpu_bench.json').read_text())
    assert res['loader']['cached'] == 8 and res['loader']['train_clips'] == 8, res            # every 1000th clip of DFEW's real index
    assert all(l['steps'] == 1 and l['videos_per_s'] > 0 for l in res['loader']['loops'].values()), res['loader']
    assert set(res['step']['configs']) == {'eager', 'eager+channels_last'}
    assert all('error' not in c for c in res['step']['configs'].values()), res['step']
    table = r.stdout[r.stdout.index('gpu check on cpu'):]          # the table is printed last
    assert 'eager+channels_last' in table and 'cache_device' in table and 'step alone' in table and 'GPU busy' in table
