"""The synthetic benchmark end to end: DFEW layout, folds, determinism, metadata consistency, noise and
hardness rates, the CLI, the mp4s, and `rdfer.data.check_data` on the output."""
import csv, hashlib, json, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from rdfer.core import CLASSES, class_index
from rdfer.synth import CONFUSABLE, read_metadata, relabel_benchmark, render_benchmark, synth_command

CFG = dict(videos=28, frames=12, size=32, noise_rate=0.3, hard_rate=0.4, seed=0)


def hashes(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*')) if p.is_file()}


def split(root, kind, k):
    with open(Path(root) / f'EmoLabel_DataSplit/{kind}(single-labeled)/set_{k}.csv', newline='') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['video_name', 'label']
    return {v: int(l) for v, l in rows[1:]}


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    return render_benchmark(tmp_path_factory.mktemp('a') / 'synth', **CFG)


def test_layout_is_dfew(bench):
    ids = [f'{i:05d}' for i in range(1, 29)]
    assert sorted(p.name for p in (bench / 'Clip/clip_224x224').iterdir()) == ids
    assert sorted(p.name for p in (bench / 'Clip/original').iterdir()) == [f'{i}.mp4' for i in ids]
    for vid in ids:
        assert sorted(p.name for p in (bench / 'Clip/clip_224x224' / vid).iterdir()) == [f'{t:05d}.jpg' for t in range(1, 13)]
    for kind in ('train', 'test'):
        assert sorted(p.name for p in (bench / f'EmoLabel_DataSplit/{kind}(single-labeled)').iterdir()) == [f'set_{k}.csv' for k in range(1, 6)]
    top = sorted(p.name for p in bench.iterdir())
    assert top == ['Clip', 'EmoLabel_DataSplit', 'synth_meta.csv', 'synth_params.json']
    from PIL import Image
    im = Image.open(bench / 'Clip/clip_224x224/00001/00001.jpg')
    assert im.size == (32, 32) and im.mode == 'RGB'


def test_folds(bench):
    meta = {r['video_id']: r for r in read_metadata(bench)}
    in_test = {}
    for k in range(1, 6):
        tr, te = split(bench, 'train', k), split(bench, 'test', k)
        assert not set(tr) & set(te) and set(tr) | set(te) == set(meta)
        for v, lab in te.items():
            in_test.setdefault(v, []).append(k)
            assert lab == class_index(meta[v]['true_label']) + 1          # test labels are the true ones
            assert meta[v]['test_fold'] == k
        for v, lab in tr.items(): assert lab == class_index(meta[v]['given_label']) + 1   # train labels the given ones
        # stratified: every class's test count per fold differs by at most one across folds
    assert all(len(f) == 1 for f in in_test.values()) and len(in_test) == 28
    per = np.zeros((7, 5), int)
    for r in meta.values(): per[class_index(r['true_label']), r['test_fold'] - 1] += 1
    assert (per.max(1) - per.min(1)).max() <= 1


def test_metadata_consistency(bench):
    meta = read_metadata(bench)
    assert len(meta) == 28
    for r in meta:
        assert r['noisy'] == int(r['given_label'] != r['true_label'])
        assert 0 <= r['key_start'] <= r['key_end'] < 12
        assert (r['difficulty'] == 'hard') == bool(r['hard_factors'])
        for seg in filter(None, r['nontarget_segments'].split(';')):
            name, rng = seg.split(':'); a, b = map(int, rng.split('-'))
            assert name in CLASSES and 0 <= a <= b < 12
            assert b < r['key_start'] or a > r['key_end']                 # non-target segments lie outside the key
    assert sum(r['noisy'] for r in meta) == round(0.3 * 28)
    assert sum(r['difficulty'] == 'hard' for r in meta) == round(0.4 * 28)
    p = json.loads((bench / 'synth_params.json').read_text())
    assert p['format_version'] == 1 and p['videos'] == 28 and p['noise_rate'] == 0.3


def test_mp4_frames(bench):
    import av
    with av.open(str(bench / 'Clip/original/00003.mp4')) as c:
        s = c.streams.video[0]
        assert s.codec_context.pix_fmt == 'yuv420p' and (s.codec_context.width, s.codec_context.height) == (32, 32)
        frames = [f.to_ndarray(format='rgb24') for f in c.decode(video=0)]
    assert len(frames) == 12
    from PIL import Image
    jpg = np.asarray(Image.open(bench / 'Clip/clip_224x224/00003/00005.jpg')).astype(int)
    assert np.abs(frames[4].astype(int) - jpg).mean() < 12                # same picture in both media


def test_deterministic(bench, tmp_path):
    again = render_benchmark(tmp_path / 'b', workers=1, **CFG)             # another process count, same bytes
    assert hashes(again) == hashes(bench)
    other = render_benchmark(tmp_path / 'c', **{**CFG, 'seed': 1})
    h1, h2 = hashes(other), hashes(bench)
    assert h1.keys() == h2.keys() and sum(h1[k] != h2[k] for k in h1) > 0.9 * len(h1)


def test_noise_changes_labels_not_pixels(bench, tmp_path):
    clean = render_benchmark(tmp_path / 'clean', **{**CFG, 'noise_rate': 0.0})
    hb, hc = hashes(bench), hashes(clean)
    assert {k: v for k, v in hb.items() if k.startswith('Clip')} == {k: v for k, v in hc.items() if k.startswith('Clip')}
    assert all(r['noisy'] == 0 for r in read_metadata(clean))
    conf = relabel_benchmark(clean, tmp_path / 'conf', 0.5, 'confusable')
    meta = read_metadata(conf)
    assert sum(r['noisy'] for r in meta) == 14
    assert all(r['given_label'] == CONFUSABLE[r['true_label']] for r in meta if r['noisy'])
    assert (conf / 'Clip').is_symlink() and (conf / 'Clip/original/00001.mp4').exists()
    for k in range(1, 6): assert split(conf, 'test', k) == split(clean, 'test', k)


def test_cli_and_errors(tmp_path, capsys):
    assert synth_command(['--out', str(tmp_path / 'x'), '--videos', '10', '--frames', '4', '--size', '16',
                          '--noise-rate', '0.2', '--hard-rate', '0.5']) == 0
    assert '10 videos, 5 hard, 2 noisy labels' in capsys.readouterr().out
    assert synth_command(['--out', str(tmp_path / 'y'), '--noise-rate', '1.5']) == 2
    assert '--noise-rate' in capsys.readouterr().err
    (tmp_path / 'z').mkdir(); (tmp_path / 'z' / 'keep.txt').write_text('user data')
    assert synth_command(['--out', str(tmp_path / 'z'), '--videos', '7']) == 2
    assert (tmp_path / 'z' / 'keep.txt').exists()                       # never clears a folder it did not write


def test_rdfer_command(tmp_path):
    r = subprocess.run([sys.executable, '-c', 'import sys; from rdfer.cli import main; sys.exit(main(sys.argv[1:]))',
                        'synth', '--out', str(tmp_path / 's'), '--videos', '7', '--frames', '4', '--size', '16'],
                       capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert r.returncode == 0, r.stderr
    assert len(read_metadata(tmp_path / 's')) == 7


def test_check_data_passes(bench):
    data = pytest.importorskip('rdfer.data')
    rep = data.check_data('dfew', bench, min_frames=12, full=True)
    assert rep.ok, rep.summary()
    items = data.load_split('dfew', bench, 'train', fold=2)
    meta = {r['video_id']: r for r in read_metadata(bench)}
    assert {it.video_id for it in items} == {v for v, r in meta.items() if r['test_fold'] != 2}
    assert all(it.label == class_index(meta[it.video_id]['given_label']) for it in items)


def test_two_processes_asking_for_one_benchmark_take_turns(tmp_path, capsys):
    "A second process (two `rdfer main` on one folder) waits for the render, told who renders, then finds it there."
    from rdfer.synth import ensure_benchmark
    root = tmp_path / 'b'
    holder = subprocess.Popen([sys.executable, '-c', 'import fcntl, sys, time; f = open(sys.argv[1], "a+"); fcntl.flock(f, fcntl.LOCK_EX); '
                               'f.truncate(0); f.write("pid 4242"); f.flush(); print("held", flush=True); time.sleep(1.5)',
                               str(tmp_path / '.b.lock')], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == 'held'
    out = ensure_benchmark(root, videos=7, frames=6, size=32, workers=1)
    holder.wait()
    assert f'[rdfer] waiting for {root}: pid 4242 is rendering it' in capsys.readouterr().out
    assert len(read_metadata(out)) == 7
