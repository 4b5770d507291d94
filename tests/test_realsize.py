"""DFEW and FERV39K from their real indexes (tests/data, rdfer.testing.make_realsize_tree): DFEW at its real size (11,697 clips,
901,703 frames), FERV39K every 16th clip, through `rdfer check-data`, load_split, a frame cache of a subset, the training loader's
start-up, its sampling over every item and its first batch. The timings are printed (`python -m rdfer.bench realsize` gives
them at 224 px for both datasets whole); nothing asserts them."""
import os, shutil
from pathlib import Path
import pytest

from rdfer.bench import benchmark_realsize
from rdfer.core import CLASSES
from rdfer.testing import realsize_index


def _tmp(tmp_path) -> Path:
    "A tmpfs with room where there is one (a million hard links are made and removed there about twice as fast), else pytest's folder."
    shm = Path('/dev/shm')
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2 << 30: return shm
    except OSError: pass
    return tmp_path


def _run(capsys, tmp_path, *argv):
    res = benchmark_realsize(['--workers', '2', '--cache-clips', '64', '--batch', '8', '--tmp', str(_tmp(tmp_path)), *argv])
    out = capsys.readouterr().out
    with capsys.disabled(): print('\n' + out, end='')       # the timings, in the test log
    return res


def _counts(rows, keep) -> list[int]:
    return [sum(keep(r) and r['label'] == c for r in rows) for c in range(len(CLASSES))]


@pytest.mark.long
def test_dfew_at_its_real_size(tmp_path, capsys):
    idx = realsize_index('dfew')
    r = _run(capsys, tmp_path, '--datasets', 'dfew', '--frame-size', '64')['dfew']   # 64 px: over the hold budget, as 224 px frames are
    assert (r['clips'], r['frames'], r['check_rc']) == (11697, 901703, 0), r['check_report'][-2000:]
    rep = r['check_report']
    assert '11697 clips checked' in rep and 'OK: no problems found' in rep
    assert '14 clip(s) shorter than 16 frames (the shortest: 11 frames' in rep          # the real dataset's short clips, counted
    for f in range(1, 6):                                                                # every fold's labels, as the index has them
        assert r['check_counts'][f'fold{f}/test'] == _counts(idx, lambda x: x['test_fold'] == f)
        assert r['check_counts'][f'fold{f}/train'] == _counts(idx, lambda x: x['test_fold'] != f)
    assert (r['train'], r['test']) == (9356, 2341)
    assert r['sampling'] == dict(items=9356, steps=9356 // 8 + 1, frames_sampled=9356 * 64, out_of_range=0)   # every item once, in range
    assert r['first_batch'] == dict(shape=[8, 64, 3, 112, 112], frame_index_matches=True)
    assert r['cache'] == dict(clips=64, built=64, problems=[]) and r['cached_in_loader'] == 64
    assert 'over the hold budget' in r['loader_log']                                    # refused after a few hundred clips, not held


def test_ferv39k_from_its_real_index(tmp_path, capsys):
    idx = realsize_index('ferv39k')[::16]
    r = _run(capsys, tmp_path, '--datasets', 'ferv39k', '--every', '16', '--frame-size', '224')['ferv39k']
    assert (r['clips'], r['check_rc']) == (len(idx), 0), r['check_report'][-2000:]
    for split in ('train', 'test'):
        assert r['check_counts'][split] == _counts(idx, lambda x: x['split'] == split)
    assert (r['train'], r['test']) == (sum(x['split'] == 'train' for x in idx), sum(x['split'] == 'test' for x in idx))
    assert r['sampling']['items'] == r['train'] and r['sampling']['out_of_range'] == 0
    assert r['first_batch'] == dict(shape=[8, 64, 3, 112, 112], frame_index_matches=True)   # clips of 8 to 47 frames give 64 (repeated)
    assert r['cache']['built'] == 64 and r['cached_in_loader'] == 64
