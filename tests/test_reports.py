"""Reports: tables from fabricated run folders, and both papermill notebooks end to end on tiny real runs."""
import csv, json, math, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from rdfer.reports import REPORTED, Stat, aggregate, find_runs, scan_runs, write_table
from rdfer.tables import ablation_table, main_table, per_class_table, robustness_table, run_inventory
from rdfer.runs import example_run
from rdfer.train import smoke_runs

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def rows_of(path):
    return list(csv.DictReader(open(path)))


# ---- unit tests on fabricated run folders ----

def test_aggregation_is_mean_and_sample_std(tmp_path):
    for f, (u, w) in enumerate([(51.0, 60.0), (55.0, 61.0), (56.5, 65.5), (48.25, 59.0)], 1):
        example_run(tmp_path / f'f{f}', dataset='dfew', fold=f, uar=u, war=w, auroc=None)
    row = main_table(find_runs(tmp_path), 'dfew')[-1]
    uars, wars = [51.0, 55.0, 56.5, 48.25], [60.0, 61.0, 65.5, 59.0]
    assert row['UAR'].mean == pytest.approx(sum(uars) / 4, abs=1e-12)
    assert row['UAR'].std == pytest.approx(math.sqrt(sum((x - sum(uars) / 4) ** 2 for x in uars) / 3), abs=1e-12)
    assert row['WAR'].std == pytest.approx(float(np.std(wars, ddof=1)), abs=1e-12)
    assert (row['UAR'].n, row['runs'], row['last epoch']) == (4, 4, '2')
    write_table(main_table(find_runs(tmp_path), 'dfew'), tmp_path / 'main', 'caption')
    last = rows_of(tmp_path / 'main.csv')[-1]
    assert float(last['UAR mean']) == row['UAR'].mean and float(last['UAR std']) == row['UAR'].std   # unrounded in CSV
    assert f"{row['UAR'].mean:.2f} ± {row['UAR'].std:.2f} (n=4; 95% CI" in (tmp_path / 'main.md').read_text()
    t3 = 3.182446305284263                                                     # Student t(0.975) with 3 degrees of freedom
    assert float(last['UAR lo']) == pytest.approx(row['UAR'].mean - t3 * row['UAR'].std / 2, abs=1e-9)
    assert float(last['UAR hi']) == pytest.approx(row['UAR'].mean + t3 * row['UAR'].std / 2, abs=1e-9) and last['UAR n'] == '4'


def test_single_run_and_missing_values():
    assert str(aggregate([42.0])) == '42.00 (n=1)' and math.isnan(aggregate([42.0]).std) and math.isnan(aggregate([42.0]).hi)
    assert aggregate([float('nan'), None, 0.5, 0.7]).n == 2
    assert str(Stat(56.93)) == '56.93'


def test_grouping_separates_strategies_noise_rates_and_design_switches(tmp_path):
    specs = [('ce', 0.4, 1, {}), ('ce', 0.4, 2, {}), ('ce', 0.2, 1, {}), ('rdfer', 0.4, 1, {}), ('rdfer', 0.4, 1, {'cross_gate': False}),
             ('rdfer', 0.4, 1, {'sequence_models': 1}), ('rdfer', 0.4, 1, {'resample': 'uniform'})]
    for i, (s, nr, f, m) in enumerate(specs):
        example_run(tmp_path / str(i), strategy=s, noise_rate=nr, fold=f, model=m, uar=10.0 * (i + 1))
    runs = find_runs(tmp_path)
    rob = robustness_table(runs)
    assert [r['strategy'] for r in rob] == ['ce', 'rdfer']
    assert rob[0]['UAR @ noise 0.4'].mean == 15.0 and rob[0]['UAR @ noise 0.4'].n == 2 and rob[0]['UAR @ noise 0.2'].mean == 30.0
    assert rob[1]['UAR @ noise 0.4'].mean == 40.0 and rob[1]['UAR @ noise 0.2'].n == 0        # ablations stay out
    abl = ablation_table(runs)
    assert [r['design switch'] for r in abl] == ['full RDFER', 'uniform clips (no key-expression re-sampling)',
                                                 'no cross-stream gate', 'one sequence model']
    assert [r['UAR'].mean for r in abl] == [40.0, 70.0, 50.0, 60.0]


def test_unfinished_runs_are_reported_not_dropped(tmp_path, capsys):
    example_run(tmp_path / 'done')
    example_run(tmp_path / 'killed', finished=False, epochs=5)
    assert [r.path.name for r in find_runs(tmp_path)] == ['done']
    assert 'killed' in capsys.readouterr().err
    inv = run_inventory(scan_runs(tmp_path), tmp_path)
    assert [(r['run'], r['status']) for r in inv] == [('done', 'finished'), ('killed', 'unfinished (4 of 5 epochs)')]


def test_dataset_without_runs_shows_reported_rows_and_says_so(tmp_path):
    example_run(tmp_path / 'synth')
    runs = find_runs(tmp_path)
    for ds in ('dfew', 'ferv39k'):
        t = main_table(runs, ds)
        published = [r for r in REPORTED if r['dataset'] == ds]
        assert [r['method'] for r in t[:-1]] == [r['method'] for r in published]
        assert all(r['source'].startswith('reported') for r in t[:-1])
        assert t[-1]['source'] == 'no run found' and str(t[-1]['UAR']) == '–'
        assert per_class_table(runs, ds)[-1]['source'] == 'no run found'
    dfew = {r['method']: r for r in main_table(runs, 'dfew')}
    assert (dfew['RDFER']['UAR'].mean, dfew['RDFER']['WAR'].mean) == (56.93, 69.73)
    assert dfew['RDFER']['source'] == 'reported (as quoted by a later paper; T-BIOM 2025)'
    assert 'RDFER' not in {r['method'] for r in main_table(runs, 'ferv39k')}


# ---- end to end: tiny real runs, both notebooks through papermill ----

@pytest.fixture(scope='session')
def tiny_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp('reports')
    env = dict(os.environ, RDFER_CACHE=str(base / 'cache'), OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1', MPLBACKEND='Agg',
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    env.pop('IN_TEST', None)
    shared = Path(os.environ.get('RDFER_SMOKE_RUNS') or base / 'shared')     # trained once per test command (scripts/test.sh)
    env['RDFER_CACHE'] = str(shared / 'cache')                                 # where those runs' benchmark lies
    r = subprocess.run([sys.executable, '-c', f'from rdfer.train import shared_smoke_runs; shared_smoke_runs({str(shared)!r})'],
                       env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    shutil.copytree(shared / 'runs', base / 'runs')                            # a copy of its own for this module
    return base, env


def papermill(nb, base, env, figures, *params):
    out = base / f'{nb}.out.ipynb'
    r = subprocess.run([str(BIN / 'papermill'), str(ROOT / 'nbs' / f'{nb}.ipynb'), str(out), '-p', 'runs_dir', str(base / 'runs'),
                        '-p', 'figures_dir', str(figures), *params, '--cwd', str(base)], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]


def final_metrics(base):
    return {p.parent.name: json.loads(p.read_text()) for p in sorted((base / 'runs').glob('*/final_metrics.json'))}


@pytest.mark.long
def test_tables_notebook(tiny_runs):
    base, env = tiny_runs
    figures = base / 'tables_out'
    papermill('tables', base, env, figures)
    stems = ['runs', 'main_dfew', 'main_ferv39k', 'main_synth', 'per_class_dfew', 'per_class_ferv39k', 'per_class_synth',
             'ablation', 'robustness', 'noise_detection']
    for stem in stems:
        for ext in ('.md', '.csv'): assert (figures / f'{stem}{ext}').stat().st_size > 0, stem + ext
    for ext in ('.png', '.svg'): assert (figures / f'robustness{ext}').stat().st_size > 0
    fm = final_metrics(base)
    assert sorted(fm) == ['synth_n0.4_ce_f1', 'synth_n0.4_rdfer_f1', 'synth_n0.4_rdfer_f2']
    by = {'ce': [fm['synth_n0.4_ce_f1']], 'rdfer': [fm['synth_n0.4_rdfer_f1'], fm['synth_n0.4_rdfer_f2']]}
    rob = {r['strategy']: r for r in rows_of(figures / 'robustness.csv')}
    assert sorted(rob) == ['ce', 'rdfer']
    for s, finals in by.items():
        for col, get in (('UAR', lambda f: f['last']['uar']), ('WAR', lambda f: f['last']['war']),
                         ('noise AUROC', lambda f: f['noise_detection']['auroc'])):
            vals = [get(f) for f in finals]
            assert float(rob[s][f'{col} @ noise 0.4 mean']) == pytest.approx(float(np.mean(vals)), abs=1e-12), (s, col)
            assert rob[s][f'{col} @ noise 0.4 n'] == str(len(vals))
            if len(vals) > 1: assert float(rob[s][f'{col} @ noise 0.4 std']) == pytest.approx(float(np.std(vals, ddof=1)), abs=1e-12)
    main = {r['method']: r for r in rows_of(figures / 'main_synth.csv')}
    row = main['this package: rdfer / rdfer / noise 0.4']
    assert float(row['UAR mean']) == pytest.approx(np.mean([f['last']['uar'] for f in by['rdfer']]), abs=1e-12)
    assert float(row['WAR mean']) == pytest.approx(np.mean([f['last']['war'] for f in by['rdfer']]), abs=1e-12)
    assert row['runs'] == '2' and row['last epoch'] == str(by['rdfer'][0]['last']['epoch'])
    pc = {r['method']: r for r in rows_of(figures / 'per_class_synth.csv')}['this package: rdfer / ce / noise 0.4']
    assert float(pc['Happy mean']) == pytest.approx(fm['synth_n0.4_ce_f1']['last']['per_class_recall'][0], abs=1e-12) \
        or (pc['Happy mean'] in ('', 'nan') and math.isnan(fm['synth_n0.4_ce_f1']['last']['per_class_recall'][0]))
    # paired differences: rdfer minus ce on the pair both have (fold 1, seed 42), with its interval columns; conclusions read back
    for stem in ('paired', 'difficulty', 'difficulty_paired'):
        for ext in ('.md', '.csv'): assert (figures / f'{stem}{ext}').stat().st_size > 0, stem + ext
    pr = {r['strategy']: r for r in rows_of(figures / 'paired.csv')}['rdfer']
    diff = fm['synth_n0.4_rdfer_f1']['last']['uar'] - fm['synth_n0.4_ce_f1']['last']['uar']
    assert float(pr['minus ce (same seed) mean']) == pytest.approx(diff, abs=1e-9) and pr['minus ce (same seed) n'] == '1'
    assert pr['minus ce (same seed) lo'] == '' and pr['minus ce (same seed) hi'] == ''          # one pair: no interval
    from rdfer.tables import conclusions
    con = {(c['comparison'], c['measure']): c for c in conclusions(figures)}
    c = con[('rdfer vs ce at 40% symmetric', 'clean-test UAR (points)')]
    assert c['n'] == 1 and c['verdict'] == 'no difference detected (n = 1)' and c['mean'] == pytest.approx(diff, abs=1e-9)
    # rdfer compare: the tables read back from the figures folder and those recomputed from the run folders agree
    r = subprocess.run([str(BIN / 'rdfer'), 'compare', str(figures), str(base)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert f'{len(con)} of {len(con)} conclusions agree' in r.stdout and 'rdfer vs ce at 40% symmetric' in r.stdout
    dfew = (figures / 'main_dfew.md').read_text()
    assert dfew.startswith('Table: ') and 'no run found' in dfew and '| RDFER | T-BIOM 2025 |' in dfew and '56.93' in dfew


@pytest.mark.long
def test_agreement_analysis_notebook(tiny_runs):
    base, env = tiny_runs
    figures = base / 'analysis_out'
    papermill('agreement_analysis', base, env, figures, '-p', 'noise_rate', '0.4')
    stems = ['agreement_ce_noise0.4', 'agreement_rdfer_noise0.4', 'categories_rdfer_noise0.4', 'roc_noise0.4',
             'resampling_example_noise0.4', 'confusion_noise0.4', 'localisation']
    epochs = sorted({int(r['epoch']) for r in csv.DictReader(open(next(base.rglob('agreement.csv'))))})
    stems += [f'agreement_rdfer_noise0.4_epoch{e}' for e in sorted({1, (epochs[-1] + 1) // 2, epochs[-1]})]   # RDFER at several epochs
    for stem in stems:
        assert (figures / f'{stem}.png').read_bytes()[:4] == b'\x89PNG', stem
        assert b'<svg' in (figures / f'{stem}.svg').read_bytes()[:2000], stem
    assert sorted(p.stem for p in figures.glob('*.png')) == sorted(stems)
    loc = (figures / 'localisation.md').read_text()
    assert 'uniform clips would reach' in loc and '(n=' in loc      # the key-expression clips' localisation rate, measured


def fabricated_job(path, gains, seeds=(1, 2, 3)):
    "A main job's output folder of fabricated runs: ce and rdfer at 0% and 40% noise; rdfer gains gains[i] over ce at 40% on seed i."
    for i, seed in enumerate(seeds):
        for s, nr, u in (('ce', 0.0, 90 + i), ('rdfer', 0.0, 90.5 + i), ('ce', 0.4, 78 + i), ('rdfer', 0.4, 78 + i + gains[i])):
            example_run(path / 'runs' / f'{s}_{nr}_s{seed}', strategy=s, seed=seed, noise_rate=nr, uar=u, auroc=None if nr == 0 else 0.9)
    return path


def test_compare_command(tmp_path, capsys):
    from rdfer.tables import compare_command
    a, b = fabricated_job(tmp_path / 'a', (2.0, 3.0, 2.5)), fabricated_job(tmp_path / 'b', (1.5, 2.5, 2.0))
    c = fabricated_job(tmp_path / 'c', (2.0, -1.0, 0.5))                     # rdfer's lead over ce is not resolved here
    same = subprocess.run([str(BIN / 'rdfer'), 'compare', str(a), str(b)], capture_output=True, text=True, timeout=300)   # routed by rdfer.cli
    assert same.returncode == 0, same.stdout + same.stderr
    line = next(l for l in same.stdout.splitlines() if l.startswith('| rdfer vs ce at 40% symmetric | clean-test UAR'))
    assert line.count('rdfer ahead of ce') == 2 and line.rstrip().endswith('| yes |')
    assert compare_command([str(a), str(c)]) == 1
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith('| rdfer vs ce at 40% symmetric | clean-test UAR'))
    assert 'rdfer ahead of ce' in line and 'no difference detected (n = 3)' in line and line.rstrip().endswith('| NO (resolved on one side only) |')
    assert compare_command([str(a), str(tmp_path / 'none')]) == 2
    err = capsys.readouterr().err
    assert 'rdfer compare:' in err and 'none' in err
