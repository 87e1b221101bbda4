"""genlab.estimate: disagreement rates, their intervals and the calibration errors of vote
ensembles, checked against scipy, closed forms and Theorem 4.2; the estimate end to end."""

import json

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn
from typer.testing import CliRunner

from genlab.estimate import (DisagreementConfig, DisagreementResult, class_aggregated_calibration_error, class_wise_calibration_error, clopper_pearson,
                             disagreement, expected_calibration_error, expected_disagreement, expected_error, summarize, vote_probabilities)
from genlab.store import RunStore
from genlab.train import TrainConfig


@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (10, 10), (137, 1000)])
def test_clopper_pearson_matches_scipy(k, n):
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    assert clopper_pearson(k, n, 0.95) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_vote_probabilities_count_votes():
    preds = np.array([[0, 1, 2], [0, 2, 2], [1, 2, 2], [0, 2, 2]])
    probs = vote_probabilities(preds, 3)
    assert probs.tolist() == [[0.75, 0.25, 0.0], [0.0, 0.25, 0.75], [0.0, 0.0, 1.0]]
    with pytest.raises(ValueError, match="class indices"):
        vote_probabilities(preds, 2)


def test_two_run_calibration_errors_by_hand():
    # two runs, three inputs, three classes. x0: both say 0, y = 0. x1: both say 1, y = 2. x2: runs say 0 and 1, y = 1.
    preds, labels = np.array([[0, 1, 0], [0, 1, 1]]), np.array([0, 2, 1])
    probs = vote_probabilities(preds, 3)
    # bins (15) hold q = 0, 0.5, 1. q = 1: (x0, 0) hit, (x1, 1) miss -> |1 - 2| = 1.
    # q = 0.5: (x2, 0) miss, (x2, 1) hit -> |1 - 1| = 0. q = 0: (x1, 2) hit among 5 zero entries -> |1 - 0| = 1.
    assert class_aggregated_calibration_error(probs, labels) == pytest.approx(2 / 3)
    # class-wise: class 0: q=1 {x0 hit} 0, q=.5 {x2 miss} .5, q=0 {x1} 0 -> .5; class 1: q=1 {x1 miss} 1, q=.5 {x2 hit} .5, q=0 {x0} 0 -> 1.5;
    # class 2: q=0 {x0, x1 hit, x2} -> 1. Sum 3 over n = 3.
    assert class_wise_calibration_error(probs, labels) == pytest.approx(1.0)
    # top class: x0 conf 1 correct, x1 conf 1 wrong -> bin 1: |1 - 2| ; x2 conf .5 (argmax 0) wrong -> |0 - .5|
    assert expected_calibration_error(probs, labels) == pytest.approx(1.5 / 3)
    assert expected_disagreement(probs) == pytest.approx(0.5 / 3)
    assert expected_error(probs, labels) == pytest.approx((0 + 1 + 0.5) / 3)


@pytest.mark.parametrize("seed", range(20))
def test_theorem_4_2_on_random_ensembles(seed):
    """|E dis - E err| <= CACE <= CWCE for any vote ensemble (exact when every bin holds one vote share)."""
    rng = np.random.default_rng(seed)
    k, n, classes = int(rng.integers(2, 12)), 200, int(rng.integers(2, 6))
    preds, labels = rng.integers(0, classes, (k, n)), rng.integers(0, classes, n)
    probs = vote_probabilities(preds, classes)
    cace = class_aggregated_calibration_error(probs, labels, bins=k + 1)
    assert abs(expected_disagreement(probs) - expected_error(probs, labels)) <= cace + 1e-12
    assert cace <= class_wise_calibration_error(probs, labels, bins=k + 1) + 1e-12


def _synthetic(rng, n, runs, classes, sharpen):
    """Inputs with class probabilities p(x) ~ Dirichlet; labels y ~ p; each run predicts from p^sharpen
    (1: calibrated by construction; > 1: over-confident runs that agree more than they are right)."""
    p = rng.dirichlet(np.ones(classes) * 0.5, n)
    labels = np.array([rng.choice(classes, p=row) for row in p])
    q = p**sharpen / (p**sharpen).sum(1, keepdims=True)
    preds = np.stack([np.array([rng.choice(classes, p=row) for row in q]) for _ in range(runs)])
    return preds, labels


def test_calibrated_ensemble_meets_gde_and_a_miscalibrated_one_is_flagged():
    rng = np.random.default_rng(0)
    config = DisagreementConfig(pairs=4)
    preds, labels = _synthetic(rng, 4000, 8, 4, sharpen=1.0)
    good = summarize(preds, 4, labels, config)
    assert abs(good["gap"]) <= 3 * good["se"] and good["status"] == "consistent"
    preds, labels = _synthetic(rng, 4000, 8, 4, sharpen=4.0)
    bad = summarize(preds, 4, labels, config)
    assert bad["status"] == "underestimate" and bad["gap"] < -3 * bad["se"]
    assert abs(bad["expected_dis"] - bad["expected_err"]) <= bad["cace"] + 1e-12
    unlabeled = summarize(preds, 4, None, config)
    assert set(unlabeled) == {"dis", "ci", "per_pair"}


def test_sources_vary_exactly_their_randomness():
    for source, differ in {"diffinit": {"init"}, "difforder": {"order"}, "diffdata": {"data"}, "alldiff": {"init", "order", "data"}}.items():
        runs = DisagreementConfig(source=source, pairs=3).runs(source)
        assert len(runs) == 6
        for a, b in zip(runs[0::2], runs[1::2]):
            assert {key for key in ("init", "order", "data") if a[key] != b[key]} == differ, source
        assert len({json.dumps(r["init"]) + json.dumps(r["order"]) + json.dumps(r["data"]) for r in runs}) == 6  # pairs differ from each other
    with pytest.raises(ValueError, match="source"):
        DisagreementConfig(source="sameinit")


def test_data_halves_are_disjoint_and_cover_the_set():
    from genlab.estimate._disagreement import _subset

    a, b = (_subset(101, {"split": "halves", "seed": 3, "part": j}) for j in (0, 1))
    assert set(a.tolist()).isdisjoint(b.tolist()) and sorted(a.tolist() + b.tolist()) == list(range(101))
    boot = _subset(100, {"split": "bootstrap", "seed": 3, "part": 0})
    assert len(boot) == 100 and len(set(boot.tolist())) < 100


def _blobs(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centers = torch.tensor([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    return centers[y] + 1.3 * torch.randn(n, 2, generator=g), y


def tiny_mlp():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))


def test_disagreement_end_to_end_resumes_and_round_trips(tmp_path):
    x, y = _blobs(400, 0)
    xt, yt = _blobs(500, 1)
    store = RunStore(tmp_path)
    run = store.start_run("disagree-test", {})
    config = DisagreementConfig(source=("alldiff", "diffinit"), pairs=2, train=TrainConfig(epochs=5, lr=0.01, batch_size=64))
    est = disagreement(tiny_mlp, (x, y), config, unlabeled=xt, labels=yt, run=run, progress=False)
    files = sorted((run.folder / "tasks").glob("*.safetensors"))
    assert len(files) == 8 and len(est.train_accuracy) == 8
    d = est.dis_by_source["alldiff"]
    assert est.error_estimate == d["dis"] and d["ci"][0] <= d["dis"] <= d["ci"][1]
    assert 0.02 < d["test_error"] < 0.4 and est.test_error == d["test_error"]  # three overlapping blobs: a real error to estimate
    assert abs(d["expected_dis"] - d["expected_err"]) <= d["cace"] + 1e-12
    stamps = [f.stat().st_mtime_ns for f in files]
    again = disagreement(tiny_mlp, (x, y), config, unlabeled=xt, labels=yt, run=run, progress=False)  # resumes: nothing retrained
    assert [f.stat().st_mtime_ns for f in files] == stamps and again.dis_by_source == est.dis_by_source
    back = DisagreementResult.from_dict(json.loads(json.dumps(est.to_dict())))
    assert back == est and back.config == config
    no_labels = disagreement(tiny_mlp, (x, y), config, unlabeled=xt, run=run, progress=False)
    assert no_labels.status == "unverified" and no_labels.test_error is None and no_labels.error_estimate == est.error_estimate


def test_disagreement_rejects_bad_inputs():
    x, y = _blobs(40, 0)
    with pytest.raises(ValueError, match="unlabeled must hold inputs shaped like"):
        disagreement(tiny_mlp, (x, y), unlabeled=torch.zeros(5, 3), progress=False)
    with pytest.raises(ValueError, match="labels"):
        disagreement(tiny_mlp, (x, y), unlabeled=x, labels=y[:5], progress=False)
    with pytest.raises(ValueError, match="pairs"):
        disagreement(tiny_mlp, (x, y), unlabeled=x, pairs=0, progress=False)


def test_disagree_command_writes_its_report(tmp_path):
    from genlab.cli import app

    out = tmp_path / "runs"
    res = CliRunner().invoke(app, ["disagree", "--dataset", "digits", "--train-size", "400", "--test-size", "300", "--epochs", "5", "--pairs", "2",
                                   "--source", "alldiff,diffdata", "--init", "he", "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "estimated test error" in res.output and "diffdata" in res.output
    folder = next(p for p in out.iterdir() if p.is_dir())
    result = json.loads((folder / "result.json").read_text())
    assert result["n_unlabeled"] == 300 and set(result["dis_by_source"]) == {"alldiff", "diffdata"} and result["model"]["init"] == "he"
    page = (folder / "report.html").read_text()
    assert "Theorem 4.2, checked" in page and "<img" in page
    from genlab.models import ModelConfig
    from genlab.report import render_disagreement_report

    config = json.loads((folder / "config.json").read_text())
    alldiff = result["dis_by_source"]["alldiff"]
    for source, status, init, hinted in (("diffinit", "underestimate", "torch", True), ("difforder", "underestimate", "he", False),
                                         ("diffinit", "consistent", "torch", False), ("alldiff", "underestimate", "torch", False)):  # alldiff's runs differ in their data too
        sources = {"alldiff": alldiff, source: {**alldiff, "status": status}}
        page = render_disagreement_report({**result, "dis_by_source": sources, "model": {**result["model"], "init": init}}, config)
        assert ("--init he" in page) == hinted
    assert repr(ModelConfig("mlp", 8, 1)) == "ModelConfig(name='mlp', width=8, depth=1, norm=False)"  # the sweep manifests of runs made before init existed
    bad = CliRunner().invoke(app, ["disagree", "--init", "xavier", "--out", str(out)])
    assert bad.exit_code == 2 and "unknown init 'xavier'" in bad.output
    bad = CliRunner().invoke(app, ["disagree", "--dataset", "digits", "--source", "alldiff,nope", "--out", str(out)])
    assert bad.exit_code == 2 and "source must be one of" in bad.output


@pytest.mark.parametrize("width", [8, 64])
def test_theorem_4_2_holds_on_trained_ensembles(width):
    """Six runs of a real recipe (digits MLPs): the pairs' |mean dis - mean err| stays within the
    ensemble's CACE plus 3 standard errors."""
    from genlab.models import BuiltinModel, ModelConfig
    from genlab.recipes import builtin_data

    ds = builtin_data("digits", 500, None)
    est = disagreement(BuiltinModel(ModelConfig("mlp", width, 1), ds.input_shape, 10), (ds.x_train, ds.y_train), unlabeled=ds.x_test, labels=ds.y_test,
                       pairs=3, train=TrainConfig(epochs=30, lr=3e-3, batch_size=32), progress=False)
    d = est.dis_by_source["alldiff"]
    assert abs(d["dis"] - d["test_error"]) <= d["cace"] + 3 * d["se"]
    assert abs(d["expected_dis"] - d["expected_err"]) <= d["cace"] + 1e-12


def test_aline_recovers_accuracy_when_nothing_shifts():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 800)
    preds = np.stack([np.where(rng.random(800) < acc, labels, rng.integers(0, 5, 800)) for acc in np.linspace(0.4, 0.9, 8)])
    from genlab.estimate import agreement_on_the_line

    out = agreement_on_the_line(preds, labels, preds, ood_labels=labels)
    assert out["agreement_line"]["slope"] == pytest.approx(1.0) and out["agreement_line"]["bias"] == pytest.approx(0.0, abs=1e-9)
    assert out["mae"]["aline_d"] == pytest.approx(0.0, abs=1e-9) and out["mae"]["aline_s"] == pytest.approx(0.0, abs=1e-9)


def test_aline_d_solves_algorithm_1():
    """ALine-D against Algorithm 1 of Baek et al. written out pair by pair, on random predictions."""
    from scipy.stats import norm

    from genlab.estimate import agreement_on_the_line

    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, 600)
    pid = np.stack([np.where(rng.random(600) < a, labels, rng.integers(0, 4, 600)) for a in np.linspace(0.5, 0.95, 6)])
    pood = np.stack([np.where(rng.random(600) < a, labels, rng.integers(0, 4, 600)) for a in np.linspace(0.3, 0.8, 6)])
    out = agreement_on_the_line(pid, labels, pood, ood_labels=labels)
    acc = (pid == labels).mean(1)
    rows, rhs, xs, ys = [], [], [], []
    for j in range(6):
        for k in range(j + 1, 6):
            gi, go = (pid[j] == pid[k]).mean(), (pood[j] == pood[k]).mean()
            if 0.05 <= gi <= 0.98 and 0.05 <= go <= 0.98:
                xs.append(norm.ppf(gi)), ys.append(norm.ppf(go))
                rows.append([0.5 if c in (j, k) else 0.0 for c in range(6)])
                rhs.append((j, k, gi, go))
    a, b = np.polyfit(xs, ys, 1)
    target = [norm.ppf(go) + a * ((norm.ppf(acc[j]) + norm.ppf(acc[k])) / 2 - norm.ppf(gi)) for j, k, gi, go in rhs]
    w = np.linalg.lstsq(np.array(rows), np.array(target), rcond=None)[0]
    assert out["estimates"]["aline_d"] == pytest.approx(norm.cdf(w).tolist(), abs=1e-9)
    assert out["estimates"]["aline_s"] == pytest.approx(norm.cdf(a * norm.ppf(acc) + b).tolist(), abs=1e-9)
    with pytest.raises(ValueError, match=">= 3 models"):
        agreement_on_the_line(pid[:2], labels, pood[:2])


def test_shifts_are_what_they_say():
    from genlab.data import apply_shift, parse_shift

    x = torch.randn(3, 1, 28, 28)
    assert torch.allclose(apply_shift(x, "rotate:360"), x, atol=1e-4)
    assert torch.allclose(apply_shift(apply_shift(x, "rotate:90"), "rotate:-90")[:, :, 4:-4, 4:-4], x[:, :, 4:-4, 4:-4], atol=1e-4)
    noisy = apply_shift(x, "noise:0.5", seed=1)
    assert (noisy - x).std().item() == pytest.approx(0.5, rel=0.05)
    low = apply_shift(x, "contrast:0.3")
    assert torch.allclose(low.std(dim=(1, 2, 3)), 0.3 * x.std(dim=(1, 2, 3)), rtol=1e-4)
    assert apply_shift(x, "blur:2").std() < 0.5 * x.std()  # white noise loses most of its variance to a blur
    for bad in ("spin:3", "noise", "contrast:1.5", "blur:-1"):
        with pytest.raises(ValueError):
            parse_shift(bad)


def test_disagreement_with_shifts_estimates_ood_accuracy():
    x, y = _blobs(400, 0)
    xt, yt = _blobs(300, 1)
    config = DisagreementConfig(pairs=2, train=TrainConfig(epochs=6, lr=0.01, batch_size=64), shift=("noise:0.5",), checkpoints=3)
    with pytest.raises(ValueError, match="shift applies to image batches|shifts apply to image batches"):
        disagreement(tiny_mlp, (x, y), config, unlabeled=xt, labels=yt, progress=False)
    with pytest.raises(ValueError, match="needs the labels"):
        disagreement(tiny_mlp, (x, y), config, unlabeled=xt, progress=False)
