"Issue 14, one test per finding: no code runs from a checkpoint, runs never mix, every bad input gets one clear line."
import json, os, shutil, signal, stat, subprocess, sys, time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch

from rdfer.core import DataError, atomic_write, atomic_write_json
from rdfer.data import check_data, open_reader
from rdfer.testing import _frame_array, encoded_frame_numbers, make_dfew_tree, make_ferv39k_tree, make_generic_tree, write_frames, write_video
from rdfer.sampling import segment_indices
from rdfer import train as T
from rdfer.config import config_from_params
from rdfer.runs import run_folder_lock

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RDFER = [sys.executable, '-c', 'import sys; from rdfer.cli import main; sys.exit(main())']


@pytest.fixture(scope='module')
def env(tmp_path_factory):
    return dict(os.environ, RDFER_CACHE=str(tmp_path_factory.mktemp('cache')), PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')


def rdfer_train(*args, env, cwd=None, timeout=600):
    return subprocess.run([sys.executable, '-m', 'rdfer.train', '--no-progress', *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def one_line(r) -> str:
    "The error output of a failed command, which must be a single line."
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr[-3000:]
    return lines[0]


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


# ---- 1. loading a checkpoint runs no code ------------------------------------------------------------------------

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
    try: T.prepare_data_root(cfg.data); atomic_write_json(run / 'config.json', T._run_record(cfg))   # the record `train` writes: of the rendered data
    finally: os.environ.pop('RDFER_CACHE') if cache is None else os.environ.__setitem__('RDFER_CACHE', cache)
    (run / 'checkpoints').mkdir(); shutil.copy(tmp_path / 'evil.pt', run / 'checkpoints' / 'epoch_001.pt')
    r = rdfer_train('--preset', 'tiny', '--out-dir', str(run), env=env)
    assert r.returncode == 1 and 'epoch_001.pt: refused to load' in one_line(r)
    assert not marker.exists()


def test_checkpoints_load_weights_only(tiny_run):
    state = torch.load(sorted((tiny_run / 'run' / 'checkpoints').glob('*.pt'))[-1], weights_only=True)
    assert {'model', 'optimizer', 'strategy', 'rng', 'history', 'config'} <= set(state)


# ---- 2. one process per run folder; default names that do not collide ------------------------------------------

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
    names = [T.default_run_dir(config_from_params('synth', 'tiny', **kw)) for kw in sweep]
    assert len(set(names)) == len(sweep)
    assert T.default_run_dir(config_from_params('synth', 'tiny', workers=1)) == names[0]   # speed is not identity


# ---- 3. resume: the data's content is the identity, not its location ---------------------------------------------

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


# ---- 4. an error in a loader worker is the same one line ---------------------------------------------------------

def test_worker_errors_are_one_line(tmp_path, env):
    tree = make_dfew_tree(tmp_path / 'DFEW', n_clips=10, num_frames=10)
    for f in (tree / 'Clip/clip_224x224/00003').iterdir(): f.write_bytes(b'garbage')
    lines = []
    for workers in ('0', '2'):
        r = rdfer_train('--dataset', 'dfew', '--preset', 'tiny', '--data-root', str(tree), '--workers', workers,
                        '--out-dir', str(tmp_path / f'run{workers}'), env=env)
        assert r.returncode == 1
        lines.append(one_line(r))
    assert lines[0] == lines[1] and '00003/' in lines[0] and 'corrupt or unreadable image' in lines[0], lines


# ---- 5. variable frame rate: the frames asked for ---------------------------------------------------------------

def test_variable_frame_rate_video_gives_the_frames_asked(tmp_path):
    import av
    path, tb = tmp_path / 'vfr.mp4', Fraction(1, 120)          # 600 frames at 24 fps, then 600 at 30 fps
    times = [Fraction(k, 24) for k in range(600)] + [Fraction(600, 24) + Fraction(k, 30) for k in range(600)]
    with av.open(str(path), 'w') as c:
        s = c.add_stream('libx264', rate=30); s.width = s.height = 32; s.pix_fmt = 'yuv420p'
        s.options = {'qp': '0', 'preset': 'ultrafast'}; s.codec_context.time_base = tb
        for i, t in enumerate(times):
            f = av.VideoFrame.from_ndarray(_frame_array(i, 32, False), format='rgb24'); f.pts, f.time_base = int(t / tb), tb
            for pkt in s.encode(f): c.mux(pkt)
        for pkt in s.encode(): c.mux(pkt)
    want = segment_indices(1200, 8, train=False)
    assert want.tolist() == list(range(75, 1200, 150))
    rd = open_reader(path)
    np.testing.assert_array_equal(encoded_frame_numbers(rd.read(want)), want % 64)
    for lo in range(64, 130, 3):                                 # reads that start past frame 64 seek
        some = np.array([lo, lo + 500, 1150])
        np.testing.assert_array_equal(encoded_frame_numbers(rd.read(some)), some % 64)


# ---- 6. nothing accepted silently ---------------------------------------------------------------------------------

def test_dangling_symlink_and_mixed_sizes_are_reported(tmp_path):
    tree = make_dfew_tree(tmp_path / 'DFEW', n_clips=5, num_frames=10)
    clip = tree / 'Clip/clip_224x224'
    (clip / '00001' / '00011.jpg').symlink_to(tmp_path / 'gone.jpg')
    write_frames(clip / '00002', 1, size=48)                        # frame 1 of clip 2 is 48x48, the others 32x32
    write_frames(clip / '00003', 10)
    write_frames(clip / '00003', 6, size=40)                        # frames 1..6 of clip 3 are 40x40, 7..10 32x32
    for full in (False, True):
        msgs = [str(e) for e in check_data('dfew', tree, fold=1, min_frames=4, full=full).problems]
        assert any(m.endswith('00001/00011.jpg: dangling symlink: its target is missing') or
                   m.endswith('00001/00011.jpg: cannot read frame (No such file or directory)') for m in msgs), msgs
        assert any('00002: frames of different sizes: 00001.jpg is 48x48' in m for m in msgs), msgs
        assert any('00003: frames of different sizes' in m for m in msgs), msgs
    assert open_reader(clip / '00001').num_frames == 11              # the link is a frame of the clip, not dropped


def test_ferv39k_label_against_its_emotion_folder(tmp_path):
    tree = make_ferv39k_tree(tmp_path, n_clips=10, num_frames=4)
    p = tree / '4_setups/All_scenes/train_All.csv'
    p.write_text(p.read_text().replace('Action/Sad/0002 Sad', 'Action/Sad/0002 Angry'))
    msgs = [str(e) for e in check_data('ferv39k', tree, min_frames=4).problems]
    assert msgs == [f"{p}:2: label 'Angry' disagrees with the Emotion folder of 'Action/Sad/0002'; expected Sad"]


def test_zero_based_generic_labels_get_a_hint(tmp_path):
    tree = make_generic_tree(tmp_path, n_clips=10, label_style='zero', media=('frames',))
    msgs = [str(e) for e in check_data('generic', tree, min_frames=4).problems]
    assert msgs and all('a label 0 suggests 0-based numbering' in m and 'label_base=0' in m for m in msgs)
    assert check_data('generic', tree, min_frames=4, label_base=0).ok


def test_dfew_columns_swapped(tmp_path):
    tree = make_dfew_tree(tmp_path / 'DFEW', n_clips=12, num_frames=4)
    p = tree / 'EmoLabel_DataSplit/test(single-labeled)/set_1.csv'
    rows = [r.split(',') for r in p.read_text().splitlines()[1:]]     # 1,1 / 6,6 / 11,4
    p.write_text('label,video_name\n' + ''.join(f'{b},{a}\n' for a, b in rows))
    from rdfer.data import load_split
    assert [(i.video_id, i.label) for i in load_split('dfew', tree, 'test', 1)] == [('00001', 0), ('00006', 5), ('00011', 3)]
    p.write_text(''.join(f'{b},{a}\n' for a, b in rows))             # no header to say so
    with pytest.raises(DataError, match="set_1.csv:3: unknown label '11'.*are the columns swapped"): load_split('dfew', tree, 'test', 1)


# ---- 7. short clips are normal ------------------------------------------------------------------------------------

def test_short_clips_are_counted_not_failed(tmp_path):
    tree = make_ferv39k_tree(tmp_path, n_clips=14, num_frames=lambda k: 9 + 3 * k)   # 12..51 frames, as FERV39K's 9-50
    r = subprocess.run([*RDFER, 'check-data', '--dataset', 'ferv39k', '--root', str(tree)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout
    assert '2 clip(s) shorter than 16 frames (the shortest: 12 frames, ' in r.stdout and 'OK: no problems found' in r.stdout


# ---- 8. every option type- and range-checked before anything is written ------------------------------------------

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


# ---- 9. smaller things --------------------------------------------------------------------------------------------

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


# ---- issue 21: damaged run files, nested options ---------------------------------------------------------------

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


def test_unreadable_clip_folder_is_one_line_and_skippable(tmp_path, monkeypatch):
    from rdfer import data as D
    from rdfer.sampling import VideoClipDataset, make_loader
    tree = make_dfew_tree(tmp_path / 'DFEW', n_clips=10, num_frames=6)
    locked, names = tree / 'Clip/clip_224x224/00003', D.frame_names
    def frame_names(folder):            # as a folder without read permission behaves (the tests may run as root)
        if Path(folder) == locked: raise PermissionError(13, 'Permission denied', str(folder))
        return names(folder)
    monkeypatch.setattr(D, 'frame_names', frame_names)
    rep = check_data('dfew', tree, fold=1)
    assert [str(e) for e in rep.problems] == [f'{locked}: cannot list the frame folder (Permission denied)']
    items = D.load_split('dfew', tree, 'train', 1) + D.load_split('dfew', tree, 'test', 1)
    k = [i for i, it in enumerate(items) if it.video_id == '00003'][0]
    ds = VideoClipDataset(items, num_frames=4, size=32, on_error='skip')
    assert ds[k]['skipped'] == ('00003', f'{locked}: cannot list the frame folder (Permission denied)')
    ds.on_error = 'raise'
    with pytest.raises(DataError, match='cannot list the frame folder'):
        for _ in make_loader(ds, 4, workers=2): pass


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
    monkeypatch.setenv('RDFER_CACHE', str(tmp_path / 'cache'))
    cfg = config_from_params('synth', 'tiny', out_dir=str(tmp_path / 'run'), resume=True)
    cfg.data.synth = dict(videos=14, frames=8, size=32)
    T.prepare_data_root(cfg.data)
    run = tmp_path / 'run'; (run / 'checkpoints').mkdir(parents=True); (run / 'checkpoints' / 'epoch_002.pt').write_bytes(b'')
    rec = T._run_record(cfg); rec['identity']['data'] = hashlib.sha256(json.dumps(cfg.data.synth, sort_keys=True).encode()).hexdigest()[:16]
    atomic_write_json(run / 'config.json', rec); atomic_write_json(run / 'final_metrics.json', {'last': {'uar': 1.0}})
    assert T._check_run_dir(cfg, run, True)['last'] == {'uar': 1.0}        # the package's own folder: its options stood for its files
    cfg.data.root = str(T.synth_root(cfg.data).parent / 'copy')             # named elsewhere: the files must match
    import shutil as sh; sh.copytree(T.synth_root(dataclasses_replace(cfg.data, root='')), cfg.data.root, symlinks=True)
    with pytest.raises(DataError, match="split files differ"): T._check_run_dir(cfg, run, True)


def dataclasses_replace(obj, **kw):
    import dataclasses
    return dataclasses.replace(obj, **kw)
