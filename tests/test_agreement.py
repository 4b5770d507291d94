"Strategies outside the notebook: checkpoint resume, JSON round trip, and a tiny training run on toy features."
import csv, io, json, math
from dataclasses import asdict
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from rdfer.agreement import (STRATEGIES, StrategyConfig, build_strategy, noise_detection_report, clip_agreement,
                             CLEAN, HARD, NOISY, UNDECIDED)

KEYS = {'loss', 'pred', 'agreement', 'support', 'soft_agreement', 'mode', 'margin', 'category', 'weight', 'noisy_score',
        'noisy_decision', 'label_margin', 'label_prob', 'label_rank', 'max_clip_support', 'syn_agreement', 'syn_support'}


def rows_of(batch_records, epoch):
    "The epoch's records as the training engine hands them to `end_epoch`: one dict per video."
    return [dict(epoch=epoch, video_id=v, given_label=int(y), **{k: float(x[i]) for k, x in rec.items()})
            for ids, labels, rec in batch_records for i, (v, y) in enumerate(zip(ids, labels))]


def batches(epoch, n_batches=3, B=8, K=4, C=7):
    "Deterministic fake model outputs for an epoch: the same videos every epoch, predictions drifting with it."
    g = torch.Generator().manual_seed(1000 + epoch)
    for b in range(n_batches):
        out = SimpleNamespace(logits=torch.randn(B, C, generator=g), synopsis_logits=torch.randn(B, C, generator=g),
                              synopsis_frame_logits=torch.randn(B, 3, C, generator=g),
                              clip_logits=2 * torch.randn(B, K, C, generator=g), key_positions=None, clip_frame_indices=None)
        labels = torch.arange(b * B, (b + 1) * B) % C
        yield out, labels, [f'vid{b * B + i:03d}' for i in range(B)]


def run(strategy, epochs):
    recs = []
    for e in epochs:
        epoch = []
        for out, y, ids in batches(e):
            loss, rec = strategy(out, y, ids, e)
            recs.append((loss.item(), rec)); epoch.append((ids, y, rec))
        strategy.end_epoch(e, rows=rows_of(epoch, e))
    return recs


@pytest.mark.parametrize('name', STRATEGIES)
def test_resume_continues_identically(name, tmp_path):
    cfg = dict(name=name, warmup_epochs=1, ema_momentum=0.8, ramp_epochs=2, relabel=True, relabel_margin=0.1)
    whole = run(build_strategy(cfg), range(1, 5))
    first = build_strategy(cfg); run(first, range(1, 3))
    torch.save(first.state_dict(), tmp_path / 'strategy.pt')
    resumed = build_strategy(cfg); resumed.load_state_dict(torch.load(tmp_path / 'strategy.pt', weights_only=True))
    rest = run(resumed, range(3, 5))
    assert len(rest) == len(whole[-len(rest):])
    for (l1, r1), (l2, r2) in zip(whole[-len(rest):], rest):
        assert l1 == l2
        assert set(r1) == KEYS
        for k in r1: torch.testing.assert_close(r1[k], r2[k], equal_nan=True, rtol=0, atol=0)
    if name in ('rdfer', 'loss_mixture', 'small_loss', 'aum'):   # the state really mattered: categories were decided
        assert any((r['category'] != UNDECIDED).all() and (r['category'] != CLEAN).any() for _, r in rest)


def test_fresh_strategy_differs_from_resumed():
    "Without the state the moving average starts over, so the resume test above can fail."
    cfg = dict(name='rdfer', warmup_epochs=0, ema_momentum=0.8)
    whole = run(build_strategy(cfg), range(1, 4))
    fresh = run(build_strategy(cfg), range(3, 4))
    assert any(not torch.equal(a['support'], b['support']) for (_, a), (_, b) in zip(whole[-len(fresh):], fresh))


def test_load_state_dict_of_another_strategy_fails():
    with pytest.raises(ValueError, match="strategy 'ce'"):
        build_strategy('rdfer').load_state_dict(build_strategy('ce').state_dict())


@pytest.mark.parametrize('name', STRATEGIES)
def test_config_json_round_trip(name):
    cfg = StrategyConfig(name=name, ema_momentum=0.9, w_noisy=0.0)
    back = StrategyConfig(**json.loads(json.dumps(asdict(cfg))))
    assert back == cfg and type(build_strategy(asdict(back))).__name__ == type(build_strategy(cfg)).__name__


def test_records_are_cpu_and_typed():
    out, y, ids = next(batches(0))
    _, rec = build_strategy({'name': 'rdfer', 'warmup_epochs': 0})(out, y, ids, 1)
    assert all(v.device.type == 'cpu' and v.shape == (8,) and not v.requires_grad for v in rec.values())
    assert rec['category'].dtype == rec['mode'].dtype == rec['noisy_decision'].dtype == torch.long
    assert set(rec['category'].tolist()) <= {CLEAN, HARD, NOISY}


def test_report_reads_agreement_csv_columns():
    "The analysis reads `agreement.csv`: columns of strings parsed to floats work like a records dict."
    out, y, ids = next(batches(0))
    _, rec = build_strategy({'name': 'rdfer', 'warmup_epochs': 0})(out, y, ids, 1)
    buf = io.StringIO(); w = csv.writer(buf); w.writerow(list(rec))
    w.writerows(zip(*[v.tolist() for v in rec.values()]))
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    cols = {k: [float(r[k]) for r in rows] for k in rows[0]}
    truth = torch.arange(8) % 2 == 0
    assert noise_detection_report(cols, truth) == noise_detection_report(rec, truth)


def toy_problem(n=280, C=7, K=4, noise=0.4, seed=0):
    "Class prototypes in 16-d; K noisy clip features per video; symmetric label noise at rate `noise`."
    g = torch.Generator().manual_seed(seed)
    protos = 3 * torch.randn(C, 16, generator=g)
    true = torch.arange(n) % C
    clips = protos[true][:, None] + 1.5 * torch.randn(n, K, 16, generator=g)
    flip = torch.rand(n, generator=g) < noise
    given = torch.where(flip, (true + torch.randint(1, C, (n,), generator=g)) % C, true)
    return clips, true, given, flip


@pytest.mark.parametrize('name', STRATEGIES)
def test_toy_training_finds_noisy_labels(name):
    "A linear clip classifier trained with each strategy on 40% noise: every noisy score ranks noisy labels high."
    torch.manual_seed(0)
    clips, true, given, flip = toy_problem()
    head = torch.nn.Linear(16, 7)
    opt = torch.optim.SGD(head.parameters(), lr=0.1)
    strat = build_strategy(dict(name=name, warmup_epochs=2, ramp_epochs=2, forget_rate=0.4))
    ids = [f'v{i}' for i in range(len(given))]
    for epoch in range(1, 7):
        recs, parts = [], []
        for s in range(0, len(given), 40):
            cl = head(clips[s:s + 40])
            out = SimpleNamespace(logits=cl.mean(1), clip_logits=cl)
            loss, rec = strat(out, given[s:s + 40], ids[s:s + 40], epoch)
            opt.zero_grad(); loss.backward(); opt.step(); recs.append(rec); parts.append((ids[s:s + 40], given[s:s + 40], rec))
        strat.end_epoch(epoch, rows=rows_of(parts, epoch))
    rec = {k: torch.cat([r[k] for r in recs]) for k in recs[0]}
    rep = noise_detection_report(rec, flip)
    assert rep['auroc'] > 0.85, rep
    assert rep['auroc_support_agreement'] > 0.8 and rep['auroc_loss'] > 0.85
    if name in ('small_loss', 'loss_mixture', 'class_mixture', 'aum', 'rdfer'):
        assert rep['recall'] > 0.6 and rep['precision'] > 0.6, rep
    else:
        assert rep['frac_flagged'] == 0


def test_warmup_edges_of_each_strategy():
    "rdfer decides from epoch warmup+1; loss_mixture fits at the end of epoch warmup; small_loss trusts all at epoch 1."
    out, y, ids = next(batches(0))
    rd = build_strategy({'name': 'rdfer', 'warmup_epochs': 2})
    assert (rd(out, y, ids, 2)[1]['category'] == UNDECIDED).all() and (rd(out, y, ids, 3)[1]['category'] >= 0).all()
    lm = build_strategy({'name': 'loss_mixture', 'warmup_epochs': 2})
    lm(out, y, ids, 1); lm.end_epoch(1)
    assert not lm.mixtures and (lm(out, y, ids, 2)[1]['category'] == UNDECIDED).all()
    lm.end_epoch(2)
    assert lm.mixtures and (lm(out, y, ids, 3)[1]['category'] >= 0).all()
    sl = build_strategy({'name': 'small_loss', 'forget_rate': 0.5, 'ramp_epochs': 1})
    assert sl(out, y, ids, 1)[1]['weight'].sum() == 8 and sl(out, y, ids, 2)[1]['weight'].sum() == 4
