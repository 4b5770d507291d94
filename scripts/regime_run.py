"Train one run of a candidate CPU regime on fold 1 and append its figures to <out>/regime.csv: python scripts/regime_run.py NAME STRATEGY NOISE SEED '{overrides}' (out: $RDFER_REGIME_OUT, default outputs/regime); the runs behind figures/regime_fold1.csv (issue 19)."
import sys, json, time, os, csv, torch
torch.set_num_threads(1)
from pathlib import Path
OUT = Path(os.environ.get('RDFER_REGIME_OUT', 'outputs/regime'))
from rdfer.config import resolve_config, PRESETS
from rdfer.train import train
from rdfer.reports import read_run
from rdfer.tables import difficulty_breakdown
name, strategy, noise, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
ov = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
synth = dict(PRESETS['synth']['data']['synth']) | (dict(noise_rate=noise, noise_kind='symmetric') if noise else {})
out = OUT / 'runs' / f'{name}_{strategy}_n{int(noise*100)}_s{seed}'
cfg = resolve_config('synth', 'synth', {'data.fold': 1, 'train.seed': seed, 'strategy.name': strategy, 'data.synth': synth,
                                        'train.out_dir': str(out)} | ov)
t = time.time(); final = train(cfg, progress=False); sec = time.time() - t
d = difficulty_breakdown(read_run(out))
row = dict(regime=name, strategy=strategy, noise=noise, seed=seed, uar=round(final['last']['uar'], 2), easy=round(d['easy'], 2),
           hard=round(d['hard'], 2), seconds=round(sec, 1), overrides=json.dumps(ov))
print(row)
OUT.mkdir(parents=True, exist_ok=True); f = OUT / 'regime.csv'; new = not f.exists()
with open(f, 'a', newline='') as fh:
    w = csv.DictWriter(fh, list(row)); 
    if new: w.writeheader()
    w.writerow(row)
