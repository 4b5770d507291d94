"""The decoded-frame cache through the loaders and the training engine: same metrics as the JPEGs, damaged and stale entries."""
import csv, json, os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch

from rdfer.cache import build_cache, cached_items, read_manifest, entry_key, CLIPS, MANIFEST
from rdfer.core import DataError
from rdfer.data import load_split
from rdfer.testing import encoded_frame_numbers, make_dfew_tree, write_frames
from rdfer.sampling import VideoClipDataset, clip_transform, collate_clips

TIME_COLS = {'epoch_time_s', 'videos_per_s', 'lr'}


@pytest.fixture
def dfew(tmp_path):
    root = make_dfew_tree(tmp_path / 'DFEW', n_clips=6, num_frames=lambda k: 6 + 2 * k, size=48, texture=True)
    return root, load_split('dfew', root, 'train', 1) + load_split('dfew', root, 'test', 1)


def test_test_clips_from_cache_equal_the_jpegs(dfew, tmp_path):
    "Resize to the frame size happens once in the cache instead of in the transform: test clips are identical."
    _, items = dfew
    build_cache(items, tmp_path / 'c', size=32, progress=False)
    cached, info = cached_items(items, tmp_path / 'c', size=32)
    assert info['cached'] == len(items)
    a = VideoClipDataset(items, num_frames=8, size=32, train=False)
    b = VideoClipDataset(cached, num_frames=8, size=32, train=False)
    for i in range(len(items)): assert torch.equal(a[i]['video'], b[i]['video']), i
    ta = VideoClipDataset(items, num_frames=8, size=32, train=True, transform=clip_transform(True, 32, jitter=0))
    tb = VideoClipDataset(cached, num_frames=8, size=32, train=True, transform=clip_transform(True, 32, jitter=0))
    x, y = ta[3]['video'], tb[3]['video']        # the same crops and flips, resized from 48 px vs from 32 px
    assert not torch.equal(x, y)
    torch.testing.assert_close(x.mean((1, 2, 3)), y.mean((1, 2, 3)), atol=0.05, rtol=0)


def test_damaged_cache_file_is_named_not_read(dfew, tmp_path):
    _, items = dfew
    build_cache(items, tmp_path / 'c', size=32, progress=False)
    cached, _ = cached_items(items, tmp_path / 'c', size=32)
    f = cached[2].path
    raw = bytearray(f.read_bytes()); raw[len(raw) // 2] ^= 0x55; f.write_bytes(raw)
    ds = VideoClipDataset(cached, num_frames=64, size=32, train=False)
    with pytest.raises(DataError, match=f'{f.name}: damaged cache file: frame .* fails its checksum'): ds[2]
    skip = VideoClipDataset(cached, num_frames=64, size=32, train=False, on_error='skip')
    batch = collate_clips([skip[i] for i in range(len(items))])
    assert [vid for vid, _ in batch['skipped']] == [items[2].video_id] and len(batch['label']) == len(items) - 1
    assert build_cache(items, tmp_path / 'c', size=32, progress=False)['built'] == 0      # same length: only --verify sees it
    r = build_cache(items, tmp_path / 'c', size=32, progress=False, verify=True)
    assert r['built'] == 1
    ds[2]


def test_changed_source_is_read_from_the_source_then_rebuilt(dfew, tmp_path):
    _, items = dfew
    build_cache(items, tmp_path / 'c', size=32, progress=False)
    write_frames(items[1].path, 20, size=48)                    # the clip now has 20 plain frames
    cached, info = cached_items(items, tmp_path / 'c', size=32)
    assert info['cached'] == len(items) - 1 and cached[1].media == 'frames'
    r = build_cache(items, tmp_path / 'c', size=32, progress=False)
    assert (r['built'], r['kept']) == (1, len(items) - 1)
    assert read_manifest(tmp_path / 'c')[entry_key(items[1])]['num_frames'] == 20
    cached, info = cached_items(items, tmp_path / 'c', size=32)
    assert info['cached'] == len(items)
    np.testing.assert_array_equal(encoded_frame_numbers(VideoClipDataset(cached, num_frames=4, transform=lambda x: x)[1]['video']),
                                  [2, 7, 12, 17])


def _metrics(run):
    return [{k: v for k, v in r.items() if k not in TIME_COLS} for r in csv.DictReader(open(run / 'metrics.csv'))]


@pytest.mark.long
def test_training_on_the_cache_gives_the_same_metrics(tmp_path):
    "The tiny preset renders its frames at data.size, so the cache holds the same pixels: the runs agree exactly."
    env = dict(os.environ, RDFER_CACHE=str(tmp_path / 'cache'), PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    def run(name, mode):
        r = subprocess.run([sys.executable, '-m', 'rdfer.train', '--preset', 'tiny', '--out-dir', str(tmp_path / name),
                            '--no-progress', '--set', f'data.cache={mode}'], env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        return r.stdout, json.loads((tmp_path / name / 'environment.json').read_text())['frame_cache']
    out, rec = run('jpeg', 'off')
    assert rec is None and 'frame cache' not in out
    out, rec = run('cache', 'build')
    assert rec['cached'] == rec['clips'] == 40 and rec['size'] == 32 and 'clips read from the cache' in out
    assert _metrics(tmp_path / 'cache') == _metrics(tmp_path / 'jpeg')
    assert json.loads((tmp_path / 'cache' / 'final_metrics.json').read_text())['last'] == \
        json.loads((tmp_path / 'jpeg' / 'final_metrics.json').read_text())['last']
    _, rec = run('auto', 'auto')                    # the default finds the cache built above
    assert rec['cached'] == 40 and rec['mode'] == 'auto'


def test_the_damage_messages_name_the_repair_and_it_works(dfew, tmp_path):
    from rdfer.cache import cache_command
    root, items = dfew
    build_cache(items, tmp_path / 'c', size=32, progress=False)
    cached, _ = cached_items(items, tmp_path / 'c', size=32)
    f = cached[2].path; raw = bytearray(f.read_bytes()); raw[len(raw) // 2] ^= 0x55; f.write_bytes(raw)
    with pytest.raises(DataError, match=r'rebuild it with `rdfer cache --verify`'):
        VideoClipDataset(cached, num_frames=64, size=32, train=False)[2]
    m = tmp_path / 'c' / MANIFEST; m.write_text('garbage\n' + m.read_text().split('\n', 1)[1])    # a bad first line
    with pytest.raises(DataError, match='bad first line.*`rdfer cache` replaces it'): read_manifest(tmp_path / 'c')
    assert build_cache(items, tmp_path / 'c', size=32, progress=False)['built'] == len(items)     # ... and it does
    assert cached_items(items, tmp_path / 'c', size=32)[1]['cached'] == len(items)


def test_cache_on_an_unwritable_out_is_one_line(dfew, tmp_path, capsys):
    from rdfer.cache import cache_command
    root, _ = dfew
    (tmp_path / 'file').write_text('x')                      # --out below a file: no folder can be made there (even as root)
    assert cache_command(['--dataset', 'dfew', '--root', str(root), '--out', str(tmp_path / 'file' / 'c'), '--no-progress']) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('rdfer cache: cannot write the cache') and 'Not a directory' in err[0], err
