"""Behaviour unchanged by a restructuring: train the same reference runs with two versions of the package and compare
their files. `python scripts/same_runs.py train REPO OUT` trains them with the package at REPO (a checkout or
`git worktree add /tmp/before COMMIT`) into OUT, each version rendering its own benchmark (OUT/cache);
`python scripts/same_runs.py compare A B` compares two such folders: metrics, records, predictions, agreement
tables and final metrics (timing columns left out), every checkpoint's weights and config.json's identity (its
checksums of the options and the data). It prints ALL SAME or the files that differ."""
import csv, io, json, os, subprocess, sys
from pathlib import Path

PLAN = [('ce', 'tiny', dict(epochs=3)), ('rdfer', 'tiny', dict(epochs=4)), ('rdfer', 'tiny', dict(epochs=4, views=3)),
        ('ce', 'synth', dict(epochs=2)), ('rdfer', 'synth', dict(epochs=6))]
RUN = '''
import sys, json, os
import rdfer
assert os.path.realpath(rdfer.__file__).startswith(os.path.realpath(os.environ['PYTHONPATH'])), f'rdfer came from {rdfer.__file__}'   # the version asked for, not the installed one
from rdfer.config import config_from_params
from rdfer.train import train
s, preset, kw, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
views = kw.pop('views', None)
cfg = config_from_params('synth', preset, strategy=s, out_dir=out, **kw)
if views: cfg.strategy.views, cfg.strategy.agreement_source = views, 'views'
print(train(cfg, progress=False)['last']['uar'])
'''
TIMING = {'epoch_time_s', 'videos_per_s', 'time_s', 'seconds', 'wall_s'}

def train_runs(repo, out):
    os.makedirs(out, exist_ok=True)
    for s, p, kw in PLAN:
        name = f"{s}_{p}_" + '_'.join(f'{k}{v}' for k, v in kw.items())
        env = dict(os.environ, PYTHONPATH=str(repo), RDFER_CACHE=os.path.join(out, 'cache'), OMP_NUM_THREADS='1')
        r = subprocess.run([sys.executable, '-c', RUN, s, p, json.dumps(kw), os.path.join(out, name)], cwd=repo, env=env, capture_output=True, text=True)
        print(name, 'UAR', r.stdout.strip() if r.returncode == 0 else 'FAILED: ' + r.stderr.strip()[-300:])

def _rows(p):
    return [{k: v for k, v in x.items() if k not in TIMING} for x in csv.DictReader(io.StringIO(p.read_text()))]

def _same(f, g):
    import torch
    if f.suffix == '.csv': return _rows(f) == _rows(g)
    if f.name == 'config.json': return json.loads(f.read_text())['identity'] == json.loads(g.read_text())['identity']
    if f.name == 'final_metrics.json':
        strip = lambda d: {k: v for k, v in d.items() if k not in TIMING and k != 'run_dir'}
        return strip(json.loads(f.read_text())) == strip(json.loads(g.read_text()))
    if f.suffix == '.pt':
        a, b = torch.load(f, weights_only=True)['model'], torch.load(g, weights_only=True)['model']
        return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    return f.read_bytes() == g.read_bytes()

def compare(A, B) -> int:
    bad = 0
    for ra in sorted(d for d in Path(A).iterdir() if d.is_dir() and d.name != 'cache'):
        rb, same = Path(B) / ra.name, []
        for f in sorted(ra.rglob('*')):
            rel = f.relative_to(ra)
            if f.is_dir() or rel.parts[0] == 'tensorboard' or f.name in ('environment.json', '.lock'): continue
            ok = (rb / rel).exists() and _same(f, rb / rel); same.append(ok)
            if not ok: print('DIFFERS' if (rb / rel).exists() else 'MISSING', ra.name, rel); bad += 1
        print(ra.name, f'{sum(same)}/{len(same)} files the same')
    print('ALL SAME' if not bad else f'{bad} DIFFER')
    return int(bad > 0)

if __name__ == '__main__':
    cmd, a, b = sys.argv[1:4]
    sys.exit(train_runs(Path(a).resolve(), b) if cmd == 'train' else compare(a, b))
