"""The main job end to end on the tiny preset: rdfer main --quick renders, trains its grid (two runs at a time) and
writes every table and figure; a second call trains nothing again and says so."""
import csv, hashlib, json, os, shutil, subprocess, sys, time
from pathlib import Path
import pytest

from rdfer.pipeline import main_grid, QUICK_GRID


ROOT = Path(__file__).resolve().parents[1]


def repo_outputs() -> dict:
    "The repository's figures/ and README.md, file by file (name -> checksum): what only a deliberate publish may change."
    files = sorted((ROOT / 'figures').rglob('*')) + [ROOT / 'README.md']     # figures/other_processor/ too
    return {str(f.relative_to(ROOT)): hashlib.sha1(f.read_bytes()).hexdigest() for f in files if f.is_file()}


@pytest.mark.long
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
    made = json.loads((fig / 'main_job.json').read_text())['files']       # the job lists every file it made, and nothing else
    assert made == sorted(p.name for p in fig.iterdir() if p.is_file())
    (fig / 'stale_plot.png').write_text('made by an earlier grid')           # an earlier job's plot that this grid no longer makes
    (fig / 'main_job.json').write_text(json.dumps(json.loads((fig / 'main_job.json').read_text()) | {'files': made + ['stale_plot.png']}))
    stamp = (runs / 'ce_noise0_s1' / 'final_metrics.json').stat().st_mtime_ns
    r2 = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    assert r2.returncode == 0, r2.stderr[-3000:]
    assert not (fig / 'stale_plot.png').exists() and 'stale_plot.png' in r2.stdout          # removed, and said so
    assert json.loads((fig / 'main_job.json').read_text())['files'] == made
    assert (runs / 'ce_noise0_s1' / 'final_metrics.json').stat().st_mtime_ns == stamp    # finished runs are not trained again
    assert (tmp_path / 'out' / 'summary.md').read_text().count('| reused |') == len(grid)


SMALL = {'train.epochs': 1, 'data.synth': dict(videos=14, frames=8, size=32)}


def test_a_failed_run_is_one_line_and_the_others_finish(tmp_path, monkeypatch):
    import pickle, pytest
    from rdfer.core import DataError
    from rdfer.runs import UnreadableCheckpoint
    from rdfer.pipeline import run_grid, RunsFailed
    for E in (DataError, UnreadableCheckpoint):       # every package error crosses processes intact
        e = pickle.loads(pickle.dumps(E('a/config.json', 'damaged', 3)))
        assert type(e) is E and str(e) == 'a/config.json:3: damaged' and e.problem == 'damaged'
    monkeypatch.setenv('RDFER_CACHE', str(tmp_path / 'data'))
    (tmp_path / 'runs' / 'bad').mkdir(parents=True); (tmp_path / 'runs' / 'bad' / 'config.json').write_text('{"data": ')   # damaged by hand
    lines = []
    with pytest.raises(RunsFailed) as err:
        run_grid({'ok': SMALL, 'bad': SMALL | {'train.seed': 2}}, tmp_path, 'tiny', workers=2, log=lines.append)
    assert str(err.value).startswith('1 of 2 runs failed: bad: ') and 'config.json' in str(err.value) and 'bad.log' in str(err.value)
    failed = [l for l in lines if 'FAILED' in l]
    assert len(failed) == 1 and 'unreadable run record' in failed[0] and str(tmp_path / 'logs' / 'bad.log') in failed[0]
    assert (tmp_path / 'runs' / 'ok' / 'final_metrics.json').exists()       # the other run finished
    assert 'unreadable run record' in (tmp_path / 'logs' / 'bad.log').read_text()


def test_workers_end_with_the_main_job(tmp_path):
    import signal
    env = dict(os.environ, RDFER_CACHE=str(tmp_path / 'data'), PYTHONUNBUFFERED='1')
    code = ('from pathlib import Path; from rdfer.pipeline import run_grid; '
            f'run_grid({{"a": {dict(SMALL, **{"train.epochs": 500})!r}}}, Path({str(tmp_path)!r}), "tiny", workers=1)')
    p = subprocess.Popen([sys.executable, '-c', code], env=env)
    kids, t0 = set(), time.time()
    while time.time() - t0 < 120 and not (tmp_path / 'logs' / 'a.log').exists(): time.sleep(0.5)   # the run started
    kids = {int(c) for t in Path(f'/proc/{p.pid}/task').iterdir() for c in (t / 'children').read_text().split()}
    assert kids, 'no worker started'
    p.send_signal(signal.SIGKILL); p.wait()
    t0 = time.time()
    while time.time() - t0 < 15 and any(Path(f'/proc/{k}').exists() and 'Z' not in Path(f'/proc/{k}/stat').read_text().split()[2] for k in kids):
        time.sleep(0.5)
    alive = [k for k in kids if Path(f'/proc/{k}').exists() and 'Z' not in Path(f'/proc/{k}/stat').read_text().split()[2]]
    assert not alive, f'processes {alive} outlived the main job'


def test_main_on_an_unwritable_out_is_one_line(tmp_path):
    (tmp_path / 'file').write_text('x')                      # --out below a file: no folder can be made there (even as root)
    r = subprocess.run([sys.executable, '-c', 'import sys; from rdfer.cli import main; sys.exit(main())', 'main', '--quick',
                        '--out', str(tmp_path / 'file' / 'out')], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, RDFER_CACHE=str(tmp_path / 'c')))
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and 'Not a directory' in r.stderr, r.stderr[-2000:]


def test_other_processor_keeps_another_jobs_conclusion_tables(tmp_path):
    "scripts/other_processor.sh copies what README's second verdict column is read from, and refuses a folder that is not a finished job."
    repo, out = tmp_path / 'repo', tmp_path / 'job'
    (repo / 'scripts').mkdir(parents=True)
    shutil.copy(ROOT / 'scripts' / 'other_processor.sh', repo / 'scripts')
    (repo / 'scripts' / 'readme.sh').write_text('echo made > README.md\n')        # stands in for the README build
    run = lambda: subprocess.run(['bash', str(repo / 'scripts' / 'other_processor.sh'), str(out)], capture_output=True, text=True)
    r = run()
    assert r.returncode == 1 and f'{out}/figures/paired.csv: missing' in r.stdout
    tables = ('paired.csv', 'noise_detection.csv', 'difficulty_paired.csv', 'main_job.json')
    (out / 'figures').mkdir(parents=True); (out / 'runs' / 'ce_s1').mkdir(parents=True)
    for f in tables: (out / 'figures' / f).write_text(f'{f}\n')
    (out / 'runs' / 'ce_s1' / 'environment.json').write_text(json.dumps(dict(processor='Some CPU', git_commit='abcdef0123456')))
    r = run()
    assert r.returncode == 0, r.stdout + r.stderr
    kept = repo / 'figures' / 'other_processor'
    assert sorted(p.name for p in kept.iterdir()) == sorted(tables + ('environment.json',))
    assert (kept / 'paired.csv').read_text() == 'paired.csv\n' and 'Some CPU at abcdef0' in r.stdout
    assert (repo / 'README.md').read_text() == 'made\n'
