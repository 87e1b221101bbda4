"""Grokking lab: tasks, models, optimization extras and progress measures."""

import copy
import json
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from genlab.phenomena.grokking import GrokConfig, GrokResult, build_grok_model, classify_phase, fourier_spectrum, key_frequencies, make_task, restricted_excluded_loss
from genlab.phenomena.grokking import run as grok
from genlab.train import Grokfast, orthogonal_gradient, stablemax_cross_entropy


@pytest.mark.parametrize("task,check", [
    ("add", lambda a, b, p: (a + b) % p),
    ("sub", lambda a, b, p: (a - b) % p),
    ("mul", lambda a, b, p: (a * b) % p),
    ("div", lambda a, b, p: (a * pow(b, p - 2, p)) % p),
    ("poly", lambda a, b, p: (a * a + a * b + b * b) % p),
])
def test_modular_tasks_label_every_pair_once(task, check):
    d = make_task(GrokConfig(task=task, p=11, train_frac=0.5))
    x = torch.cat([d["x_train"], d["x_test"]])
    y = torch.cat([d["y_train"], d["y_test"]])
    assert len(x) == (110 if task == "div" else 121) and len({tuple(r) for r in x.tolist()}) == len(x)
    assert all(int(t) == check(int(a), int(b), 11) for (a, b), t in zip(x.tolist(), y))
    assert len(d["y_train"]) == round(0.5 * len(x))


def test_sparse_parity_labels_are_the_xor_of_the_relevant_bits():
    d = make_task(GrokConfig(task="parity", n_bits=10, k_bits=3, train_size=50))
    assert d["x_train"].shape == (50, 10) and len(d["relevant"]) == 3
    assert torch.equal(d["y_train"], (d["x_train"][:, d["relevant"]].sum(1) % 2).long())


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="prime"):
        GrokConfig(p=96)
    with pytest.raises(ValueError, match="task"):
        GrokConfig(task="exp")
    with pytest.raises(ValueError, match="k <= n"):
        GrokConfig(task="parity", n_bits=3, k_bits=5)


def _dft_shares(embedding, p: int) -> np.ndarray:
    """Energy of the centred embedding at f = 0 .. (p-1)/2, by explicit cos and sin sums, over its
    total squared norm (Parseval: the shares of an odd p sum to 1 without renormalising)."""
    e = np.asarray(embedding, dtype=np.float64)
    e = e - e.mean(0)
    t = np.arange(p)
    energy = [(1 if f == 0 else 2) * (((np.cos(2 * np.pi * f * t / p) @ e) ** 2).sum() + ((np.sin(2 * np.pi * f * t / p) @ e) ** 2).sum()) / p for f in range((p - 1) // 2 + 1)]
    return np.array(energy) / (e**2).sum()


def _cross_entropy(logits, y) -> float:
    """Mean of log sum exp(logits) - logit of the label, in float64."""
    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max(1, keepdims=True)
    return float(np.mean(np.log(np.exp(logits - top).sum(1)) + top[:, 0] - logits[np.arange(len(y)), np.asarray(y)]))


def test_fourier_spectrum_of_pure_cosines_puts_all_energy_at_their_frequencies():
    # amplitude 2 at f = 3, amplitude 1 at f = 7 (phase-shifted), a constant column: energies 4 : 1 : 0
    p = 31
    t = torch.arange(p, dtype=torch.float64)[:, None]
    emb = torch.cat([2 * torch.cos(2 * math.pi * 3 * t / p), torch.sin(2 * math.pi * 7 * t / p + 0.4), torch.full((p, 1), 5.0, dtype=torch.float64)], 1)
    want = np.zeros(16)
    want[3], want[7] = 0.8, 0.2
    assert np.allclose(fourier_spectrum(emb, p), want, atol=1e-12)
    assert key_frequencies(fourier_spectrum(emb, p), 2) == [3, 7]


def test_fourier_spectrum_of_a_random_embedding_matches_a_direct_dft():
    p = 23
    emb = torch.randn(p, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    spectrum = fourier_spectrum(emb, p)
    assert spectrum.shape == (12,) and np.allclose(spectrum, _dft_shares(emb, p), atol=1e-12)
    assert key_frequencies(spectrum, 3) == (np.argsort(-_dft_shares(emb, p)[1:])[:3] + 1).tolist()


class _Logits(torch.nn.Module):
    """A 'model' whose logit for c on input (a, b) is table(a, b, c), c = 0 .. 12."""

    def __init__(self, table):
        super().__init__()
        self.table = table

    def forward(self, x):
        return self.table(x[:, 0:1].double(), x[:, 1:2].double(), torch.arange(13, dtype=torch.float64)[None, :]).float()


def test_restricted_and_excluded_losses_split_a_model_into_its_key_fourier_terms_and_the_rest():
    """Logits = sum over key w of 8 cos(w(a + b - c)) (a grokked network's algorithm) plus terms
    not of that form: cos(2 pi 4 (a - c) / p), cos(2 pi 2 (a + b + c) / p) (a key frequency with
    the wrong sign of c) and a function of (a, b) alone (it cancels in the softmax). The
    restricted loss is the loss of the key terms alone, the excluded loss that of the others."""
    p, keys = 13, [2, 5]
    angle = lambda w, s: 2 * math.pi * w * s / p  # noqa: E731
    key_part = lambda a, b, c: sum(8 * torch.cos(angle(w, a + b - c)) for w in keys)  # noqa: E731
    other_part = lambda a, b, c: 3 * torch.cos(angle(4, a - c)) + 2 * torch.cos(angle(2, a + b + c)) + (a * b) % 5 + 0 * c  # noqa: E731
    data = make_task(GrokConfig(p=p, train_frac=0.5))
    a, b, c = data["x_train"][:, 0:1].double(), data["x_train"][:, 1:2].double(), torch.arange(p, dtype=torch.float64)[None, :]
    restricted, excluded = restricted_excluded_loss(_Logits(lambda a, b, c: key_part(a, b, c) + other_part(a, b, c)), data, p, keys)
    assert restricted == pytest.approx(_cross_entropy(key_part(a, b, c), data["y_train"]), rel=1e-5)
    assert excluded == pytest.approx(_cross_entropy(other_part(a, b, c), data["y_train"]), rel=1e-5)
    assert restricted < 0.01 and excluded > 1.0
    pure_restricted, pure_excluded = restricted_excluded_loss(_Logits(key_part), data, p, keys)
    assert pure_restricted == pytest.approx(restricted, rel=1e-5) and pure_excluded == pytest.approx(math.log(p), abs=1e-6)  # nothing left: uniform (float32 logits)


def test_stablemax_cross_entropy_is_minimised_by_the_right_class():
    logits = torch.tensor([[3.0, -1.0, 0.0], [0.0, 0.0, 0.0]])
    y = torch.tensor([0, 1])
    loss = stablemax_cross_entropy(logits, y)
    s = lambda v: v + 1 if v >= 0 else 1 / (1 - v)  # noqa: E731
    want = -(math.log(s(3) / (s(3) + s(-1) + s(0))) + math.log(1 / 3)) / 2
    assert float(loss) == pytest.approx(want, rel=1e-6)


def test_orthogonal_gradient_removes_the_radial_component():
    layer = torch.nn.Linear(4, 3)
    layer(torch.randn(8, 4)).pow(2).sum().backward()
    orthogonal_gradient(layer)
    for w in layer.parameters():
        assert abs(float((w.grad * w.detach()).sum())) < 1e-5


def test_grokfast_adds_lambda_times_the_gradient_ema():
    w = torch.nn.Parameter(torch.zeros(2))
    model = torch.nn.Module()
    model.w = w
    gf = Grokfast(alpha=0.5, lamb=2.0)
    w.grad = torch.tensor([1.0, 0.0])
    gf(model)
    assert torch.allclose(w.grad, torch.tensor([3.0, 0.0]))  # ema = g at the first step
    w.grad = torch.tensor([0.0, 1.0])
    gf(model)  # ema = 0.5 [1, 0] + 0.5 [0, 1]
    assert torch.allclose(w.grad, torch.tensor([1.0, 2.0]))


def _spy_on_measure(monkeypatch) -> list:
    """A copy of the model at every measurement a run makes."""
    import genlab.phenomena.grokking._run as module

    seen, real = [], module.measure

    def spy(model, data, config):
        seen.append(copy.deepcopy(model))
        return real(model, data, config)

    monkeypatch.setattr(module, "measure", spy)
    return seen


@pytest.mark.parametrize("model", ["mlp", "mlp-fourier", "transformer"])
def test_a_short_run_logs_measures_that_match_a_hand_computation_on_its_models(model, monkeypatch):
    seen = _spy_on_measure(monkeypatch)
    config = GrokConfig(p=13, model=model, steps=20, log_every=10, width=32, embed=16)
    r = grok(config, progress=False)
    data = make_task(config)  # the split, rebuilt from the config
    assert [h["step"] for h in r.history] == [0, 10, 20] and len(seen) == 3
    for record, m in zip(r.history, seen):
        with torch.no_grad():
            for split in ("train", "test"):
                logits = m(data[f"x_{split}"]).double().numpy()
                assert record[f"{split}_loss"] == pytest.approx(_cross_entropy(logits, data[f"y_{split}"]), rel=1e-5)
                assert record[f"{split}_acc"] == pytest.approx(float((logits.argmax(1) == data[f"y_{split}"].numpy()).mean()))
            assert record["weight_norm"] == pytest.approx(math.sqrt(sum(float((w.double() ** 2).sum()) for w in m.parameters())), rel=1e-9)
            if model != "mlp-fourier":
                shares = _dft_shares(m.embed(torch.arange(13)).numpy(), 13)
                assert np.allclose(record["spectrum"], shares, atol=1e-5)
                keys = record["key_frequencies"]
                assert len(keys) == 5 and min(shares[keys]) >= max(np.delete(shares, [0, *keys])) - 1e-12  # the five strongest f >= 1
                assert record["key_energy_share"] == pytest.approx(shares[keys].sum(), abs=1e-9)
    assert r.history[-1]["train_loss"] < r.history[0]["train_loss"] - 0.1  # it trained: 20 full-batch Adam steps at lr 3e-3
    if model != "mlp-fourier":
        start = build_grok_model(config, data).embed(torch.arange(13)).detach()
        assert torch.equal(r.snapshots["steps"], torch.tensor([0, 10, 20])) and torch.equal(r.snapshots["weights"][0], start.half())  # taken before any step
        assert torch.equal(r.snapshots["weights"][-1], seen[-1].embed(torch.arange(13)).detach().half())
    else:
        assert r.snapshots is None  # a fixed embedding has nothing to draw


def test_grokfast_papers_decoder_trains_in_minibatches(monkeypatch):
    """mul mod 13: 169 pairs, 68 of them train; batches of 32 give 32, 32, 4 per epoch, 10 epochs
    in 30 steps; each measurement runs the 68 training and 101 test pairs whole."""
    import genlab.phenomena.grokking._run as module

    config = GrokConfig(task="mul", p=13, model="decoder", layers=2, embed=16, steps=30, log_every=10, batch_size=32, lr=1e-3, betas=[0.9, 0.98], warmup=10, weight_decay=0.005)
    assert config.betas == (0.9, 0.98)
    model = build_grok_model(config, {})
    assert len(model.blocks) == 2 and model(torch.tensor([[1, 2], [3, 4]])).shape == (2, 13)
    sizes, real = [], module.build_grok_model

    def watched(config, data):
        m = real(config, data)
        m.register_forward_pre_hook(lambda _, args: sizes.append(len(args[0])))
        return m

    monkeypatch.setattr(module, "build_grok_model", watched)
    r = grok(config, progress=False)
    assert [h["step"] for h in r.history] == [0, 10, 20, 30] and (r.n_train, r.n_test) == (68, 101)
    measured = [68, 101]
    assert sizes == measured + ([32, 32, 4] * 3 + [32]) + measured + ([32, 4] + [32, 32, 4] * 2 + [32, 32]) + measured + ([4] + [32, 32, 4] * 3) + measured


def test_two_layer_transformer_has_two_blocks():
    model = build_grok_model(GrokConfig(p=13, model="transformer", layers=2, embed=16), {})
    assert len(model.attention) == 2 and model(torch.tensor([[1, 2], [3, 4]])).shape == (2, 13)


def test_relevant_weight_share_is_the_first_layers_weight_mass_on_the_relevant_bits():
    from genlab.phenomena.grokking import measure

    config = GrokConfig(task="parity", n_bits=8, k_bits=2, train_size=50, width=16)
    data = make_task(config)
    model = build_grok_model(config, data)
    weight = torch.full((16, 8), 0.5)
    weight[:, data["relevant"]] = -3.0  # |w|: 16 x 2 x 3 = 96 on the relevant bits, 16 x 6 x 0.5 = 48 elsewhere
    with torch.no_grad():
        model[0].weight.copy_(weight)
    m = measure(model, data, config)
    assert m["relevant_weight_share"] == pytest.approx(96 / 144) and m["relevant_weight_per_bit"] == pytest.approx(6.0)


def test_parity_run_logs_the_share_of_its_snapshots_and_round_trips():
    r = grok(GrokConfig(task="parity", n_bits=8, k_bits=2, train_size=200, steps=10, log_every=5, width=16), progress=False)
    relevant = make_task(GrokConfig(task="parity", n_bits=8, k_bits=2, train_size=200))["relevant"].tolist()
    assert r.relevant_bits == relevant and r.snapshots["weights"].shape == (3, 16, 8)  # first-layer weights at steps 0, 5, 10
    for h, w in zip(r.history, r.snapshots["weights"].double().abs()):
        assert h["relevant_weight_share"] == pytest.approx(float(w[:, relevant].sum() / w.sum()), abs=2e-3)  # float16 snapshots
    assert r.history[0]["relevant_weight_share"] != r.history[-1]["relevant_weight_share"]
    back = GrokResult.from_dict(json.loads(json.dumps(r.to_dict())))  # what result.json holds, read back
    assert back == r and back.snapshots is None and "snapshots" not in r.to_dict()


def test_cli_grok_writes_a_complete_run(tmp_path):
    import json

    from typer.testing import CliRunner

    from genlab.cli import app

    result = CliRunner().invoke(app, ["grok", "--p", "13", "--steps", "20", "--log-every", "10", "--width", "32", "--embed", "16", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    saved = json.loads((folder / "result.json").read_text())
    here = grok(GrokConfig(p=13, steps=20, log_every=10, width=32, embed=16), progress=False)  # what the flags ask for, run in this process
    assert [h["step"] for h in saved["history"]] == [0, 10, 20] and GrokConfig.from_dict(saved["config"]) == here.config
    assert [(h["train_loss"], h["test_acc"]) for h in saved["history"]] == [(h["train_loss"], h["test_acc"]) for h in here.history]
    assert len((folder / "metrics.jsonl").read_text().splitlines()) == 3
    from safetensors.torch import load_file

    assert torch.equal(load_file(str(folder / "snapshots.safetensors"))["weights"], here.snapshots["weights"])
    bad = CliRunner().invoke(app, ["grok", "--p", "12", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "prime" in bad.output


def _history(train: list[float], test: list[float], every: int = 10) -> list[dict]:
    return [{"step": i * every, "train_acc": a, "test_acc": b} for i, (a, b) in enumerate(zip(train, test))]


@pytest.mark.parametrize("train,test,phase", [
    ([0.1, 0.5, 0.6, 0.7], [0.0, 0.1, 0.1, 0.1], "confusion"),
    ([0.1, 0.89, 0.89, 0.89], [0.0, 0.95, 0.95, 0.95], "confusion"),  # 89% train is below the 90% threshold
    ([0.1, 1.0, 1.0, 1.0], [0.0, 0.1, 0.2, 0.5], "memorization"),
    ([0.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.1, 0.2, 0.5, 0.95, 1.0], "grokking"),
    ([0.1, 0.95, 1.0, 1.0], [0.0, 0.6, 0.95, 1.0], "comprehension"),
    # train at step 10: grokking needs test at least max(2 x 10, 4 x 10) = 40 steps later, at step 50
    ([0.1, 0.9, 1, 1, 1, 1], [0, 0, 0, 0, 0.9, 1], "comprehension"),  # test at step 40: 30 steps later
    ([0.1, 0.9, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0.9], "grokking"),  # test at step 50: 40 steps later
    # train at step 30: the 2 x train rule binds, test at step 90 or later
    ([0, 0, 0, 0.9] + [1] * 7, [0] * 8 + [0.9] * 3, "comprehension"),  # test at step 80: 50 < 60 steps later
    ([0, 0, 0, 0.9] + [1] * 7, [0] * 9 + [0.9] * 2, "grokking"),  # test at step 90
])
def test_phases_follow_the_rule(train, test, phase):
    assert classify_phase(_history(train, test), log_every=10) == phase


def test_a_small_modular_addition_run_groks():
    """a + b mod 31, half the 961 pairs train, MLP (width 256, embedding 64), AdamW lr 1e-2 with
    weight decay 5, full batch. Measured: train accuracy 100% at step 50 with test accuracy 0%
    (below chance, 1/31), test accuracy 95% only at step 650 (seeds 1 and 2: step 1000, 99% at
    1250 for seed 0); restricted loss above excluded loss while memorizing (2.83 > 1.11), below
    once generalized (0.43 < 2.54). About 4 s on one thread."""
    config = GrokConfig(p=31, train_frac=0.5, weight_decay=5.0, lr=1e-2, width=256, embed=64, steps=3000, log_every=50, stop_at=0.95)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: one thread is faster, and a busy machine does not slow it tenfold
    try:
        r = grok(config, progress=False)
    finally:
        torch.set_num_threads(threads)
    fitted = next(h for h in r.history if h["train_acc"] >= 0.99)
    generalized = next((h for h in r.history if h["test_acc"] >= 0.95), None)
    assert generalized is not None, f"test accuracy ended at {r.history[-1]['test_acc']:.3f}"
    assert fitted["step"] <= 100 and fitted["test_acc"] < 1 / 31  # memorized, test accuracy at chance or below
    assert generalized["step"] >= fitted["step"] + 500 and generalized is r.history[-1] and generalized["step"] < config.steps  # stop_at ended it there
    assert all(h["train_acc"] >= 0.99 for h in r.history if h["step"] >= fitted["step"])  # it kept fitting while it grokked
    assert classify_phase(r.history, config.log_every) == "grokking"
    assert fitted["restricted_loss"] > fitted["excluded_loss"] and generalized["restricted_loss"] < generalized["excluded_loss"]
    assert generalized["key_energy_share"] > fitted["key_energy_share"] + 0.3  # the embedding concentrated on a few frequencies


def test_phase_diagram_sweep_classifies_every_cell_and_resumes(tmp_path, monkeypatch):
    import genlab.phenomena.grokking as grokking
    import genlab.recipes._grokking as recipe
    from genlab.store import RunStore
    from genlab.sweep import load_results

    base = GrokConfig(p=13, steps=40, log_every=10, width=32, embed=16)
    rows, cols = ("weight_decay", [0.0, 1.0]), ("train_frac", [0.3, 0.6])
    store = RunStore(tmp_path)
    real, calls = recipe.sweep_cell, []

    def flaky(cell, shared=None):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(cell)
        return real(cell, shared)

    monkeypatch.setattr(recipe, "sweep_cell", flaky)
    with pytest.raises(KeyboardInterrupt):
        recipe.grok_sweep(base, rows, cols, store=store, workers=0, progress=False, report=False)
    (run_row,) = store.runs()
    assert run_row["status"] == "failed"
    calls.clear()
    monkeypatch.setattr(recipe, "sweep_cell", lambda cell, shared=None: calls.append(cell) or real(cell, shared))
    result, run = recipe.grok_sweep(None, None, None, store=store, workers=0, progress=False, run_id=run_row["id"], report=False)
    assert len(calls) == 2  # only the two unfinished cells ran
    assert [(c["row"], c["col"]) for c in result["cells"]] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert result["phase_counts"] == {p: sum(c["phase"] == p for c in result["cells"]) for p in grokking.PHASES}
    cell = result["cells"][3]
    assert cell["config"]["weight_decay"] == 1.0 and cell["config"]["train_frac"] == 0.6
    alone = grok(replace(base, weight_decay=1.0, train_frac=0.6), progress=False)  # the same cell, run on its own
    assert [(h["train_acc"], h["test_acc"], h["train_loss"]) for h in cell["history"]] == [(h["train_acc"], h["test_acc"], h["train_loss"]) for h in alone.history]
    assert cell["phase"] == classify_phase(alone.history, 10)
    assert [h["step"] for h in cell["history"]] == [0, 10, 20, 30, 40] and len(cell["history"][-1]["spectrum"]) == 7
    stored = load_results(run.folder, [c["config"] for c in result["cells"]])
    assert torch.equal(stored[3]["snapshot_weights"], alone.snapshots["weights"]) and alone.snapshots["weights"].shape == (5, 13, 16)
    assert store.runs()[0]["status"] == "complete"


def test_sweep_axes_are_checked():
    from genlab.phenomena.grokking import sweep_configs

    with pytest.raises(ValueError, match="axes"):
        sweep_configs(GrokConfig(), ("momentum", [1, 2]), ("lr", [1, 2]))
    with pytest.raises(ValueError, match="differ"):
        sweep_configs(GrokConfig(), ("lr", [1, 2]), ("lr", [3, 4]))
    with pytest.raises(ValueError, match="distinct"):
        sweep_configs(GrokConfig(), ("lr", [1, 1]), ("weight_decay", [3, 4]))


def test_cli_grok_sweep_refuses_a_bad_grid_and_draws_a_diagram(tmp_path):
    from typer.testing import CliRunner

    from genlab.cli import app

    bad = CliRunner().invoke(app, ["grok-sweep", "--weight-decay", "0,1", "--train-frac", "0.5", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "exactly two" in bad.output
    bad = CliRunner().invoke(app, ["grok-sweep", "--weight-decay", "0,1", "--train-frac", "0.5,1.5", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "train_frac" in bad.output
    ok = CliRunner().invoke(app, ["grok-sweep", "--p", "13", "--steps", "20", "--log-every", "10", "--weight-decay", "0,1", "--train-frac", "0.3,0.6",
                                  "--workers", "0", "--out", str(tmp_path), "--quiet"])
    assert ok.exit_code == 0, ok.output
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    assert (folder / "report.html").is_file() and len(list((folder / "cells").glob("*.html"))) == 4
