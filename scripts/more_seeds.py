"""The headline comparisons at more seeds (issue 19): plain CE and RDFER at the four noise settings of the main job's headline
rows (0%, 40% symmetric, 30% confusable, 30% instance), on the same fold and preset, at seeds 1..N (the main job trains
1..5), so that the rdfer-vs-ce intervals are about ±2 points wide. It trains with the main job's own machinery
(`rdfer.pipeline.run_grid`: the benchmark rendered and cached once, two runs at a time, RDFER taking over its CE run's
warm-up; a finished run is reused, so the script resumes), then writes the tables the conclusions are read from
(`rdfer.tables.tables_from_runs`: paired.csv, noise_detection.csv, difficulty_paired.csv, each with .md) and
more_seeds.json (seeds, processor, time) into FIGURES, and compares its conclusions with the published main job's
(figures/) in FIGURES/conclusions.csv/.md. Nothing is chosen from these runs: the strategies' options are the
presets'. `rdfer compare figures FIGURES` shows these rows too, among the published conclusions these runs do not cover.
Usage: python scripts/more_seeds.py [--seeds 10] [--out outputs/more_seeds] [--figures figures/more_seeds]"""
import argparse, json, os, sys, time
from pathlib import Path


def grid(seeds: int) -> tuple[dict, dict]:
    "The headline rows at seeds 1..`seeds`, as overrides of the synth preset (run names as in the main job)."
    from rdfer.pipeline import main_grid, job_overrides, NOISY
    return job_overrides('synth', grid=main_grid(tuple((s, n, tuple(range(1, seeds + 1))) for n in ('noise0', *NOISY) for s in ('ce', 'rdfer'))))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, default=10); p.add_argument('--out', default='outputs/more_seeds')
    p.add_argument('--figures', default='figures/more_seeds'); p.add_argument('--workers', type=int, default=None)
    a = p.parse_args(argv)
    out, figures = Path(a.out).resolve(), Path(a.figures)
    os.environ['RDFER_CACHE'] = str(out / 'data')          # the benchmark, rendered under the output folder as the main job's is
    from rdfer.pipeline import run_grid
    from rdfer.reports import find_runs, write_table, markdown_table
    from rdfer.tables import tables_from_runs, conclusions, compare_conclusions, agreement_line
    from rdfer.core import atomic_write_json
    from rdfer.train import processor_model
    import torch
    g, synth = grid(a.seeds)
    t0 = time.time()
    rows = run_grid(g, out, 'synth', a.workers)
    trained = [r['seconds'] for r in rows if r['status'] == 'trained']
    figures.mkdir(parents=True, exist_ok=True)
    tables = tables_from_runs(find_runs(out / 'runs', verbose=False))
    captions = dict(paired=f'Headline rows at seeds 1-{a.seeds}: last-epoch clean-test UAR, minus CE on the same seed, and the drop from 0% noise',
                    noise_detection=f'Headline rows at seeds 1-{a.seeds}: noisy-label detection AUROC of each strategy\'s own score',
                    difficulty_paired=f'Headline rows at seeds 1-{a.seeds}: accuracy on easy and hard videos, minus CE on the same seed')
    for stem, t in tables.items(): write_table(t, figures / stem, captions[stem])
    rec = dict(seeds=list(range(1, a.seeds + 1)), runs=len(rows), trained=len(trained), minutes=round((time.time() - t0) / 60, 1),
               training_minutes=round(sum(trained) / 60, 1), processor=processor_model(), cpu_capability=torch.backends.cpu.get_cpu_capability(),
               cores=os.cpu_count(), preset='synth', benchmark=synth, command='python scripts/more_seeds.py ' + ' '.join(argv or sys.argv[1:]))
    old = figures / 'more_seeds.json'
    if not trained and old.exists():       # a rerun that trained nothing keeps the times of the run that did
        rec |= {k: v for k, v in json.loads(old.read_text()).items() if k in ('minutes', 'trained', 'training_minutes', 'processor', 'cpu_capability')}
    atomic_write_json(old, rec)
    pub_dir = Path(__file__).resolve().parents[1] / 'figures'
    published, here = conclusions(pub_dir), conclusions(figures)
    pn = len(json.loads((pub_dir / 'main_job.json').read_text())['headline_seeds'])      # the published job's headline seeds
    keys = {(r['comparison'], r['measure']) for r in here}
    cmp = [r for r in compare_conclusions(published, here) if (r['comparison'], r['measure']) in keys]
    write_table([{k.replace('A', f'published (n = {pn})', 1) if k in ('A', 'verdict A') else k.replace('B', f'n = {a.seeds}', 1) if k in ('B', 'verdict B') else k: v
                  for k, v in r.items() if k != 'agree'} for r in cmp], figures / 'conclusions',
                f'The published main job\'s conclusions (figures/, n = {pn}) and the same comparisons at seeds 1-{a.seeds} ({rec["processor"]})')
    print(markdown_table(tables['paired']))
    print(agreement_line(cmp))


if __name__ == '__main__':
    main()
