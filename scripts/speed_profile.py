"Where a training step of the synth preset goes, before (PREVIOUS_SYNTH) and after (the preset), one thread, the two interleaved: python scripts/speed_profile.py OUT_DIR [STEPS] writes speed_profile.csv and speed_ops.csv (figures/ holds the committed ones, issue 19)."
import os, sys, time, json, csv, torch
torch.set_num_threads(1)
from rdfer.config import resolve_config
from rdfer.synth import synth_root
from rdfer.train import build_loaders, _param_groups
from rdfer.synth import ensure_benchmark
from rdfer.processes import setup_processes
from rdfer.model import build_model
from rdfer.agreement import build_strategy
from rdfer.bench import PREVIOUS_SYNTH
from torch.profiler import profile, ProfilerActivity
procs = setup_processes('cpu')
def setup(ov):
    cfg = resolve_config('synth', 'synth', {'data.fold': 1, 'train.out_dir': '/tmp/x', 'strategy.warmup_epochs': 0} | ov)
    root = synth_root(cfg.data); ensure_benchmark(root, **cfg.data.synth)
    torch.manual_seed(0)
    model = build_model(cfg.model); strat = build_strategy(cfg.strategy)
    tr, te = build_loaders(cfg, root, procs)
    return dict(cfg=cfg, model=model, strat=strat, tr=tr, te=te, opt=torch.optim.AdamW(_param_groups(model, 0.05), lr=1e-3), T={}, it=iter(tr))
S = {'before': setup(PREVIOUS_SYNTH), 'after': setup({})}
def step(s, timed=True):
    T, m, t = s['T'], s['model'], time.perf_counter()
    def tick(k):
        nonlocal t
        T[k] = T.get(k, 0) + time.perf_counter() - t; t = time.perf_counter()
    b = next(s['it']); tick('loader (per batch)')
    out = m(b['video']); tick('forward')
    loss, _ = s['strat'](out, b['label'], list(b['video_id']), 3); tick('strategy (rdfer)')
    s['opt'].zero_grad(set_to_none=True); loss.backward(); tick('backward')
    s['opt'].step(); tick('optimiser (AdamW)')
N = int(sys.argv[2]) if len(sys.argv) > 2 else 30
for s in S.values():
    for _ in range(3): step(s)
    s['T'].clear()
for _ in range(N):
    for s in S.values(): step(s)
rows, ops = [], []
EV = {n: 0.0 for n in S}
for n in S: S[n]['model'].eval()
with torch.no_grad():                   # evaluation, the two settings' test batches interleaved
    for pair in zip(*(S[n]['te'] for n in S)):
        for n, b in zip(S, pair):
            t = time.perf_counter(); S[n]['model'](b['video']); EV[n] += time.perf_counter() - t
for n in S: S[n]['model'].train()
for name, s in S.items():
    ev = EV[name]
    per = {k: v / N * 1000 for k, v in s['T'].items()}
    steps = len(s['tr']); step_ms = sum(per.values())
    epochs = s['cfg'].train.epochs
    for k, v in per.items(): rows.append(dict(setting=name, part=k, ms_per_step=round(v, 2), share=round(v / step_ms, 3)))
    rows.append(dict(setting=name, part='step (all of the above)', ms_per_step=round(step_ms, 2), share=1.0))
    rows.append(dict(setting=name, part=f'epoch: {steps} steps + evaluation {ev:.2f} s', ms_per_step='', share=''))
    rows.append(dict(setting=name, part=f'run estimate: {epochs} epochs, s', ms_per_step=round(epochs * (steps * step_ms / 1000 + ev), 1), share=''))
acc = {n: {} for n in S}
for _ in range(8):                      # the two settings' profiles interleaved, step by step, so that they share the load
    for name, s in S.items():
        with profile(activities=[ProfilerActivity.CPU]) as prof: step(s)
        for e in prof.key_averages():
            a = acc[name].setdefault(e.key, [0, 0.0]); a[0] += e.count; a[1] += e.self_cpu_time_total
for name in S:
    tot = sum(v[1] for v in acc[name].values())
    for k, (c, t) in sorted(acc[name].items(), key=lambda kv: -kv[1][1])[:10]:
        ops.append(dict(setting=name, op=k, calls_per_step=c // 8, ms_per_step=round(t / 8 / 1000, 2), share=round(t / tot, 3)))
out = sys.argv[1]
for path, data in ((f'{out}/speed_profile.csv', rows), (f'{out}/speed_ops.csv', ops)):
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, list(data[0])); w.writeheader(); w.writerows(data)
    print(open(path).read())
