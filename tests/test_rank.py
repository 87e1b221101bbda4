"""Rank statistics against independent references: scipy's Kendall tau, the PGDL competition's own
scoring program (tests/reference), and the behaviour an oracle and random measures must show.
HT-SR alpha against PyPI weightwatcher 0.7.7."""

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from genlab.estimate import bootstrap, conditional_mutual_information, granulated_tau, kendall_tau, power_law_fit, spectral_metrics

GRID = {"width": [32, 128, 512], "depth": [1, 2, 3], "lr": [0.0003, 0.001, 0.003], "weight_decay": [0, 0.0001, 0.001]}  # 81 models, as the MLP zoo


def _zoo(seed=0):
    """A fixture zoo on a complete grid: hyperparameters and a generalization gap that depends on them."""
    rng = np.random.default_rng(seed)
    hparams = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    gap = np.array([0.02 * np.log2(h["width"]) + 0.03 * h["depth"] - 10 * h["lr"] + 20 * h["weight_decay"] for h in hparams]) + rng.normal(0, 0.02, len(hparams))
    return hparams, gap


def _pgdl():
    path = Path(__file__).parent / "reference" / "pgdl_mutual_information.py"
    spec = importlib.util.spec_from_file_location("pgdl_mutual_information", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", range(3))
def test_cmi_equals_the_pgdl_scoring_program(seed):
    hparams, gap = _zoo(seed)
    rng = np.random.default_rng(100 + seed)
    reference = _pgdl()
    for measure in (gap + rng.normal(0, 0.03, len(gap)), rng.normal(size=len(gap)), -gap, np.round(gap, 1)):
        specs = {f"model_{k}": {"hparams": {a: {"current_value": h[a], "possible_values": GRID[a]} for a in GRID},
                                "metrics": {"train_acc": 1.0, "test_acc": 1.0 - g}} for k, (h, g) in enumerate(zip(hparams, gap))}
        prediction = {f"model_{k}": float(v) for k, v in enumerate(measure)}
        expected = reference.conditional_mutual_information(prediction, specs)
        assert conditional_mutual_information(hparams, measure, 1.0 - (1.0 - gap)) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_kendall_tau_matches_scipy_without_ties(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=30), rng.normal(size=30)
    b = a + rng.normal(0, 1.5, 30)
    assert kendall_tau(a, b) == pytest.approx(stats.kendalltau(a, b).statistic, abs=1e-12)


def test_granulated_tau_by_hand():
    hparams = [{"a": a, "b": b} for a in (0, 1) for b in (0, 1, 2)]
    target = np.array([h["a"] + h["b"] for h in hparams], dtype=float)
    measure = np.array([h["a"] - h["b"] for h in hparams], dtype=float)  # right along a, wrong along b
    out = granulated_tau(hparams, measure, target)
    assert out["per_axis"] == {"a": 1.0, "b": -1.0} and out["psi"] == 0.0
    assert granulated_tau(hparams[:-1], measure[:-1], target[:-1])["per_axis"]["a"] == 1.0  # a dropped run leaves a group of one: skipped


def test_an_oracle_measure_ranks_first_and_random_ones_near_zero():
    hparams, gap = _zoo(0)
    rng = np.random.default_rng(7)
    oracle = gap + rng.normal(0, 0.01, len(gap))
    randoms = [rng.normal(size=len(gap)) for _ in range(20)]
    psi = [granulated_tau(hparams, m, gap)["psi"] for m in [oracle, *randoms]]
    assert psi[0] == max(psi) and psi[0] > 0.5
    assert np.mean([abs(kendall_tau(m, gap)) for m in randoms]) <= 0.1
    null = np.mean([conditional_mutual_information(hparams, m, gap) for m in randoms]) * 100
    assert 0.5 <= null <= 2.5  # the plug-in estimate's floor on 81 models (about 2), not 0
    assert conditional_mutual_information(hparams, oracle, gap) > 0.2
    low, high = bootstrap(lambda h, m, t: kendall_tau(m, t), hparams, oracle, gap, samples=100)
    assert low <= kendall_tau(oracle, gap) <= high and low > 0.3


def test_rank_statistics_reject_mismatched_inputs():
    with pytest.raises(ValueError, match="same length"):
        kendall_tau([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 2 axes"):
        conditional_mutual_information([{"a": 1}, {"a": 2}], [1, 2], [2, 1])


def test_power_law_fit_recovers_alpha_of_pareto_samples():
    rng = np.random.default_rng(0)
    x = (1 - rng.random(5000)) ** (-1 / 1.5)  # Pareto with density ~ x^-2.5 above 1
    fit = power_law_fit(x)
    assert fit["alpha"] == pytest.approx(2.5, abs=0.1)


def _layers_to_compare():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    with torch.no_grad():  # a heavy-tailed layer, as training makes them
        mlp[2].weight.mul_(torch.distributions.StudentT(2.0).sample(mlp[2].weight.shape).clamp(-30, 30))
    cnn = nn.Sequential(nn.Conv2d(8, 64, 3), nn.ReLU(), nn.Conv2d(64, 96, 3), nn.Flatten(), nn.LazyLinear(10))
    cnn(torch.zeros(1, 8, 12, 12))
    return [mlp, cnn]


def test_alpha_matches_weightwatcher():
    ww = pytest.importorskip("weightwatcher", reason="needs weightwatcher 0.7.7 (the dev extra)")
    for model in _layers_to_compare():
        ours = [r for r in spectral_metrics(model) if r["n_evals"] >= 50]
        details = ww.WeightWatcher(model=model).analyze()
        theirs = details[details["num_evals"] >= 50]
        assert len(ours) == len(theirs) >= 2
        for row, (_, ref) in zip(ours, theirs.iterrows()):
            assert row["n_evals"] == ref["num_evals"]
            assert row["alpha"] == pytest.approx(ref["alpha"], abs=0.05)
            assert row["stable_rank"] == pytest.approx(ref["stable_rank"], rel=1e-6)
            assert row["log_spectral_norm"] == pytest.approx(ref["log_spectral_norm"], abs=1e-6)
            assert row["alpha_hat"] == pytest.approx(ref["alpha_weighted"], abs=0.05)
