"""Cheaper CPU regimes, measured (issue 19): plain CE on fold 1 (never fold 2, the reporting fold) at seeds the main job does
not use, clean and with 40% symmetric noise, for the `synth` preset and for cheaper candidates (fewer epochs, smaller frames,
fewer videos, a narrower network). Each run's cost is the CPU time of `rdfer.train.train` in a one-thread process (the
rendering is done first and not counted): CPU time, not wall time, so a run beside another on two cores is not charged for waiting.
Writes figures/regime_cost_fold1.csv, one row per run, resumable: a row already there is not run again; then the table of
`rdfer.tables.regime_cost_table` as figures/regime_cost.md and .csv (nbs/12a_tables.ipynb explains it, README quotes it).
Usage: python scripts/regime_cost.py [--jobs 2] [--out FILE]"""
import argparse, io, json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

CANDIDATES = {   # name: (what changes against the synth preset, overrides; 'synth' merges into the preset's benchmark)
    'preset': ('the synth preset: 12 epochs, 32 px, 4,200 videos', {}),
    'epochs6': ('6 epochs, peak lr 2e-3', {'train.epochs': 6, 'train.lr': 2e-3}),
    'px16': ('frames rendered and read at 16 px', {'synth': {'size': 16}, 'data.size': 16}),
    'videos2100': ('2,100 videos', {'synth': {'videos': 2100}}),
    'px16_epochs6': ('16 px, 6 epochs, peak lr 2e-3', {'synth': {'size': 16}, 'data.size': 16, 'train.epochs': 6, 'train.lr': 2e-3}),
    'px16_narrow_epochs6': ('16 px, 64-wide encoders, LSTM 32, 6 epochs, peak lr 2e-3',
                            {'synth': {'size': 16}, 'data.size': 16, 'model.feature_dim': 64, 'model.hidden': 32,
                             'train.epochs': 6, 'train.lr': 2e-3}),
}
SEEDS, NOISE = (11, 12, 13), (0.0, 0.4)
RUNS = Path(os.environ.get('RDFER_REGIME_OUT', 'outputs/regime_cost')) / 'runs'

def config(name: str, noise: float, seed: int):
    from rdfer.config import resolve_config, PRESETS
    ov = json.loads(json.dumps(CANDIDATES[name][1]))
    synth = dict(PRESETS['synth']['data']['synth']) | ov.pop('synth', {}) | (dict(noise_rate=noise, noise_kind='symmetric') if noise else {})
    return resolve_config('synth', 'synth', {'data.fold': 1, 'train.seed': seed, 'strategy.name': 'ce', 'data.synth': synth,
                                             'train.out_dir': str(RUNS / f'{name}_n{round(noise * 100)}_s{seed}')} | ov)

def one(name: str, noise: float, seed: int) -> dict:
    "Train one run in this process (one thread) and return its row."
    import torch
    torch.set_num_threads(1)
    from contextlib import redirect_stdout
    from rdfer.train import train
    from rdfer.reports import read_run
    from rdfer.tables import difficulty_breakdown
    cfg = config(name, noise, seed)
    c, w = time.process_time(), time.perf_counter()
    with redirect_stdout(io.StringIO()): final = train(cfg, progress=False)
    c, w = time.process_time() - c, time.perf_counter() - w
    d = difficulty_breakdown(read_run(Path(cfg.train.out_dir)))
    return dict(candidate=name, change=CANDIDATES[name][0], noise=noise, seed=seed, uar=round(final['last']['uar'], 2),
                easy=round(d['easy'], 2), hard=round(d['hard'], 2), cpu_seconds=round(c, 1), wall_seconds=round(w, 1))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--jobs', type=int, default=2); p.add_argument('--out', default='figures/regime_cost_fold1.csv')
    p.add_argument('--one', nargs=3, metavar=('CANDIDATE', 'NOISE', 'SEED'), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.one: print(json.dumps(one(a.one[0], float(a.one[1]), int(a.one[2])))); return
    from rdfer.runs import read_csv, write_csv
    from rdfer.train import prepare_data_root
    out = Path(a.out)
    rows = read_csv(out) if out.exists() else []
    done = {(r['candidate'], float(r['noise']), int(r['seed'])) for r in rows}
    todo = [(n, z, s) for n in CANDIDATES for z in NOISE for s in SEEDS if (n, z, s) not in done]
    for n, z in dict.fromkeys((n, z) for n, z, _ in todo): prepare_data_root(config(n, z, SEEDS[0]).data)   # render first, uncounted
    def run(job):
        r = subprocess.run([sys.executable, __file__, '--one', job[0], str(job[1]), str(job[2])], capture_output=True, text=True,
                           env=os.environ | {'OMP_NUM_THREADS': '1'})
        if r.returncode: raise SystemExit(f'{job}: failed\n{r.stderr[-2000:]}')
        return json.loads(r.stdout.strip().splitlines()[-1])
    def save():
        order = {k: i for i, k in enumerate((n, z, s) for n in CANDIDATES for z in NOISE for s in SEEDS)}
        rows.sort(key=lambda r: order.get((r['candidate'], float(r['noise']), int(r['seed'])), len(order)))
        write_csv(out, rows)
    with ThreadPoolExecutor(a.jobs) as pool:
        for f in as_completed([pool.submit(run, job) for job in todo]):
            row = f.result(); rows.append(row); save(); print(json.dumps(row), flush=True)
    from rdfer.tables import regime_cost_table
    from rdfer.reports import write_table
    print(*write_table(regime_cost_table(rows), out.parent / 'regime_cost',
                       'Cheaper regimes: plain CE on fold 1 (seeds 11-13, clean and 40% symmetric noise), each candidate against the synth preset; '
                       'mean ± sample std (n; 95% Student-t interval); made by scripts/regime_cost.py (rdfer.tables.regime_cost_table)'), sep='\n')

if __name__ == '__main__': main()
