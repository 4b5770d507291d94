"""End-to-end checks of the training engine: the CLI, kill-and-resume, DDP on the CPU (one machine, and two local "nodes"), papermill, bad input."""
import csv, json, os, signal, socket, subprocess, sys, time
from pathlib import Path
import pytest
import torch

from conftest import one_line, rdfer_train

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
    """Two torchrun agents on this machine as two nodes of one process each (gloo), with static ranks: their Popens. Node 0 hosts the
    rendezvous store; with the c10d backend the store lives on whichever agent bound the port first, and when that one exits first the
    other can hang in torch's exit barrier (pytorch/pytorch#118891, #69520), as this test once did with c10d."""
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    cmd = lambda rank: [str(BIN / 'torchrun'), '--nnodes', '2', '--nproc_per_node', '1', '--node_rank', str(rank), '--master_addr', '127.0.0.1',
                        '--master_port', str(port), '-m', 'rdfer.train', '--preset', 'tiny', '--out-dir', str(out), '--no-progress', *extra]
    return [subprocess.Popen(cmd(r), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for r in range(2)]


def finished(nodes, what):
    logs = [p.communicate(timeout=300)[0] for p in nodes]
    assert all(p.returncode == 0 for p in nodes), f'{what}:\n' + '\n'.join(log[-2000:] for log in logs)
    return logs


@pytest.mark.long
def test_two_nodes_killed_and_resumed_match_an_uninterrupted_run(tmp_path, env):
    """torchrun --nnodes 2 (static ranks): both nodes lost after epoch 1 (agents and training processes, SIGKILL), the same command again on both
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


@pytest.mark.parametrize('dataset, classes', [
    ('mafw', ('Anger', 'Disgust', 'Fear', 'Happiness', 'Neutral', 'Sadness', 'Surprise', 'Contempt', 'Anxiety', 'Helplessness', 'Disappointment')),
    ('generic', ('anger', 'boredom', 'calm', 'joy', 'tense'))])
def test_tiny_run_has_the_datasets_classes(tmp_path, env, monkeypatch, dataset, classes):
    """The tiny preset on a miniature MAFW tree (11 classes) and on a generic one (5 classes of its own): the model's head, the
    predictions' probability columns, the per-class metrics, the checkpoint, `rdfer predict` and the per-class table all have that many."""
    import torch
    from rdfer.config import config_from_params
    from rdfer.predict import load_model, predict_video
    from rdfer.reports import find_runs
    from rdfer.tables import per_class_table
    from rdfer.testing import make_generic_tree, make_mafw_tree
    from rdfer.train import train
    for k in ('RDFER_CACHE', 'RDFER_DATA', 'HOME'): monkeypatch.setenv(k, env[k])
    root = (make_mafw_tree(tmp_path / 'MAFW', n_clips=22, num_frames=10) if dataset == 'mafw' else
            make_generic_tree(tmp_path / 'data', n_clips=25, num_frames=10, media=('frames',), classes=('calm', 'tense', 'joy', 'anger', 'boredom')))
    cfg = config_from_params(dataset, 'tiny', overrides={'data.root': str(root)}, out_dir=str(tmp_path / 'run'))
    assert cfg.model.num_classes == len(classes)
    fin = train(cfg, progress=False)
    run = tmp_path / 'run'
    assert fin['classes'] == list(classes) == final(run)['classes']
    for which in ('last', 'best'):
        assert len(fin[which]['per_class_recall']) == len(classes)
        assert [len(r) for r in fin[which]['confusion']] == [len(classes)] * len(classes)
    preds = list(csv.DictReader(open(run / 'predictions.csv')))
    assert preds and list(preds[0]) == ['video_id', 'label', 'pred'] + [f'prob_{c}' for c in classes]
    assert {p['label'] for p in preds} <= set(classes) and abs(sum(float(preds[0][f'prob_{c}']) for c in classes) - 1) < 1e-3
    state = torch.load(sorted((run / 'checkpoints').glob('*.pt'))[-1], weights_only=True)
    assert state['classes'] == list(classes)
    assert {tuple(v.shape)[:1] for k, v in state['model'].items() if k.endswith('classifier.weight')} == {(len(classes),)}   # every head
    model, rc = load_model(run)
    from rdfer.data import frame_names
    clip = next(p for p in sorted(root.rglob('*')) if p.is_dir() and frame_names(p))       # a clip's frame folder
    res = predict_video(model, rc, clip)
    assert list(res['probabilities']) == list(classes) and res['expression'] in classes
    table = per_class_table(find_runs(run), dataset)
    assert [k for k in table[-1] if k not in ('method', 'source')] == list(classes) and table[-1]['method'].startswith('this package')


# ---- every option type- and range-checked before anything is written ------------------------------------------

@pytest.mark.parametrize('args, msg', [
    (['--set', 'train.lr=abc'], "train.lr must be a number; got 'abc' (str)"),
    (['--set', 'epochs="2"'], "train.epochs must be an integer; got '2' (str)"),
    (['--set', 'epochs=1.5'], 'train.epochs must be an integer; got 1.5 (float)'),
    (['--set', 'data.size=0'], 'data.size must be at least 16 (pixels); got 0'),
    (['--set', 'crop_scale=[2,1]'], 'data.crop_scale must be two numbers [low, high] with 0 < low <= high <= 1; got [2, 1]'),
    (['--set', 'jitter=-1'], 'data.jitter must be 0 or more; got -1.0'),
    (['--set', 'max_steps=-1'], 'train.max_steps must be 0 or more; got -1'),
    (['--workers', '-1'], 'data.workers must be 0 or more; got -1'),
    (['--lr', '-1'], 'train.lr must be greater than 0; got -1.0'),
    (['--lr', 'nan'], 'train.lr must be a finite number; got nan'),
    (['--set', 'train.resume=no'], "train.resume must be true or false; got 'no' (str)"),
    (['--set', 'train.warmup_epochs=-5'], 'train.warmup_epochs must be 0 or more; got -5.0'),
])
def test_bad_options_one_line_before_anything_is_written(tmp_path, env, args, msg, train_here):
    r = train_here('--preset', 'tiny', '--out-dir', str(tmp_path / 'x'), *args, env={'RDFER_CACHE': env['RDFER_CACHE']})
    assert r.returncode == 2 and one_line(r).endswith(f'rdfer.train: {msg}')
    assert not (tmp_path / 'x').exists()


def test_cuda_without_a_gpu(tmp_path, env):
    if torch.cuda.is_available(): pytest.skip('this machine has a GPU')
    r = rdfer_train('--preset', 'tiny', '--out-dir', str(tmp_path / 'x'), '--device', 'cuda', env=env)
    assert r.returncode == 2 and "train.device='cuda' but this machine has 0 CUDA device(s)" in one_line(r)
    assert not (tmp_path / 'x').exists()


def test_misspelt_notebook_parameter(tmp_path, env):
    r = subprocess.run([str(BIN / 'papermill'), str(ROOT / 'nbs' / 'train.ipynb'), str(tmp_path / 'out.ipynb'), '-p', 'preset', 'tiny',
                        '-p', 'epoch', '3', '-p', 'out_dir', str(tmp_path / 'run'), '--cwd', str(tmp_path)], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode != 0 and "unknown notebook parameter(s) ['epoch']; allowed: ['batch_size', 'data_root'" in r.stderr
    assert not (tmp_path / 'run').exists()


