"""End-to-end checks of the training engine: the CLI, kill-and-resume, DDP on the CPU (one machine, and two local "nodes"), papermill, bad input."""
import csv, json, os, signal, socket, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TIME_COLS = {'epoch_time_s', 'videos_per_s', 'lr'}


@pytest.fixture(scope='module')
def env(tmp_path_factory):
    e = dict(os.environ, RDFER_CACHE=str(tmp_path_factory.mktemp('cache')), PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1',
             RDFER_DATA=str(tmp_path_factory.mktemp('no_data')), HOME=str(tmp_path_factory.mktemp('home')))   # no dataset found by the convention
    return e


def train_cmd(out, *extra):
    return [sys.executable, '-m', 'rdfer.train', '--preset', 'tiny', '--out-dir', str(out), '--no-progress', *extra]


def metrics(run):
    rows = list(csv.DictReader(open(run / 'metrics.csv')))
    return [{k: v for k, v in r.items() if k not in TIME_COLS} for r in rows]


def final(run):
    return json.loads((run / 'final_metrics.json').read_text())


def test_cli_run_writes_every_file(tmp_path, env):
    r = subprocess.run(train_cmd(tmp_path / 'run'), env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert 'last epoch UAR' in r.stdout
    for f in ('config.json', 'environment.json', 'metrics.csv', 'final_metrics.json', 'predictions.csv', 'agreement.csv'):
        assert (tmp_path / 'run' / f).exists(), f
    env_rec = json.loads((tmp_path / 'run' / 'environment.json').read_text())
    assert env_rec['packages']['torch'] and env_rec['world_size'] == 1


def test_kill_and_resume_matches_uninterrupted(tmp_path, env):
    extra = ['--epochs', '4']
    full = subprocess.run(train_cmd(tmp_path / 'full', *extra), env=env, capture_output=True, text=True, timeout=600)
    assert full.returncode == 0, full.stderr
    run = tmp_path / 'killed'
    proc = subprocess.Popen(train_cmd(run, *extra), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 600
    while not (run / 'checkpoints' / 'epoch_002.pt').exists():
        assert proc.poll() is None, f'run ended before it could be killed: {proc.stderr.read()}'
        assert time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (run / 'final_metrics.json').exists()
    resumed = subprocess.run(train_cmd(run, *extra), env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert 'resuming' in resumed.stdout + resumed.stderr
    assert metrics(run) == metrics(tmp_path / 'full')
    assert final(run)['last'] == final(tmp_path / 'full')['last']


def test_ddp_two_processes_match_one(tmp_path, env):
    extra = ['--strategy', 'ce', '--epochs', '2']
    one = subprocess.run(train_cmd(tmp_path / 'one', *extra), env=env, capture_output=True, text=True, timeout=600)
    assert one.returncode == 0, one.stderr
    cmd = [str(BIN / 'torchrun'), '--standalone', '--nproc_per_node', '2', '-m', 'rdfer.train', '--preset', 'tiny',
           '--out-dir', str(tmp_path / 'two'), '--no-progress', *extra]
    two = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    assert json.loads((tmp_path / 'two' / 'environment.json').read_text())['world_size'] == 2
    a, b = final(tmp_path / 'one')['last'], final(tmp_path / 'two')['last']
    assert a['confusion'] == b['confusion']
    la = [float(r['train_loss']) for r in metrics(tmp_path / 'one')]
    lb = [float(r['train_loss']) for r in metrics(tmp_path / 'two')]
    assert la == pytest.approx(lb, rel=1e-3, abs=1e-4)


def two_nodes(out, env, *extra):
    "Two torchrun agents on this machine as two nodes of one process each, meeting at a c10d rendezvous endpoint (gloo): their Popens."
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    cmd = [str(BIN / 'torchrun'), '--nnodes', '2', '--nproc_per_node', '1', '--rdzv_backend', 'c10d', '--rdzv_endpoint', f'localhost:{port}',
           '--rdzv_id', f'rdfer-{port}', '-m', 'rdfer.train', '--preset', 'tiny', '--out-dir', str(out), '--no-progress', *extra]
    return [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]


def finished(nodes, what):
    logs = [p.communicate(timeout=300)[0] for p in nodes]
    assert all(p.returncode == 0 for p in nodes), f'{what}:\n' + '\n'.join(log[-2000:] for log in logs)
    return logs


def test_two_nodes_killed_and_resumed_match_an_uninterrupted_run(tmp_path, env):
    """torchrun --nnodes 2: both nodes lost after epoch 1 (agents and training processes, SIGKILL), the same command again on both
    resumes, and the run ends as one that was never stopped (here two processes on one node: the same world of two): the same metrics,
    records, predictions and weights."""
    import torch
    from rdfer.gpu_bench import _kill_tree
    extra, full, run = ['--epochs', '3'], tmp_path / 'full', tmp_path / 'killed'
    one = subprocess.Popen([str(BIN / 'torchrun'), '--standalone', '--nproc_per_node', '2', '-m', 'rdfer.train', '--preset', 'tiny',
                            '--out-dir', str(full), '--no-progress', *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    finished([one], 'uninterrupted, one node')
    nodes, deadline = two_nodes(run, env, *extra), time.time() + 300
    while not (run / 'checkpoints' / 'epoch_001.pt').exists():
        assert all(p.poll() is None for p in nodes) and time.time() < deadline, 'the run ended before it could be killed'
        time.sleep(0.01)
    for p in nodes: _kill_tree(p)                                       # both machines lost at once
    for p in nodes: p.communicate()
    assert not (run / 'checkpoints' / 'epoch_002.pt').exists() and not (run / 'final_metrics.json').exists()
    logs = finished(two_nodes(run, env, *extra), 'resumed on two nodes')
    assert any('resuming' in log and 'after epoch 1' in log for log in logs), logs
    assert json.loads((run / 'environment.json').read_text())['world_size'] == 2
    assert metrics(run) == metrics(full) and final(run)['last'] == final(full)['last']
    for f in ('predictions.csv', 'agreement.csv'): assert (run / f).read_text() == (full / f).read_text(), f   # the records of every epoch
    a, b = (torch.load(d / 'checkpoints' / 'epoch_003.pt', weights_only=True)['model'] for d in (run, full))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)                                 # the same weights, bit for bit


def test_bad_parameters_fail_before_work(tmp_path, env, train_here):
    for args, msg in ((['--dataset', 'affectnet'], 'invalid choice'), (['--fold', '6'], 'fold must be 1..5'),
                      (['--dataset', 'dfew'], 'data_root is required'),
                      (['--dataset', 'dfew', '--data-root', str(tmp_path / 'nope')], 'does not exist')):
        r = train_here(*args, '--out-dir', str(tmp_path / 'x'), env={k: env[k] for k in ('RDFER_CACHE', 'RDFER_DATA', 'HOME')})
        assert r.returncode == 2 and msg in r.stderr, (args, r.stderr)
        assert not (tmp_path / 'x').exists()


def test_non_finite_loss_stops_with_epoch_and_step(tmp_path, env, monkeypatch):
    import torch
    import rdfer.train as T
    from rdfer.config import config_from_params
    monkeypatch.setenv('RDFER_CACHE', env['RDFER_CACHE'])
    cfg = config_from_params('synth', 'tiny', out_dir=str(tmp_path / 'nan'), epochs=3)
    real = T.train_one_epoch
    def poisoned(model, strategy, loader, optimizer, schedule, epoch, *a, **k):
        if epoch == 2:
            for p in model.parameters(): p.data.fill_(float('nan'))
        return real(model, strategy, loader, optimizer, schedule, epoch, *a, **k)
    monkeypatch.setattr(T, 'train_one_epoch', poisoned)
    with pytest.raises(T.NonFiniteLoss, match='epoch 2, step 0'):
        T.train(cfg, progress=False)
    ck = sorted((tmp_path / 'nan' / 'checkpoints').glob('*.pt'))
    assert [p.name for p in ck] == ['epoch_001.pt']
    state = torch.load(ck[0], weights_only=True)
    assert all(torch.isfinite(v).all() for v in state['model'].values() if v.is_floating_point())


def test_papermill_train_notebook(tmp_path, env):
    out = tmp_path / 'out.ipynb'
    r = subprocess.run([str(BIN / 'papermill'), str(ROOT / 'nbs' / 'train.ipynb'), str(out), '-p', 'preset', 'tiny',
                        '-p', 'out_dir', str(tmp_path / 'run'), '--cwd', str(tmp_path)], env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    for f in ('config.json', 'environment.json', 'metrics.csv', 'final_metrics.json', 'predictions.csv', 'agreement.csv'):
        assert (tmp_path / 'run' / f).exists(), f
    nb = json.loads(out.read_text())
    images = [o for c in nb['cells'] for o in c.get('outputs', []) if 'image/png' in o.get('data', {})]
    assert len(images) >= 2    # learning curves, recall + confusion


def test_finish_on_device_trains_on_uint8_batches(tmp_path, env, monkeypatch):
    "data.finish_on='device': the loader hands over uint8 clips, the engine finishes them on the device, and a run is reproducible."
    import torch
    import rdfer.train as T
    from rdfer.config import PRESETS, config_from_params, resolve_config
    from rdfer.processes import setup_processes
    monkeypatch.setenv('RDFER_CACHE', env['RDFER_CACHE'])
    assert PRESETS['dfew']['data']['finish_on'] == 'auto' and resolve_config('synth').data.finish_on == 'loader'
    cfg = config_from_params('synth', 'tiny', {'data.finish_on': 'device'}, out_dir=str(tmp_path / 'a'), epochs=1)
    procs = setup_processes('cpu')
    train_dl, test_dl = T.build_loaders(cfg, T.prepare_data_root(cfg.data), procs)
    batch = next(iter(train_dl))
    assert batch['video'].dtype == torch.uint8
    video = T._to_device(batch, train_dl, procs, epoch=1)
    assert video.dtype == torch.float32 and video.shape == batch['video'].shape and video.min() < -1 and video.max() > 1  # normalised
    assert next(iter(test_dl))['video'].dtype == torch.uint8
    auto = config_from_params('synth', 'tiny', {'data.finish_on': 'auto'}, out_dir=str(tmp_path / 'c'), epochs=1)
    assert next(iter(T.build_loaders(auto, T.prepare_data_root(auto.data), procs)[0]))['video'].dtype == torch.float32  # auto: the loader, on a CPU
    a = T.train(cfg, progress=False)
    b = T.train(config_from_params('synth', 'tiny', {'data.finish_on': 'device'}, out_dir=str(tmp_path / 'b'), epochs=1), progress=False)
    assert metrics(tmp_path / 'a') == metrics(tmp_path / 'b') and final(tmp_path / 'a')['last'] == final(tmp_path / 'b')['last']
    with pytest.raises(ValueError, match='finish_on must be loader, device or auto'):
        config_from_params('synth', 'tiny', {'data.finish_on': 'gpu'})


def test_a_loader_too_large_for_memory_is_one_line(tmp_path, env):
    r = subprocess.run(train_cmd(tmp_path / 'run', '--set', 'data.workers=64', '--set', 'train.batch_size=1000000'), env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr[-2000:]
    assert 'GiB of clips in flight' in r.stderr and 'lower data.workers, train.batch_size' in r.stderr
    assert not (tmp_path / 'run').exists()                       # refused before anything was written
