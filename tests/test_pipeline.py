"""The main job end to end on the tiny preset: rdfer main --quick renders, trains its grid (two runs at a time) and
writes every table and figure; a second call trains nothing again and says so."""
import csv, hashlib, json, os, subprocess, sys, time
from pathlib import Path

from rdfer.pipeline import main_grid, QUICK_GRID


ROOT = Path(__file__).resolve().parents[1]


def repo_outputs() -> dict:
    "The repository's figures/ and README.md, file by file (name -> checksum): what only a deliberate publish may change."
    files = sorted((ROOT / 'figures').iterdir()) + [ROOT / 'README.md']
    return {f.name: hashlib.sha1(f.read_bytes()).hexdigest() for f in files if f.is_file()}


def test_main_job_quick(tmp_path):
    before = repo_outputs()
    env = dict(os.environ, PYTHONUNBUFFERED='1', MPLBACKEND='Agg')
    env.pop('IN_TEST', None)
    cmd = [str(Path(sys.executable).parent / 'rdfer'), 'main', '--quick', '--out', str(tmp_path / 'out')]   # --figures: OUT/figures
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'tables and figures' in r.stdout
    grid = main_grid(**QUICK_GRID)
    assert 'epoch 2/2' in r.stdout and 'left' in r.stdout              # per-run epoch progress with a time estimate
    runs = tmp_path / 'out' / 'runs'
    assert sorted(p.name for p in runs.iterdir()) == sorted(grid)
    assert all((runs / n / 'final_metrics.json').exists() for n in grid)
    assert all((tmp_path / 'out' / 'logs' / f'{n}.log').exists() for n in grid)
    summary = (tmp_path / 'out' / 'summary.md').read_text()
    assert summary.count('| trained |') == len(grid)
    nbs = sorted(p.name for p in (tmp_path / 'out' / 'notebooks').iterdir())
    assert nbs == ['agreement_analysis.ipynb', 'tables.ipynb']
    assert 'processor: ' in summary and json.loads((runs / 'ce_noise0_s1' / 'environment.json').read_text())['processor']
    assert repo_outputs() == before                                   # the repository's figures/ and README.md are untouched
    assert 'rdfer main --publish' in r.stdout
    fig = tmp_path / 'out' / 'figures'
    for stem in ('robustness', 'ablation', 'main_dfew', 'per_class_dfew', 'paired', 'difficulty', 'localisation', 'noise_detection'):
        assert (fig / f'{stem}.md').exists() and (fig / f'{stem}.csv').exists(), stem
    assert list(fig.glob('*.png')) and list(fig.glob('*.svg'))
    # the robustness table holds the mean AUROC of the two rdfer runs at 40% noise (seeds 1 and 2), as their folders say
    aurocs = [json.loads((runs / f'rdfer_noise40_s{s}' / 'final_metrics.json').read_text())['noise_detection']['auroc'] for s in (1, 2)]
    assert f'{sum(aurocs) / 2:.2f}' in (fig / 'robustness.md').read_text()
    assert '(n=2; 95% CI' in (fig / 'robustness.md').read_text()
    # the paired table: rdfer minus ce on the same seeds, from the run folders
    uar = {n: json.loads((runs / n / 'final_metrics.json').read_text())['last']['uar'] for n in grid}
    diff = sum(uar[f'rdfer_noise40_s{s}'] - uar[f'ce_noise40_s{s}'] for s in (1, 2)) / 2
    row = next(r for r in csv.DictReader(open(fig / 'paired.csv')) if r['strategy'] == 'rdfer')
    assert abs(float(row['minus ce (same seed) mean']) - diff) < 1e-6
    d = [uar[f'rdfer_noise40_s{s}'] - uar[f'ce_noise40_s{s}'] for s in (1, 2)]
    half = 12.706204736174694 * abs(d[0] - d[1]) / 2 ** 0.5 / 2 ** 0.5      # t(0.975, 1 df) * sample std / sqrt(n), n = 2
    assert abs(float(row['minus ce (same seed) lo']) - (diff - half)) < 1e-6 and row['minus ce (same seed) n'] == '2'
    stamp = (runs / 'ce_noise0_s1' / 'final_metrics.json').stat().st_mtime_ns
    r2 = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    assert r2.returncode == 0, r2.stderr[-3000:]
    assert (runs / 'ce_noise0_s1' / 'final_metrics.json').stat().st_mtime_ns == stamp    # finished runs are not trained again
    assert (tmp_path / 'out' / 'summary.md').read_text().count('| reused |') == len(grid)
