"The run folder: no code runs from a checkpoint, one process per folder, resume by the data's content, damaged files and interrupted writes named in one line, reading a run back."
import json, os, shutil, signal, stat, subprocess, sys, time
from pathlib import Path

import pytest
import torch

from conftest import RDFER, one_line, rdfer_train
from rdfer.core import DataError, atomic_write, atomic_write_json
from rdfer import train as T
from rdfer.config import config_from_params
from rdfer.runs import run_folder_lock, run_record, default_run_dir, check_run_dir
from rdfer.testing import make_dfew_tree, write_video

ROOT = Path(__file__).resolve().parents[1]


class Evil:
    "A pickle whose loading would create a marker file."
    def __init__(self, marker): self.marker = str(marker)
    def __reduce__(self): return (os.system, (f'touch {self.marker}',))




@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory, env):
    "A finished 2-epoch tiny run whose synthetic benchmark lies in an explicit folder."
    tmp = tmp_path_factory.mktemp('tiny')
    r = rdfer_train('--preset', 'tiny', '--out-dir', str(tmp / 'run'), '--set', f'data.root={json.dumps(str(tmp / "bench"))}', env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return tmp


# ---- loading a checkpoint runs no code ------------------------------------------------------------------------

def test_malicious_checkpoint_runs_nothing(tmp_path, env):
    marker = tmp_path / 'pwned'
    torch.save({'model': Evil(marker), 'config': {}}, tmp_path / 'evil.pt')
    video = write_video(tmp_path / 'v.mp4', 12)
    r = subprocess.run([*RDFER, 'predict', str(video), '--checkpoint', str(tmp_path / 'evil.pt')],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and 'evil.pt: refused to load' in one_line(r)
    run = tmp_path / 'run'                                  # the same file in a run folder being resumed
    cfg = config_from_params('synth', 'tiny', out_dir=str(run))
    os.environ['RDFER_CACHE'], cache = env['RDFER_CACHE'], os.environ.get('RDFER_CACHE')
    try: T.prepare_data_root(cfg.data); atomic_write_json(run / 'config.json', run_record(cfg))   # the record `train` writes: of the rendered data
    finally: os.environ.pop('RDFER_CACHE') if cache is None else os.environ.__setitem__('RDFER_CACHE', cache)
    (run / 'checkpoints').mkdir(); shutil.copy(tmp_path / 'evil.pt', run / 'checkpoints' / 'epoch_001.pt')
    r = rdfer_train('--preset', 'tiny', '--out-dir', str(run), env=env)
    assert r.returncode == 1 and 'epoch_001.pt: refused to load' in one_line(r)
    assert not marker.exists()


def test_checkpoints_load_weights_only(tiny_run):
    state = torch.load(sorted((tiny_run / 'run' / 'checkpoints').glob('*.pt'))[-1], weights_only=True)
    assert {'model', 'optimizer', 'strategy', 'rng', 'history', 'config'} <= set(state)


# ---- one process per run folder; default names that do not collide ------------------------------------------

def test_two_processes_never_share_a_run_folder(tmp_path, env):
    run = tmp_path / 'run'
    first = subprocess.Popen([sys.executable, '-m', 'rdfer.train', '--no-progress', '--preset', 'tiny', '--epochs', '200',
                              '--out-dir', str(run)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not (run / '.lock').exists() or not (run / '.lock').read_text():
        assert first.poll() is None and time.time() < deadline, first.stderr.read()
        time.sleep(0.05)
    second = rdfer_train('--preset', 'tiny', '--epochs', '3', '--lr', '0.01', '--out-dir', str(run), env=env)
    assert first.poll() is None, 'the first run ended too soon to test the lock'
    assert second.returncode == 1 and f'in use by another rdfer process (pid {first.pid} ' in one_line(second)
    first.send_signal(signal.SIGKILL); first.wait()         # a killed owner leaves no stuck lock
    with run_folder_lock(run): pass
    assert json.loads((run / 'config.json').read_text())['train']['epochs'] == 200 if (run / 'config.json').exists() else True


def test_default_run_folders_differ_per_configuration(env, monkeypatch):
    monkeypatch.setenv('RDFER_CACHE', env['RDFER_CACHE'])
    sweep = [dict(), dict(lr=0.01), dict(batch_size=4), dict(epochs=3), dict(overrides={'model.hidden': 8, 'model.heads': 2})]
    names = [default_run_dir(config_from_params('synth', 'tiny', **kw)) for kw in sweep]
    assert len(set(names)) == len(sweep)
    assert default_run_dir(config_from_params('synth', 'tiny', workers=1)) == names[0]   # speed is not identity


# ---- resume: the data's content is the identity, not its location ---------------------------------------------

def test_resume_after_the_data_moved(tmp_path, env):
    make_dfew_tree(tmp_path / 'data' / 'DFEW', n_clips=14, num_frames=10)
    common = ['--dataset', 'dfew', '--preset', 'tiny', '--out-dir', 'run']
    r = rdfer_train(*common, '--data-root', str(tmp_path / 'data' / 'DFEW'), env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    (tmp_path / 'run' / 'final_metrics.json').unlink(); (tmp_path / 'run' / 'checkpoints' / 'epoch_002.pt').unlink()   # interrupted
    shutil.move(tmp_path / 'data' / 'DFEW', tmp_path / 'scratch')          # the dataset moved to local storage
    r = rdfer_train(*common, '--data-root', 'scratch/', env=env, cwd=tmp_path)   # relative, with a trailing slash
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'resuming' in r.stdout + r.stderr and (tmp_path / 'run' / 'final_metrics.json').exists()
    split = tmp_path / 'scratch' / 'EmoLabel_DataSplit' / 'train(single-labeled)' / 'set_1.csv'
    lines = split.read_text().splitlines(); vid, lab = lines[1].split(','); lines[1] = f'{vid},{int(lab) % 7 + 1}'
    split.write_text('\n'.join(lines) + '\n')                           # other data under the same names
    r = rdfer_train(*common, '--data-root', 'scratch', env=env, cwd=tmp_path)
    assert r.returncode == 1 and "holds a run with another configuration (the data's split files differ" in one_line(r)


def test_hand_edited_config_is_noticed(tiny_run, env):
    run = tiny_run / 'run'
    saved = json.loads((run / 'config.json').read_text())
    edited = json.loads(json.dumps(saved)); edited['train']['lr'] = 0.5
    atomic_write_json(run / 'config.json', edited)
    try:
        r = rdfer_train('--preset', 'tiny', '--out-dir', str(run), '--lr', '0.5', env=env)
        assert r.returncode == 1 and 'config.json: was edited after the run started' in one_line(r)
    finally: atomic_write_json(run / 'config.json', saved)


def test_a_run_that_failed_before_its_first_checkpoint_can_be_rerun(tmp_path, env):
    tree = make_dfew_tree(tmp_path / 'DFEW', n_clips=10, num_frames=10)
    for f in (tree / 'Clip/clip_224x224/00002').iterdir(): f.write_bytes(b'garbage')
    run = tmp_path / 'run'
    common = ['--dataset', 'dfew', '--preset', 'tiny', '--data-root', str(tree), '--out-dir', str(run), '--epochs', '1']
    bad = rdfer_train(*common, env=env)
    assert bad.returncode == 1 and '00002/' in one_line(bad) and not (run / 'checkpoints').exists()
    fixed = rdfer_train(*common, '--set', 'data.on_error="skip"', env=env)    # the corrected configuration
    assert fixed.returncode == 0, fixed.stderr[-3000:]


# ---- smaller things --------------------------------------------------------------------------------------------

def test_full_disk_names_the_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    def full(fd): raise OSError(28, 'No space left on device')
    monkeypatch.setattr(os, 'fsync', full)
    with pytest.raises(OSError, match=f'cannot write {tmp_path}/m.json: No space left on device'): atomic_write_json(tmp_path / 'm.json', {})
    assert list(tmp_path.iterdir()) == []


def test_interrupted_writes_are_cleaned_and_files_are_shareable(tiny_run, env):
    run = tiny_run / 'run'
    (run / 'records' / '.agreement_epoch_001.csv.x1y2.tmp').write_text('half')   # what a kill -9 mid-write leaves
    r = rdfer_train('--preset', 'tiny', '--out-dir', str(run), '--set', f'data.root={json.dumps(str(tiny_run / "bench"))}', env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert not list(run.rglob('*.tmp'))
    old = os.umask(0o002)
    try: assert stat.S_IMODE(atomic_write(tiny_run / 'shared.txt', 'x').stat().st_mode) == 0o664
    finally: os.umask(old)
    mask = os.umask(0o022); os.umask(mask)
    assert stat.S_IMODE((run / 'metrics.csv').stat().st_mode) == 0o666 & ~mask      # not 0600: a group can read run folders


def test_predict_plot_into_a_new_folder(tiny_run, env):
    video = next((tiny_run / 'bench' / 'Clip' / 'original').glob('*.mp4'))
    plot = tiny_run / 'figs' / 'new' / 'timeline.png'
    r = subprocess.run([*RDFER, 'predict', str(video), '--checkpoint', str(tiny_run / 'run'), '--plot', str(plot)],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert plot.stat().st_size > 0
    r = subprocess.run([*RDFER, 'predict', str(video), '--checkpoint', str(tiny_run / 'run'), '--plot', str(tiny_run / 't.xyz')],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "t.xyz: unknown image format '.xyz'" in one_line(r)


# ---- damaged run files, nested options ---------------------------------------------------------------

def test_damaged_run_files_are_one_line(tiny_run, env, tmp_path):
    args = ('--preset', 'tiny', '--resume', '--set', f'data.root={json.dumps(str(tiny_run / "bench"))}')
    nul = shutil.copytree(tiny_run / 'run', tmp_path / 'nul'); (nul / 'config.json').write_text('null\n')
    line = one_line(rdfer_train(*args, '--out-dir', str(nul), env=env))
    assert 'config.json: damaged run record' in line and 'move the folder away' in line
    cut = shutil.copytree(tiny_run / 'run', tmp_path / 'cut')
    (cut / 'final_metrics.json').write_text((cut / 'final_metrics.json').read_text()[:40])   # truncated
    line = one_line(rdfer_train(*args, '--out-dir', str(cut), env=env))
    assert 'final_metrics.json: damaged' in line and 'delete it and rerun with --resume' in line
    (cut / 'final_metrics.json').unlink()                                          # doing what it says works
    r = rdfer_train(*args, '--out-dir', str(cut), env=env)
    assert r.returncode == 0 and json.loads((cut / 'final_metrics.json').read_text())['last'], r.stderr[-2000:]



def test_a_dead_owners_lock_held_by_its_workers_waits_not_refuses(tmp_path):
    import platform
    run = tmp_path / 'run'; run.mkdir()
    dead = subprocess.Popen(['true']); dead.wait()                       # the killed main process
    (run / '.lock').write_text(f'pid {dead.pid} on {platform.node()} since 2026-01-01 00:00:00\n')
    worker = subprocess.Popen([sys.executable, '-c', 'import fcntl, sys, time; f = open(sys.argv[1], "a+"); fcntl.flock(f, fcntl.LOCK_EX); '
                               'print("held", flush=True); time.sleep(2)', str(run / '.lock')], stdout=subprocess.PIPE, text=True)
    assert worker.stdout.readline().strip() == 'held'                   # a loader worker that still shares the dead owner's lock
    t0 = time.time()
    with run_folder_lock(run): waited = time.time() - t0                # taken once the worker ends, not refused
    worker.wait()
    assert 0.5 < waited < 30 and f'pid {os.getpid()} ' in (run / '.lock').read_text()


def test_a_finished_run_recorded_before_the_synth_fingerprint_read_files_is_still_reused(tmp_path, monkeypatch):
    import hashlib
    from rdfer.synth import synth_root
    monkeypatch.setenv('RDFER_CACHE', str(tmp_path / 'cache'))
    cfg = config_from_params('synth', 'tiny', out_dir=str(tmp_path / 'run'), resume=True)
    cfg.data.synth = dict(videos=14, frames=8, size=32)
    T.prepare_data_root(cfg.data)
    run = tmp_path / 'run'; (run / 'checkpoints').mkdir(parents=True); (run / 'checkpoints' / 'epoch_002.pt').write_bytes(b'')
    rec = run_record(cfg); rec['identity']['data'] = hashlib.sha256(json.dumps(cfg.data.synth, sort_keys=True).encode()).hexdigest()[:16]
    atomic_write_json(run / 'config.json', rec); atomic_write_json(run / 'final_metrics.json', {'last': {'uar': 1.0}})
    assert check_run_dir(cfg, run, True)['last'] == {'uar': 1.0}        # the package's own folder: its options stood for its files
    cfg.data.root = str(synth_root(cfg.data).parent / 'copy')             # named elsewhere: the files must match
    import shutil as sh; sh.copytree(synth_root(dataclasses_replace(cfg.data, root='')), cfg.data.root, symlinks=True)
    with pytest.raises(DataError, match="split files differ"): check_run_dir(cfg, run, True)


def dataclasses_replace(obj, **kw):
    import dataclasses
    return dataclasses.replace(obj, **kw)
