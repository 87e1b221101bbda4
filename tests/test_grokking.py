"""Grokking lab: tasks, models, optimization extras and progress measures."""

import json
import math

import pytest
import torch

from genlab.phenomena.grokking import GrokConfig, GrokResult, build_grok_model, fourier_spectrum, key_frequencies, make_task, restricted_excluded_loss
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


def test_fourier_spectrum_finds_a_planted_frequency():
    p = 31
    t = torch.arange(p, dtype=torch.float64)[:, None]
    emb = torch.cat([torch.cos(2 * math.pi * 7 * t / p), torch.sin(2 * math.pi * 7 * t / p), 0.01 * torch.randn(p, 4, dtype=torch.float64)], 1)
    spectrum = fourier_spectrum(emb, p)
    assert spectrum.sum() == pytest.approx(1.0) and key_frequencies(spectrum, 1) == [7]
    assert spectrum[7] > 0.95


def test_restricted_loss_of_a_fourier_algorithm_is_low_and_excluded_loss_high():
    """Logits = sum over key w of cos(w(a + b - c)): the algorithm of a grokked network."""
    p, keys = 13, [2, 5]

    class Clock(torch.nn.Module):
        def forward(self, x):
            c = torch.arange(p)
            s = x[:, 0:1] + x[:, 1:2] - c[None, :]
            return sum(8 * torch.cos(2 * math.pi * w * s / p) for w in keys).float()

    data = make_task(GrokConfig(p=p))
    restricted, excluded = restricted_excluded_loss(Clock(), data, p, keys)
    assert restricted < 0.1 and excluded > math.log(p) - 0.1


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


@pytest.mark.parametrize("model", ["mlp", "mlp-fourier", "transformer"])
def test_a_short_run_logs_every_measure(model):
    r = grok(GrokConfig(p=13, model=model, steps=20, log_every=10, width=32, embed=16), progress=False)
    steps = [h["step"] for h in r.history]
    assert steps == [0, 10, 20]
    assert r.history[-1]["train_loss"] < r.history[0]["train_loss"]
    if model != "mlp-fourier":
        assert len(r.history[-1]["key_frequencies"]) == 5 and 0 < r.history[-1]["key_energy_share"] <= 1
        snaps = r.snapshots
        assert snaps["steps"].tolist() == [0, 10, 20] and snaps["weights"].shape == (3, 13, 16)
        assert not torch.equal(snaps["weights"][0], snaps["weights"][-1])  # the embedding moved
    else:
        assert r.snapshots is None  # a fixed embedding has nothing to draw


def test_grokfast_papers_decoder_trains_in_minibatches():
    config = GrokConfig(task="mul", p=13, model="decoder", layers=2, embed=16, steps=30, log_every=10, batch_size=32, lr=1e-3, betas=[0.9, 0.98], warmup=10, weight_decay=0.005)
    assert config.betas == (0.9, 0.98)
    model = build_grok_model(config, {})
    assert len(model.blocks) == 2 and model(torch.tensor([[1, 2], [3, 4]])).shape == (2, 13)
    r = grok(config, progress=False)
    assert [h["step"] for h in r.history] == [0, 10, 20, 30] and r.history[-1]["train_loss"] < r.history[0]["train_loss"]


def test_two_layer_transformer_has_two_blocks():
    model = build_grok_model(GrokConfig(p=13, model="transformer", layers=2, embed=16), {})
    assert len(model.attention) == 2 and model(torch.tensor([[1, 2], [3, 4]])).shape == (2, 13)


def test_parity_run_measures_the_relevant_weight_share():
    r = grok(GrokConfig(task="parity", n_bits=8, k_bits=2, train_size=200, steps=10, log_every=5, width=16), progress=False)
    assert 0 < r.history[-1]["relevant_weight_share"] < 1
    assert r.relevant_bits == make_task(GrokConfig(task="parity", n_bits=8, k_bits=2, train_size=200))["relevant"].tolist()
    back = GrokResult.from_dict(json.loads(json.dumps(r.to_dict())))  # what result.json holds, read back
    assert back == r and back.snapshots is None and "snapshots" not in r.to_dict()
    assert r.snapshots["weights"].shape == (3, 16, 8)  # first-layer weights at steps 0, 5, 10


def test_cli_grok_writes_a_complete_run(tmp_path):
    import json

    from typer.testing import CliRunner

    from genlab.cli import app

    result = CliRunner().invoke(app, ["grok", "--p", "13", "--steps", "20", "--log-every", "10", "--width", "32", "--embed", "16", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    saved = json.loads((folder / "result.json").read_text())
    assert [h["step"] for h in saved["history"]] == [0, 10, 20]
    assert len((folder / "metrics.jsonl").read_text().splitlines()) == 3
    from safetensors.torch import load_file

    assert load_file(str(folder / "snapshots.safetensors"))["weights"].shape == (3, 13, 16)
    bad = CliRunner().invoke(app, ["grok", "--p", "12", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "prime" in bad.output


def _history(train: list[float], test: list[float], every: int = 10) -> list[dict]:
    return [{"step": i * every, "train_acc": a, "test_acc": b} for i, (a, b) in enumerate(zip(train, test))]


@pytest.mark.parametrize("train,test,phase", [
    ([0.1, 0.5, 0.6, 0.7], [0.0, 0.1, 0.1, 0.1], "confusion"),
    ([0.1, 1.0, 1.0, 1.0], [0.0, 0.1, 0.2, 0.5], "memorization"),
    ([0.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.1, 0.2, 0.5, 0.95, 1.0], "grokking"),
    ([0.1, 0.95, 1.0, 1.0], [0.0, 0.6, 0.95, 1.0], "comprehension"),
])
def test_phases_follow_the_rule(train, test, phase):
    from genlab.phenomena.grokking import classify_phase

    assert classify_phase(_history(train, test), log_every=10) == phase


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
    assert all(c["phase"] in grokking.PHASES for c in result["cells"]) and sum(result["phase_counts"].values()) == 4
    cell = result["cells"][3]
    assert cell["config"]["weight_decay"] == 1.0 and cell["config"]["train_frac"] == 0.6
    assert [h["step"] for h in cell["history"]] == [0, 10, 20, 30, 40] and len(cell["history"][-1]["spectrum"]) == 7
    stored = load_results(run.folder, [c["config"] for c in result["cells"]])
    assert stored[3]["snapshot_weights"].shape == (5, 13, 16)
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
