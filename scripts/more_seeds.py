"""The headline comparisons at more seeds (issue 19): plain CE and RDFER at the four noise settings of the main job's headline
rows (0%, 40% symmetric, 30% confusable, 30% instance), on the same fold and preset, at seeds 1..N (the main job trains
1..5), so that the rdfer-vs-ce intervals are about ±2 points wide. It trains with the main job's own machinery
(`rdfer.pipeline.run_grid`: the benchmark rendered and cached once, two runs at a time, RDFER taking over its CE run's
warm-up; a finished run is reused, so the script resumes), then writes the tables the conclusions are read from
(`rdfer.tables.tables_from_runs`: paired.csv, noise_detection.csv, difficulty_paired.csv, each with .md) and
more_seeds.json (seeds, processor, time) into FIGURES, and compares its conclusions with the published main job's
(figures/) in FIGURES/conclusions.csv/.md. Nothing is chosen from these runs: the strategies' options are the
presets'. `rdfer compare figures FIGURES` shows these rows too, among the published conclusions these runs do not cover.
--seeds-at SETTING=N trains one setting's two rows at seeds 1..N instead (for a setting whose interval stays wider than
±2 points: the N that `rdfer.stats.seeds_for` gives for the spread seen, fixed before the new seeds are trained).
Usage: python scripts/more_seeds.py [--seeds 10] [--seeds-at noise40=18] [--out outputs/more_seeds] [--figures figures/more_seeds]"""
import argparse, json, os, sys, time
from pathlib import Path


def setting_seeds(seeds: int, at: dict[str, int]) -> dict[str, tuple[int, ...]]:
    "Each headline noise setting (the main job's names: noise0, noise40, confusable30, instance30) -> its seeds, 1..N."
    from rdfer.pipeline import NOISY
    settings = ('noise0', *NOISY)
    bad = sorted(set(at) - set(settings))
    if bad: raise SystemExit(f'more_seeds.py: --seeds-at: unknown setting {bad[0]!r} (one of {", ".join(settings)})')
    return {n: tuple(range(1, at.get(n, seeds) + 1)) for n in settings}

def setting_name(n: str) -> str:
    "The words the tables use for a setting: noise40 -> '40% symmetric'."
    from rdfer.pipeline import NOISE_SETTINGS
    from rdfer.reports import NoiseLevel
    from rdfer.tables import noise_setting
    d = NOISE_SETTINGS[n]
    return noise_setting(NoiseLevel(d['noise_rate'], d.get('noise_kind', 'symmetric')))

def first_stage(out: Path, n: str, seeds: int) -> dict:
    "What extending setting `n` rested on: the sample std of RDFER minus CE (clean-test UAR) over its first `seeds` seeds, and the seeds ±2 points need at it."
    from rdfer.stats import interval, seeds_for
    uar = lambda s, seed: json.loads((out / 'runs' / f'{s}_{n}_s{seed}' / 'final_metrics.json').read_text())['last']['uar']
    std = interval([uar('rdfer', k) - uar('ce', k) for k in range(1, seeds + 1)]).std
    return dict(first_seeds=seeds, std=round(std, 2), seeds_for_2_points=seeds_for(std, 2.0))

def grid(by_setting: dict[str, tuple[int, ...]]) -> tuple[dict, dict]:
    "The headline rows at each setting's seeds, as overrides of the synth preset (run names as in the main job)."
    from rdfer.pipeline import main_grid, job_overrides
    return job_overrides('synth', grid=main_grid(tuple((s, n, seeds) for n, seeds in by_setting.items() for s in ('ce', 'rdfer'))))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, default=10); p.add_argument('--out', default='outputs/more_seeds')
    p.add_argument('--figures', default='figures/more_seeds'); p.add_argument('--workers', type=int, default=None)
    p.add_argument('--seeds-at', action='append', default=[], metavar='SETTING=N', help='one setting at seeds 1..N (e.g. noise40=18)')
    a = p.parse_args(argv)
    try: at = {k: int(v) for k, v in (x.split('=') for x in a.seeds_at)}
    except ValueError: p.error(f'--seeds-at takes SETTING=N, e.g. noise40=18, not {a.seeds_at}')
    by_setting = setting_seeds(a.seeds, at)
    extra = {setting_name(n): list(s) for n, s in by_setting.items() if len(s) != a.seeds}
    seeds_words = f'seeds 1-{a.seeds}' + ''.join(f' ({k}: 1-{v[-1]})' for k, v in extra.items())
    out, figures = Path(a.out).resolve(), Path(a.figures)
    os.environ['RDFER_CACHE'] = str(out / 'data')          # the benchmark, rendered under the output folder as the main job's is
    from rdfer.pipeline import run_grid
    from rdfer.reports import find_runs, write_table, markdown_table
    from rdfer.tables import tables_from_runs, conclusions, compare_conclusions, agreement_line
    from rdfer.core import atomic_write_json
    from rdfer.train import processor_model
    import torch
    g, synth = grid(by_setting)
    t0 = time.time()
    rows = run_grid(g, out, 'synth', a.workers)
    trained = [r['seconds'] for r in rows if r['status'] == 'trained']
    figures.mkdir(parents=True, exist_ok=True)
    tables = tables_from_runs(find_runs(out / 'runs', verbose=False))
    captions = dict(paired=f'Headline rows at {seeds_words}: last-epoch clean-test UAR, minus CE on the same seed, and the drop from 0% noise',
                    noise_detection=f'Headline rows at {seeds_words}: noisy-label detection AUROC of each strategy\'s own score',
                    difficulty_paired=f'Headline rows at {seeds_words}: accuracy on easy and hard videos, minus CE on the same seed')
    for stem, t in tables.items(): write_table(t, figures / stem, captions[stem])
    basis = {setting_name(n): first_stage(out, n, a.seeds) for n, v in by_setting.items() if len(v) > a.seeds}   # a setting with fewer seeds rests on nothing
    rec = dict(seeds=list(range(1, a.seeds + 1)), seeds_at=extra, seeds_at_basis=basis, runs=len(rows), trained=len(trained), minutes=round((time.time() - t0) / 60, 1),
               training_minutes=round(sum(trained) / 60, 1), processor=processor_model(), cpu_capability=torch.backends.cpu.get_cpu_capability(),
               cores=os.cpu_count(), preset='synth', benchmark=synth, command='python scripts/more_seeds.py ' + ' '.join(argv or sys.argv[1:]))
    old = figures / 'more_seeds.json'
    if old.exists() and len(trained) < len(rows):   # runs reused from earlier calls: the times and processors that trained them count too
        prev = json.loads(old.read_text())
        if trained: rec |= {k: round(prev[k] + rec[k], 1) for k in ('minutes', 'trained', 'training_minutes')}
        else: rec |= {k: prev[k] for k in ('minutes', 'trained', 'training_minutes')}
        rec |= {k: ' + '.join(dict.fromkeys(prev[k].split(' + ') + ([rec[k]] if trained else []))) for k in ('processor', 'cpu_capability')}
    atomic_write_json(old, rec)
    pub_dir = Path(__file__).resolve().parents[1] / 'figures'
    published, here = conclusions(pub_dir), conclusions(figures)
    pn = len(json.loads((pub_dir / 'main_job.json').read_text())['headline_seeds'])      # the published job's headline seeds
    keys = {(r['comparison'], r['measure']) for r in here}
    cmp = [r for r in compare_conclusions(published, here) if (r['comparison'], r['measure']) in keys]
    write_table([{k.replace('A', f'published (n = {pn})', 1) if k in ('A', 'verdict A') else k.replace('B', 'more seeds', 1) if k in ('B', 'verdict B') else k: v
                  for k, v in r.items() if k != 'agree'} for r in cmp], figures / 'conclusions',
                f'The published main job\'s conclusions (figures/, n = {pn}) and the same comparisons at {seeds_words} ({rec["processor"]})')
    print(markdown_table(tables['paired']))
    print(agreement_line(cmp))


if __name__ == '__main__':
    main()
