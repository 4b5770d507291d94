"The data-root convention end to end: `rdfer train --dataset dfew` finds $RDFER_DATA/DFEW without --data-root, and says where it looked when nothing is there."
import json, os, subprocess, sys
from pathlib import Path
from rdfer.testing import make_dfew_tree


def env_with(tmp_path, rdfer_data):
    e = dict(os.environ, HOME=str(tmp_path / 'home'), RDFER_CACHE=str(tmp_path / 'cache'), OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    e.pop('RDFER_DATA', None)
    if rdfer_data is not None: e['RDFER_DATA'] = str(rdfer_data)
    return e


def train(tmp_path, env, *extra):
    return subprocess.run([sys.executable, '-m', 'rdfer.train', '--dataset', 'dfew', '--preset', 'tiny', '--epochs', '1',
                           '--strategy', 'ce', '--out-dir', str(tmp_path / 'run'), '--no-progress', *extra],
                          env=env, capture_output=True, text=True, timeout=300)


def test_train_finds_dfew_under_rdfer_data(tmp_path):
    tree = make_dfew_tree(tmp_path / 'data' / 'DFEW', n_clips=14, num_frames=8)
    r = train(tmp_path, env_with(tmp_path, tmp_path / 'data'))
    assert r.returncode == 0, r.stderr[-3000:]
    saved = json.loads((tmp_path / 'run' / 'config.json').read_text())
    assert Path(saved['data']['root']) == tree            # the folder found is the run's record


def test_train_without_data_says_where_it_looked(tmp_path):
    (tmp_path / 'empty').mkdir()
    r = train(tmp_path, env_with(tmp_path, tmp_path / 'empty'))
    assert r.returncode == 2, r.stderr
    for part in ('data_root is required', str(tmp_path / 'empty' / 'DFEW'), str(tmp_path / 'home' / 'rdfer_data' / 'DFEW'),
                 'export RDFER_DATA=/path/holding/DFEW', '--data-root DIR'):
        assert part in r.stderr, (part, r.stderr)
    assert not (tmp_path / 'run').exists()
