"Data pipeline: dataset trees in the exact DFEW (each media folder) / FERV39K / MAFW / generic layouts, broken ones included, through loaders and check-data."
import random, contextlib, io, os, re, shutil, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rdfer.core import CLASSES, DataError
from rdfer.data import VideoItem, check_data, check_data_command, load_split, open_reader
from rdfer.testing import _frame_array, encoded_frame_numbers, make_dfew_tree, make_ferv39k_tree, make_generic_tree, make_mafw_tree, write_frames, write_video
from fractions import Fraction
from conftest import RDFER, one_line, rdfer_train
from rdfer.sampling import (SkipReport, VideoClipDataset, collate_clips, make_loader, multi_view_indices, segment_indices)

REPO = Path(__file__).resolve().parents[1]
SPLIT = 'EmoLabel_DataSplit/{}(single-labeled)/set_{}.csv'
ident = lambda x: x  # a transform that keeps the decoded uint8 frames, so their values can be checked


@pytest.fixture
def dfew(tmp_path):
    "10 clips, clip k has 8*k frames and an mp4 of the same frames."
    return make_dfew_tree(tmp_path/'DFEW', n_clips=10, num_frames=lambda k: 8 * k, videos=True)


def run_check(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out): rc = check_data_command(argv)
    return rc, out.getvalue()


# ---- the right frames, in the right order ------------------------------------------------------------------------

@pytest.mark.parametrize('media', ['frames', 'video'])
def test_test_clips_are_segment_centres(dfew, media):
    items = load_split('dfew', dfew, 'test', 1, media=media)        # clips 1 and 6: 8 and 48 frames
    assert [(i.video_id, i.media) for i in items] == [('00001', media), ('00006', media)]
    ds = VideoClipDataset(items, num_frames=16, transform=ident)
    np.testing.assert_array_equal(encoded_frame_numbers(ds[0]['video']), np.repeat(np.arange(8), 2))  # short: repeats
    np.testing.assert_array_equal(encoded_frame_numbers(ds[1]['video']), (np.arange(16) * 3 + 1))     # 48 frames: 1, 4, 7, ...


def test_frame_and_video_readers_agree(dfew):
    it_f, it_v = load_split('dfew', dfew, 'train', 1, media='frames')[-1], load_split('dfew', dfew, 'train', 1, media='video')[-1]
    idx = [63, 0, 5, 5, 40]
    f, v = open_reader(it_f).read(idx), open_reader(it_v).read(idx)
    np.testing.assert_array_equal(encoded_frame_numbers(f), idx[:1] + [0, 5, 5, 40])
    np.testing.assert_array_equal(encoded_frame_numbers(v), encoded_frame_numbers(f))
    assert (f.int() - v.int()).abs().max() <= 3      # lossless h264 of grey frames: within YUV rounding


def test_16_frame_version_sorts_numerically(tmp_path):
    r = make_dfew_tree(tmp_path/'DFEW', n_clips=5, num_frames=16, version='224x16f', split_suffix=False)
    assert sorted(p.name for p in (r/'Clip/clip_224x16f/00001').iterdir())[:3] == ['1.jpg', '10.jpg', '11.jpg']
    it = load_split('dfew', r, 'train', 1)[0]
    assert it.path == r/'Clip/clip_224x16f/00002'
    rd = open_reader(it)
    np.testing.assert_array_equal(encoded_frame_numbers(rd.read(range(16))), np.arange(16))


DFEW_MEDIA = {'clip_224x224': dict(version='224x224'), 'clip_224x224_16f': dict(version='224x224_16f'), 'clip_224x16f': dict(version='224x16f'),
              'clip_224x224_avi': dict(frames=False, videos=True, video_folder='clip_224x224_avi'),
              'original': dict(frames=False, videos=True, video_folder='original', padded_video_names=False)}


@pytest.mark.parametrize('folder', DFEW_MEDIA)
def test_each_dfew_media_folder_alone_loads_and_checks(tmp_path, folder):
    "A copy holding only one of DFEW's media folders: every fold loads from it, the frames come back in order, check-data passes and names it."
    r = make_dfew_tree(tmp_path/'DFEW', n_clips=6, num_frames=16, **DFEW_MEDIA[folder])
    media = 'video' if DFEW_MEDIA[folder].get('videos') else 'frames'
    for fold in range(1, 6):
        items = load_split('dfew', r, 'train', fold) + load_split('dfew', r, 'test', fold)
        assert sorted(i.video_id for i in items) == [f'{k:05d}' for k in range(1, 7)]
        assert {(i.path.parent, i.media) for i in items} == {(r/'Clip'/folder, media)}
    np.testing.assert_array_equal(encoded_frame_numbers(open_reader(items[0]).read(range(16))), np.arange(16))
    rc, out = run_check(['--dataset', 'dfew', '--root', str(r)])
    assert rc == 0 and 'OK: no problems found' in out and f'media: Clip/{folder}/ (6 ' in out, out


def test_16_frame_copy_through_the_rdfer_command(tmp_path):
    "`rdfer check-data` (the installed command) on a copy that holds only Clip/clip_224x224_16f; `--folder` picks one of several."
    r = make_dfew_tree(tmp_path/'DFEW', n_clips=5, num_frames=16, version='224x224_16f')
    cmd = [str(Path(sys.executable).parent / 'rdfer'), 'check-data', '--dataset', 'dfew', '--root', str(r), '--fold', '1']
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and 'media: Clip/clip_224x224_16f/ (5 frame folders)' in p.stdout, p.stdout + p.stderr
    make_dfew_tree(r, n_clips=5, num_frames=16)                         # the full-frame version beside it: preferred ...
    assert run_check(['--dataset', 'dfew', '--root', str(r), '--fold', '1'])[1].count('media: Clip/clip_224x224/') == 1
    rc, out = run_check(['--dataset', 'dfew', '--root', str(r), '--fold', '1', '--folder', 'clip_224x224_16f'])   # ... unless one is named
    assert rc == 0 and 'media: Clip/clip_224x224_16f/' in out


@pytest.mark.parametrize('kw, folder', [({}, 'data/frames'), (dict(frame_folder='faces'), 'data/faces'),
                                        (dict(frame_folder=None, videos=True), 'data/clips'), (dict(split_dir='split'), 'data/frames')])
def test_mafw_layouts_load_and_check(tmp_path, kw, folder):
    "MAFW's frames, face crops or videos, and either name of its split folder: 5 folds of its eleven classes, check-data clean."
    from rdfer.core import MAFW_CLASSES
    m = make_mafw_tree(tmp_path/'MAFW', n_clips=22, num_frames=16, **kw)
    for fold in range(1, 6):
        tr, te = load_split('mafw', m, 'train', fold), load_split('mafw', m, 'test', fold)
        assert len(tr) + len(te) == 22 and not {i.video_id for i in tr} & {i.video_id for i in te}
    assert sorted({i.label for i in tr + te}) == list(range(len(MAFW_CLASSES)))
    assert {i.path.parent for i in tr + te} == {m/folder}
    rc, out = run_check(['--dataset', 'mafw', '--root', str(m)])
    assert rc == 0 and f'media: {folder}/ (22 ' in out and 'Disappoi' in out, out


def test_mafw_bad_rows_are_named(tmp_path):
    m = make_mafw_tree(tmp_path/'MAFW', n_clips=11, num_frames=16)
    f = m/'Train & Test Set/single/no_caption/set_2/test.txt'
    f.write_text(f.read_text() + '00099.mp4 anger_disgust\n00098.mp4\n')
    rc, out = run_check(['--dataset', 'mafw', '--root', str(m), '--fold', '2'])
    assert rc == 1
    assert "set_2/test.txt:3: unknown label 'anger_disgust'" in out and 'a compound label' in out
    assert "set_2/test.txt:4: malformed row '00098.mp4'; expected <clip>.mp4 <label>" in out


def test_long_video_seek_returns_the_right_frames(tmp_path):
    v = write_video(tmp_path/'long.mp4', 150)
    rd = open_reader(v)
    assert rd.num_frames == 150
    idx = segment_indices(150, 16, True, np.random.default_rng(0))
    np.testing.assert_array_equal(encoded_frame_numbers(rd.read(idx)), idx % 64)
    np.testing.assert_array_equal(encoded_frame_numbers(rd.read([149, 100, 120])), np.array([149, 100, 120]) % 64)


def test_container_without_frame_count(tmp_path):
    v = write_video(tmp_path/'a.mkv', 30)
    rd = open_reader(v)
    assert rd.num_frames == 30
    np.testing.assert_array_equal(encoded_frame_numbers(rd.read([29, 0, 15])), [29, 0, 15])


def test_png_frames(tmp_path):
    d = write_frames(tmp_path/'c', 5, names='img_{}.png')
    np.testing.assert_array_equal(encoded_frame_numbers(open_reader(d).read([4, 1])), [4, 1])


# ---- labels and splits --------------------------------------------------------------------------------------------

def test_dfew_labels_folds_and_ids(dfew):
    (dfew/SPLIT.format('train', 2)).write_text('video_name,label\n00003,5\n4,7\n')
    assert [(i.video_id, CLASSES[i.label]) for i in load_split('dfew', dfew, 'train', 2)] == [('00003', 'Surprise'), ('00004', 'Fear')]
    make_dfew_tree(dfew, n_clips=10, num_frames=lambda k: 8 * k)  # restore
    all_ids = {f'{k:05d}' for k in range(1, 11)}
    for f in range(1, 6):
        tr, te = {i.video_id for i in load_split('dfew', dfew, 'train', f)}, {i.video_id for i in load_split('dfew', dfew, 'test', f)}
        assert not tr & te and tr | te == all_ids
    tests = [i.video_id for f in range(1, 6) for i in load_split('dfew', dfew, 'test', f)]
    assert sorted(tests) == sorted(all_ids)                        # every clip is tested in exactly one fold
    it = load_split('dfew', dfew, 'test', 3)[1]
    assert (it.video_id, it.label, it.source) == ('00008', 0, f'{dfew/SPLIT.format("test", 3)}:3')


def test_dfew_only_videos(tmp_path):
    r = make_dfew_tree(tmp_path/'DFEW', n_clips=5, frames=False, videos=True)
    items = load_split('dfew', r, 'test', 1)
    assert [(i.media, i.path.name) for i in items] == [('video', '00001.mp4')]
    with pytest.raises(ValueError, match='no frame folder'): load_split('dfew', r, 'test', 1, media='frames')


@pytest.mark.parametrize('nested,sep,numeric', [(False, ' ', False), (True, ' ', False), (False, ',', True)])
def test_ferv39k_layouts_and_labels(tmp_path, nested, sep, numeric):
    r = make_ferv39k_tree(tmp_path, n_clips=14, nested=nested, sep=sep, numeric_labels=numeric)
    tr, te = load_split('ferv39k', r, 'train'), load_split('ferv39k', r, 'test')
    assert [i.video_id for i in te] == ['Daily/Surprise/0005', 'Action/Neutral/0010']
    assert all(CLASSES[i.label] == i.video_id.split('/')[1] for i in tr + te)
    assert not {i.video_id for i in tr} & {i.video_id for i in te} and len(tr) + len(te) == 14
    np.testing.assert_array_equal(encoded_frame_numbers(open_reader(te[0]).read([9, 0])), [9, 0])


def test_generic_options(tmp_path):
    r = make_generic_tree(tmp_path, n_clips=10, label_style='one')
    assert [i.label for i in load_split('generic', r, 'test')] == [4, 2]
    (r/'all.csv').write_text('video_id,path,label,split\nA,frames/clip_000,Happy,train\nB,videos/clip_001.mp4,sad,test\n')
    assert [(i.video_id, i.label, i.media) for i in load_split('generic', r, 'test', annotations='all.csv')] == [('B', 1, 'video')]
    assert [i.video_id for i in load_split('generic', r, 'train', annotations=str(r/'{split}.csv'))][:1] == ['frames/clip_000']
    z = make_generic_tree(tmp_path/'z', n_clips=10, label_style='zero', media=('frames',))
    assert [i.label for i in load_split('generic', z, 'train', label_base=0)][:3] == [0, 1, 2]
    with pytest.raises(DataError, match=r"train.csv:2: unknown label '0'"): load_split('generic', z, 'train')


# ---- bad input: each raises a DataError naming the file --------------------------------------------------------

def test_wrong_roots_name_expected_folders(tmp_path):
    with pytest.raises(DataError, match='expected the folders EmoLabel_DataSplit/ and Clip/clip_224x224/'): load_split('dfew', tmp_path/'nope', 'train')
    with pytest.raises(DataError, match='expected the folders 2_ClipsforFaceCrop/ and 4_setups/All_scenes/'): load_split('ferv39k', tmp_path, 'train')
    with pytest.raises(DataError, match=r'train.csv: annotation CSV missing'): load_split('generic', tmp_path, 'train')


def test_missing_split_file(dfew):
    (dfew/SPLIT.format('test', 4)).unlink()
    with pytest.raises(DataError, match=r'set_4.csv: DFEW split file missing'): load_split('dfew', dfew, 'test', 4)


@pytest.mark.parametrize('row,msg', [('x7,1', "set_1.csv:4: malformed row 'x7,1'"), ('7', "set_1.csv:4: malformed row '7'"),
                                     ('7,8', "set_1.csv:4: unknown label '8'"), ('7,Contempt', "set_1.csv:4: unknown label 'Contempt'"),
                                     ('6,6', "set_1.csv:4: video id '00006' listed twice .first at line 3.")])
def test_bad_rows_name_file_and_line(dfew, row, msg):
    p = dfew/SPLIT.format('test', 1)
    p.write_text(p.read_text() + row + '\n')
    with pytest.raises(DataError, match=msg): load_split('dfew', dfew, 'test', 1)


def test_generic_bad_header_and_row(tmp_path):
    r = make_generic_tree(tmp_path, n_clips=5, media=('frames',))
    (r/'train.csv').write_text('file,emotion\nframes/clip_000,Happy\n')
    with pytest.raises(DataError, match=r"train.csv:1: header 'file,emotion' lacks the columns path,label"): load_split('generic', r, 'train')
    (r/'train.csv').write_text('path,label\nframes/clip_000\n')
    with pytest.raises(DataError, match=r'train.csv:2: malformed row'): load_split('generic', r, 'train')


def _break(root: Path):
    "Damage a DFEW tree in every way a clip can be damaged; returns what check-data must say for each."
    c = root/'Clip/clip_224x224'
    shutil.rmtree(c/'00002')                                         # missing frame folder (no mp4 either)
    (root/'Clip/original/00002.mp4').unlink()
    for f in (c/'00003').iterdir(): f.unlink()                       # empty frame folder
    (root/'Clip/original/00003.mp4').unlink()
    for f in (c/'00004').iterdir(): f.write_bytes(b'\xff\xd8' + bytes(100) + b'\xff\xd9')  # corrupt JPEGs, headers intact
    shutil.rmtree(c/'00005')                                         # no frames: falls back to its mp4, which is truncated
    mp4 = root/'Clip/original/00005.mp4'; mp4.write_bytes(mp4.read_bytes()[:300])
    return {'00002': r'00002: frame folder missing', '00003': r'00003: no frames', '00004': r'00004/\d{5}\.jpg: corrupt or unreadable image',
            '00005': r'00005\.mp4: unreadable video'}


def test_broken_clips_raise_naming_the_file(dfew):
    expect = _break(dfew)
    items = {i.video_id: i for f in (1, 2) for s in ('train', 'test') for i in load_split('dfew', dfew, s, f)}
    for vid in ('00002', '00003', '00004', '00005'):
        with pytest.raises(DataError, match=expect[vid]): VideoClipDataset([items[vid]], num_frames=4)[0]
    with pytest.raises(DataError, match='00001: clip too short: 8 frames, at least 16 asked'):
        VideoClipDataset([items['00001']], num_frames=4, min_frames=16)[0]


def test_corrupt_and_truncated_files(tmp_path):
    v = write_video(tmp_path/'a.mp4', 30)
    (tmp_path/'junk.mp4').write_bytes(random.Random(0).randbytes(2000))   # fixed junk: os.urandom once parsed as a container with no video stream
    with pytest.raises(DataError, match='junk.mp4: unreadable video'): open_reader(tmp_path/'junk.mp4')
    d = write_frames(tmp_path/'f', 4)
    (d/'00002.jpg').write_bytes((d/'00002.jpg').read_bytes()[:60])
    with pytest.raises(DataError, match='00002.jpg: corrupt or unreadable image'): open_reader(d).read([0, 1, 2])
    (d/'00003.jpg').write_bytes(b'')
    with pytest.raises(DataError, match='00003.jpg: empty image file'): open_reader(d).read([2])
    assert open_reader(v).num_frames == 30


# ---- skipping, never silently -----------------------------------------------------------------------------------

def test_skip_mode_counts_and_reports(dfew):
    _break(dfew)
    items = [i for s in ('train', 'test') for i in load_split('dfew', dfew, s, 1)]
    ds = VideoClipDataset(items, num_frames=4, size=16, on_error='skip', train=True)
    for workers in (0, 2):
        rep, n = SkipReport(), 0
        for b in make_loader(ds, batch_size=3, shuffle=True, workers=workers):
            rep.update(b); n += len(b['label'])
            assert b['video'].shape[1:] == (4, 3, 16, 16) if len(b['label']) else True
        assert (rep.count, n) == (4, 6)
        assert sorted(v for v, _ in rep.items) == ['00002', '00003', '00004', '00005']
        text = rep.format(epoch=1)
        assert text.startswith('epoch 1: skipped 4 broken video(s)') and 'frame folder missing' in text
    with pytest.raises(DataError):
        for _ in make_loader(VideoClipDataset(items, num_frames=4, size=16), batch_size=3): pass


def test_collate_all_skipped():
    b = collate_clips([{'skipped': ('x', 'bad'), 'index': 0}])
    assert b['label'].shape == (0,) and b['skipped'] == [('x', 'bad')] and b['video_id'] == []


# ---- reproducibility and views ----------------------------------------------------------------------------------

def _epoch_batches(ds, workers, epochs=2):
    dl, out = make_loader(ds, batch_size=4, shuffle=True, workers=workers, seed=7), []
    for e in range(epochs):
        ds.set_epoch(e)
        out.append({vid: v for b in dl for vid, v in zip(b['video_id'], b['video'])})
    return out


def test_reproducible_across_workers_and_epochs(dfew):
    items = load_split('dfew', dfew, 'train', 1)
    a = _epoch_batches(VideoClipDataset(items, num_frames=8, size=24, train=True, seed=1), workers=0)
    b = _epoch_batches(VideoClipDataset(items, num_frames=8, size=24, train=True, seed=1), workers=2)
    c = _epoch_batches(VideoClipDataset(items, num_frames=8, size=24, train=True, seed=2), workers=0)
    same = lambda x, y: torch.allclose(x, y, atol=1e-4)          # (thread counts may change float rounding, not the draws)
    for e in range(2):
        assert a[e].keys() == b[e].keys() and all(same(a[e][k], b[e][k]) for k in a[e])   # workers do not matter
    assert sum(same(a[0][k], a[1][k]) for k in a[0]) == 0     # the epoch changes the draws (also in persistent workers)
    assert sum(same(a[0][k], c[0][k]) for k in a[0]) == 0     # and so does the seed


def test_multi_view_clips_differ(dfew):
    items = load_split('dfew', dfew, 'train', 1)
    ds = VideoClipDataset(items, num_frames=8, train=True, views=4, transform=ident)
    v = ds[len(items) - 1]['video']                                # 80 frames, 8 segments of 10
    assert v.shape == (4, 8, 3, 32, 32)
    nums = np.stack([encoded_frame_numbers(x) for x in v])
    # frame numbers are encoded mod 64: compare with the indices the dataset says it drew
    idx = ds.frame_indices(len(items) - 1, 80)
    np.testing.assert_array_equal(nums, idx % 64)
    assert all((idx[i] != idx[j]).all() for i in range(4) for j in range(i))
    assert multi_view_indices(80, 8, 4, np.random.default_rng(0)).tolist() == multi_view_indices(80, 8, 4, np.random.default_rng(0)).tolist()
    b = collate_clips([ds[0], ds[1]])
    assert b['video'].shape == (2, 4, 8, 3, 32, 32)


# ---- check-data -------------------------------------------------------------------------------------------------

def test_check_data_collects_every_problem(dfew):
    expect = _break(dfew)
    p = dfew/SPLIT.format('train', 1)
    p.write_text(p.read_text() + '3,3\n11,9\nbad row\n')
    t = dfew/SPLIT.format('test', 1)
    t.write_text(t.read_text() + '2,2\n')                           # 00002 also in fold 1's training set
    rep = check_data('dfew', dfew, fold=1)
    msgs = [str(e) for e in rep.problems]
    for pat in expect.values(): assert any(re.search(pat, m) for m in msgs), (pat, msgs)
    assert sum('00004/' in m for m in msgs) == 3     # first, middle and last frame decoded; the rest only header-checked
    assert not any('too short' in m for m in msgs) and rep.short[0][0] == 8    # a short clip is counted, not a problem
    assert any(m.endswith(f"set_1.csv:10: video id '00003' listed twice (first at line 3)") for m in msgs), msgs
    assert any("set_1.csv:11: unknown label '9'" in m for m in msgs)
    assert any("set_1.csv:12: malformed row 'bad row'" in m for m in msgs)
    assert any("set_1.csv:4: video id '00002' is in both the train and the test split of fold 1" in m for m in msgs), msgs
    assert not rep.ok and rep.counts['fold1/test'] == [1, 1, 0, 0, 0, 1, 0]


def test_check_data_cli(dfew, tmp_path):
    rc, out = run_check(['--dataset', 'dfew', '--root', str(dfew), '--min-frames', '8'])
    assert rc == 0 and 'OK: no problems found' in out and 'fold5/test' in out
    rc, out = run_check(['--dataset', 'dfew', '--root', str(dfew), '--fold', '2'])
    assert rc == 0 and '1 clip(s) shorter than 16 frames (the shortest: 8 frames, ' in out and 'fold1' not in out   # short clips are normal
    rc, out = run_check(['--dataset', 'dfew', '--root', str(tmp_path/'nowhere')])
    assert rc == 1 and 'not a DFEW root: expected the folders' in out
    assert run_check(['--dataset', 'dfew'])[0] == 2
    assert run_check(['--dataset', 'dfew', '--root', str(dfew), '--fold', '6'])[0] == 2
    g = make_generic_tree(tmp_path/'g', n_clips=5, num_frames=16)
    assert run_check(['--dataset', 'generic', '--root', str(g), '--full'])[0] == 0


def test_check_data_subprocess(dfew):
    _break(dfew)
    env = dict(os.environ, PYTHONPATH=f'{REPO}{os.pathsep}{os.environ.get("PYTHONPATH", "")}')
    exe = REPO/'.venv/bin/rdfer'
    cmd = [str(exe)] if exe.exists() else [sys.executable, '-c', 'import sys; from rdfer.cli import main; sys.exit(main())']   # rdfer.cli has no __main__
    p = subprocess.run(cmd + ['check-data', '--dataset', 'dfew', '--root', str(dfew), '--fold', '1', '--min-frames', '8'],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 1, p.stdout + p.stderr
    assert '00004/00001.jpg: corrupt or unreadable image' in p.stdout and '6 problem(s):' in p.stdout


def test_check_data_full_decodes_every_frame(dfew):
    _break(dfew)
    rep = check_data('dfew', dfew, fold=1, min_frames=8, full=True)
    assert sum('00004/' in str(e) for e in rep.problems) == 32 and len(rep.problems) == 35
    assert not any('header-checked' in n for n in rep.notes)


# ---- an error in a loader worker is the same one line ---------------------------------------------------------

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


# ---- variable frame rate: the frames asked for ---------------------------------------------------------------

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


# ---- nothing accepted silently ---------------------------------------------------------------------------------

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


# ---- short clips are normal ------------------------------------------------------------------------------------

def test_short_clips_are_counted_not_failed(tmp_path):
    tree = make_ferv39k_tree(tmp_path, n_clips=14, num_frames=lambda k: 9 + 3 * k)   # 12..51 frames, as FERV39K's 9-50
    r = subprocess.run([*RDFER, 'check-data', '--dataset', 'ferv39k', '--root', str(tree)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout
    assert '2 clip(s) shorter than 16 frames (the shortest: 12 frames, ' in r.stdout and 'OK: no problems found' in r.stdout


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


