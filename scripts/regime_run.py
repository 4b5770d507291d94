"""Train one run of a candidate CPU regime on fold 1 and append its figures to <out>/regime.csv: python scripts/regime_run.py NAME STRATEGY NOISE SEED '{overrides}' (out: $RDFER_REGIME_OUT, default outputs/regime); the runs behind figures/regime_fold1.csv (issue 19).
python scripts/regime_run.py --table writes figures/regime_fold1.csv from <out>/regime.csv, the runs below under the names LABELS gives them:
  preset ce 0 11|12|13 and 0.4 11|12 '{}'; previous ce 0 11 '{"data.num_frames": 16, "model.num_frames": 16, "model.synopsis_frames": 8, "model.num_clips": 4}' (rdfer.bench.PREVIOUS_SYNTH);
  e10 ce 0 11 '{"train.epochs": 10}'; e8 ce 0|0.4 11 '{"train.epochs": 8}'; t16e8 ce 0|0.4 11 '{"data.num_frames": 16, "model.num_frames": 16, "train.epochs": 8}';
  e8lr2 ce 0 11 '{"train.epochs": 8, "train.lr": 0.002}'."""
import sys, json, time, os, csv
from pathlib import Path
OUT = Path(os.environ.get('RDFER_REGIME_OUT', 'outputs/regime'))
LABELS = {'previous': 'previous (T=16, Ts=8, K=4, 12 epochs)', 'preset': 'synth preset (T=8, Ts=4, K=2, 12 epochs)',
          'e10': 'T=8, Ts=4, K=2, 10 epochs', 'e8': 'T=8, Ts=4, K=2, 8 epochs', 't16e8': 'T=16, Ts=4, K=2, 8 epochs',
          'e8lr2': 'T=8, Ts=4, K=2, 8 epochs, lr 2e-3'}
if sys.argv[1:] == ['--table']:
    from rdfer.runs import read_csv, write_csv
    rows = [r for r in read_csv(OUT / 'regime.csv') if r['regime'] in LABELS]
    rows.sort(key=lambda r: (list(LABELS).index(r['regime']), r['strategy'], float(r['noise']), int(r['seed'])))
    write_csv('figures/regime_fold1.csv', [{c: LABELS[r[c]] if c == 'regime' else r[c] for c in ('regime', 'strategy', 'noise', 'seed', 'uar', 'easy', 'hard')}
                                           for r in rows])
    print(f'wrote figures/regime_fold1.csv ({len(rows)} runs)'); sys.exit()
import torch
torch.set_num_threads(1)
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
