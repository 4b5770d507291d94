"Tests of rdfer.model and rdfer.encoders that do not fit the notebooks: configs through JSON files, weight files, the benchmark in subprocesses."
import json
import pytest
import torch
import torchvision
from dataclasses import asdict
from rdfer.core import DataError
from rdfer.encoders import load_pretrained, build_frame_encoder
from rdfer.model import (ModelConfig, build_model, tiny_config, output_shapes, design_loss, params_without_grad,
                         key_expression_centres, clip_frame_indices)
from rdfer.bench import benchmark_model


@pytest.fixture(scope='module')
def video():
    torch.manual_seed(0)
    return torch.randn(2, 8, 3, 32, 32), torch.tensor([0, 5])


def test_config_round_trip_through_file(tmp_path):
    cfg = tiny_config(resample='uniform', label_guided=True, pretrained=None)
    (tmp_path / 'config.json').write_text(json.dumps({'model': asdict(cfg)}))
    back = ModelConfig.from_dict(json.loads((tmp_path / 'config.json').read_text())['model'])
    assert back == cfg
    assert type(build_model(asdict(cfg))).__name__ == 'RDFER'


@pytest.mark.parametrize('variant', ['rdfer', 'single_stream', 'resnet_lstm'])
def test_same_weights_same_outputs_after_save_load(tmp_path, video, variant):
    m = build_model(tiny_config(variant=variant)).eval()
    torch.save(m.state_dict(), tmp_path / 'm.pt')
    m2 = build_model(tiny_config(variant=variant)).eval()
    m2.load_state_dict(torch.load(tmp_path / 'm.pt'))
    with torch.no_grad():
        assert torch.equal(m(video[0]).logits, m2(video[0]).logits)


def test_weights_good_missing_mismatched(tmp_path):
    r18 = torchvision.models.resnet18(weights=None)
    torch.save(r18.state_dict(), tmp_path / 'tv.pth')                                # plain torchvision state_dict
    enc = build_frame_encoder('resnet18', pretrained=tmp_path / 'tv.pth')
    assert torch.equal(enc.backbone.layer2[0].downsample[0].weight, r18.layer2[0].downsample[0].weight)
    with pytest.raises(FileNotFoundError, match='absent.pth'):
        build_frame_encoder('resnet18', pretrained=tmp_path / 'absent.pth')
    sd = r18.state_dict(); sd.pop('layer4.1.bn2.weight'); sd['extra.weight'] = torch.zeros(1)
    sd['conv1.weight'] = torch.zeros(64, 3, 3, 3)
    torch.save({'state_dict': sd}, tmp_path / 'bad.pth')
    with pytest.raises(DataError) as e:
        build_frame_encoder('resnet18', pretrained=tmp_path / 'bad.pth')
    msg = str(e.value)
    assert 'bad.pth' in msg and 'missing keys: layer4.1.bn2.weight' in msg and 'unexpected keys: extra.weight' in msg
    assert 'conv1.weight file (64, 3, 3, 3) vs model (64, 3, 7, 7)' in msg
    (tmp_path / 'junk.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(DataError, match='cannot read'):
        load_pretrained(torchvision.models.resnet18(weights=None), tmp_path / 'junk.pth')


def test_resampler_batch_rows_independent():
    probs = torch.rand(5, 6, 7).softmax(-1)
    batch = key_expression_centres(probs, 4)
    for i in range(5): assert torch.equal(batch[i:i + 1], key_expression_centres(probs[i:i + 1], 4))
    assert (batch.diff(dim=1) >= 0).all()
    idx = clip_frame_indices(batch * 3, 18, 4, 2)
    assert idx.min() >= 0 and idx.max() < 18


def test_label_guided_only_in_training(video):
    m = build_model(tiny_config(label_guided=True))
    m.synopsis.head.step_classifier.register_forward_hook(
        lambda mod, inp, out: torch.eye(4, 7)[None].expand(out.shape[0], 4, 7) * 5)   # class j peaks at synopsis frame j
    x, _ = video
    guided = m.train()(x, torch.tensor([3, 3])).key_positions
    assert guided[:, -1].tolist() == [7, 7]                    # class 3 peaks at synopsis frame 3 = frame 7
    assert m.eval()(x, torch.tensor([3, 3])).key_positions.tolist() == m.eval()(x).key_positions.tolist()


def test_design_loss_trains_all_parameters_with_real_encoder(video):
    m = build_model(tiny_config(encoder='resnet18', clip_encoder='r2plus1d18', feature_dim=None)).train()
    x, y = video
    design_loss(m(x[:, :, :, :16, :16], y), y).backward()
    assert params_without_grad(m) == []


def test_benchmark_subprocess_runs():
    r = benchmark_model(['--batch', '2', '--frames', '8', '--size', '32', '--steps', '1', '--warmup', '0',
                         '--variants', 'rdfer,single_stream', '--threads', '1'])
    assert set(r['results']) == {'rdfer', 'single_stream'}
    assert all(v['videos_per_s'] > 0 and v['peak_mem_mb'] >= 0 for v in r['results'].values())
    assert r['time_ratio'] > 0 and r['memory_ratio'] >= 0
