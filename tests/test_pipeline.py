"""The main job end to end on the tiny preset: rdfer main --quick renders, trains the grid through papermill and
writes every table and figure; a second call trains nothing again."""
import json, os, subprocess, sys, time
from pathlib import Path

from rdfer.pipeline import main_grid


def test_main_job_quick(tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED='1', MPLBACKEND='Agg')
    env.pop('IN_TEST', None)
    cmd = [str(Path(sys.executable).parent / 'rdfer'), 'main', '--quick', '--out', str(tmp_path / 'out'), '--figures', str(tmp_path / 'fig')]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'tables and figures' in r.stdout
    runs = tmp_path / 'out' / 'runs'
    assert sorted(p.name for p in runs.iterdir()) == sorted(main_grid())
    assert all((runs / n / 'final_metrics.json').exists() for n in main_grid())
    nbs = sorted(p.name for p in (tmp_path / 'out' / 'notebooks').iterdir())
    assert 'tables.ipynb' in nbs and 'agreement_analysis.ipynb' in nbs and len(nbs) == len(main_grid()) + 2
    fig = tmp_path / 'fig'
    for stem in ('robustness', 'ablation', 'main_dfew', 'per_class_dfew'):
        assert (fig / f'{stem}.md').exists() and (fig / f'{stem}.csv').exists(), stem
    assert list(fig.glob('*.png')) and list(fig.glob('*.svg'))
    # the robustness table holds the AUROC of the rdfer run at 40% noise, as its run folder says
    auroc = json.loads((runs / 'rdfer_noise40' / 'final_metrics.json').read_text())['noise_detection']['auroc']
    assert f'{auroc:.2f}' in (fig / 'robustness.md').read_text()
    stamp = (runs / 'ce_noise0' / 'final_metrics.json').stat().st_mtime_ns
    t0 = time.time()
    r2 = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    assert r2.returncode == 0, r2.stderr[-3000:]
    assert (runs / 'ce_noise0' / 'final_metrics.json').stat().st_mtime_ns == stamp    # finished runs are not trained again
