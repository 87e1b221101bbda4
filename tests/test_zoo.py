"""The model zoo (resumable through the sweep engine), the measures against closed forms, the
ranking, and the zoo / measures / weightwatch commands."""

import copy
import json

import numpy as np
import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from genlab.estimate import MEASURES, ZooConfig, ZooModel, ZooResult, gde_summary, rank_measures, zoo, zoo_tasks
from genlab.estimate._measures import _perturbed_error, margin, pac_bayes_sigma, sharpness_alpha
from genlab.recipes import builtin_data
from genlab.store import RunStore


@pytest.fixture(scope="module")
def digits():
    ds = builtin_data("digits", None, 300)
    return [(ds.x_train[:300], ds.y_train[:300]), (ds.x_train[300:600], ds.y_train[300:600])], (ds.x_test, ds.y_test), ds


SMALL = ZooConfig(grid={"width": (16, 32), "lr": (0.003, 0.01)}, max_epochs=80, stop_ce=0.1, batch_size=32, measure_examples=100)


class Killed(ZooModel):
    """A ZooModel (same manifest name) that stops the zoo, as Ctrl-C would, at its third run."""

    calls = 0

    def __call__(self, hparams):
        Killed.calls += 1
        if Killed.calls == 3:
            raise KeyboardInterrupt
        return super().__call__(hparams)


def test_a_killed_zoo_resumes_to_exactly_its_runs(tmp_path, digits):
    slices, test, ds = digits
    run = RunStore(tmp_path).start_run("zoo-test", {})
    with pytest.raises(KeyboardInterrupt):
        zoo(Killed("mlp", ds.input_shape, 10), slices, test, SMALL, run=run, progress=False)
    assert len(list((run.folder / "tasks").glob("*.safetensors"))) == 2
    result = zoo(ZooModel("mlp", ds.input_shape, 10), slices, test, SMALL, run=run, progress=False)
    files = list((run.folder / "tasks").glob("*"))
    assert len(files) == len(zoo_tasks(SMALL)) == 4 * 3 and all(f.suffix == ".safetensors" for f in files)
    assert len(result.configs) == 4 and all(len(c["runs"]) == 3 for c in result.configs)
    c = result.configs[0]
    assert {r["data"] for r in c["runs"]} == {0, 1} and 0 <= c["dis_seeds"] <= 1 and 0 <= c["dis_alldiff"] <= 1
    assert all(set(r["measures"]) == set(MEASURES) | {"steps_to_ce_0.1", "steps_ce_0.1_to_0.01", "gradient_noise"} for r in c["runs"] if r["data"] == 0)
    assert [r["measures"] for r in c["runs"] if r["data"] == 1] == [{}]  # the partner serves the disagreement only
    back = ZooResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back.config == SMALL and back.configs == result.configs
    ranking = rank_measures(result, samples=20)
    assert {r["measure"] for r in ranking} >= {"disagreement", "ww_alpha", "distance_from_init"}
    assert all(-1 <= r["tau"] <= 1 and "cmi" in r for r in ranking)
    assert set(gde_summary(result)) <= {"seeds", "alldiff"}


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_he_init_draws_normal_weights_of_variance_two_over_fan_in(name):
    from genlab.models import ModelConfig, build_model

    torch.manual_seed(0)
    he = ZooModel(name, (1, 8, 8), 10, init="he")({"width": 64, "depth": 2})
    torch.manual_seed(0)
    default = build_model(ModelConfig(name, 64, 2), (1, 8, 8), 10)
    layers = [(a, b) for a, b in zip(he.modules(), default.modules()) if isinstance(a, (nn.Linear, nn.Conv2d))]
    assert len(layers) == 3
    for a, b in layers:
        fan_in = a.weight[0].numel()  # in_channels x kernel area, or in_features
        rel = 4 * (2 / a.weight.numel()) ** 0.5  # 4 standard errors of a sample variance
        assert abs(a.weight.var().item() * fan_in / 2 - 1) < rel  # He: 2 / fan_in (not fan_out, not gain 1)
        assert a.weight.abs().max() > 3 ** 0.5 * (2 / fan_in) ** 0.5  # normal, not uniform of that variance
        assert abs(b.weight.var().item() * 3 * fan_in - 1) < rel  # PyTorch's default: uniform, 1 / (3 fan_in)
        assert not a.bias.any() and b.bias.any()
    assert repr(ZooModel(name, (1, 8, 8), 10)) == f"ZooModel({name!r}, input_shape=(1, 8, 8), num_classes=10)"  # old zoos' manifests still match
    with pytest.raises(ValueError, match="unknown init"):
        ModelConfig(name, init="xavier")


def test_grid_rejects_unknown_axes_and_repeats():
    with pytest.raises(ValueError, match="grid axis 'colour'"):
        ZooConfig(grid={"colour": (1, 2)})
    with pytest.raises(ValueError, match="distinct values"):
        ZooConfig(grid={"width": (8, 8)})
    assert len(ZooConfig().configurations()) == 81
    assert ZooConfig.from_dict(json.loads(json.dumps(ZooConfig().to_dict()))) == ZooConfig()


def _two_layer():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_norm_measures_against_closed_forms():
    model, init = _two_layer(), _two_layer()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3)
    x, y = torch.randn(50, 3), torch.randint(0, 2, (50,))
    w1, w2 = model[1].weight.detach().numpy().astype(float), model[3].weight.detach().numpy().astype(float)
    assert MEASURES["log_prod_spectral"](model, init, x, y) == pytest.approx(2 * np.log(np.linalg.norm(w1, 2) * np.linalg.norm(w2, 2)), rel=1e-5)
    assert MEASURES["log_prod_frobenius"](model, init, x, y) == pytest.approx(2 * np.log(np.linalg.norm(w1) * np.linalg.norm(w2)), rel=1e-5)
    v1, v2 = init[1].weight.detach().numpy().astype(float), init[3].weight.detach().numpy().astype(float)
    assert MEASURES["distance_from_init"](model, init, x, y) == pytest.approx(((w1 - v1) ** 2).sum() + ((w2 - v2) ** 2).sum(), rel=1e-5)
    assert MEASURES["parameter_norm"](model, init, x, y) == pytest.approx((w1**2).sum() + (w2**2).sum(), rel=1e-5)
    paths = sum(w2[o, h] ** 2 * w1[h, i] ** 2 for o in range(2) for h in range(4) for i in range(3))  # every input -> hidden -> output path
    assert MEASURES["path_norm"](model, init, x, y) == pytest.approx(np.log(paths), rel=1e-5)
    z = model(x).detach().numpy()
    margins = z[np.arange(50), y.numpy()] - z[np.arange(50), 1 - y.numpy()]
    assert margin(model, x, y) == pytest.approx(np.quantile(margins, 0.1), rel=1e-5)


def _trained_classifier():
    torch.manual_seed(1)
    x = torch.randn(400, 5)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
    from genlab.train import TrainConfig, train

    train(model, x, y, TrainConfig(epochs=60, lr=0.01), progress=False)
    return model.eval(), x, y


def test_pac_bayes_sigma_sits_at_the_deviation():
    model, x, y = _trained_classifier()
    sigma = pac_bayes_sigma(model, x, y)
    base = float((model(x).argmax(1) != y).float().mean())
    scale = torch.full((sum(p.numel() for p in model.parameters()),), sigma)
    rise = _perturbed_error(model, x, y, scale, 8, torch.Generator().manual_seed(0)) - base
    assert rise <= 0.1 + 1e-9
    assert _perturbed_error(model, x, y, scale * 4, 8, torch.Generator().manual_seed(0)) - base > 0.1  # a much wider perturbation breaks it
    sharper = copy.deepcopy(model)
    with torch.no_grad():  # the same function with the first layer 10x larger, the second 10x smaller: flatness is not scale-invariant
        sharper[0].weight.mul_(10), sharper[0].bias.mul_(10), sharper[2].weight.div_(10)
    assert pac_bayes_sigma(sharper, x, y) < sigma


def test_perturbed_error_stops_early_only_above_the_threshold():
    model, x, y = _trained_classifier()
    scale = torch.full((sum(p.numel() for p in model.parameters()),), 0.5)
    full = _perturbed_error(model, x, y, scale, 8, torch.Generator().manual_seed(0))
    assert _perturbed_error(model, x, y, scale, 8, torch.Generator().manual_seed(0), above=full + 0.01) == pytest.approx(full)  # never above: the full mean
    early = _perturbed_error(model, x, y, scale, 8, torch.Generator().manual_seed(0), above=full / 4)
    assert full / 4 < early <= full


def test_sharpness_alpha_is_the_largest_box_whose_ascent_stays_within_the_deviation():
    model, x, y = _trained_classifier()
    base = float((model(x).argmax(1) != y).float().mean())

    def worst(alpha):  # brute force: the same projected sign ascent, the error of every iterate
        probe = copy.deepcopy(model)
        w0 = [p.detach().clone() for p in model.parameters()]
        errors = []
        for step in range(11):
            logits = probe(x)
            errors.append(float((logits.argmax(1) != y).float().mean()))
            if step == 10:
                break
            grads = torch.autograd.grad(nn.functional.cross_entropy(logits, y), list(probe.parameters()))
            with torch.no_grad():
                for p, g, b in zip(probe.parameters(), grads, w0):
                    r = alpha * (b.abs() + 1e-3)
                    p.add_(r * g.sign() / 2).copy_(torch.maximum(torch.minimum(p, b + r), b - r))
        return max(errors)

    alpha = sharpness_alpha(model, x, y)
    assert worst(alpha) - base <= 0.1 + 1e-9
    assert worst(alpha * 1.02) - base > 0.1  # the bisection's bracket is 1.6% wide


def test_zoo_measures_and_weightwatch_commands(tmp_path):
    from genlab.cli import app

    out = tmp_path / "runs"
    res = CliRunner().invoke(app, ["zoo", "--dataset", "digits", "--train-size", "200", "--test-size", "200", "--grid", "width=8,16 lr=0.003,0.01",
                                   "--max-epochs", "40", "--stop-ce", "0.1", "--batch-size", "32", "--measure-examples", "50", "--init", "he", "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    folder = next(p for p in out.iterdir() if p.is_dir())
    assert "measures against the gap" in res.output and (folder / "report.html").is_file()
    assert json.loads((folder / "result.json").read_text())["init"] == "he" and "He et al. (2015)" in (folder / "report.html").read_text()
    res = CliRunner().invoke(app, ["weightwatch", str(folder), "--quiet"])
    assert res.exit_code == 0, res.output
    spectra = json.loads((folder / "spectra.json").read_text())
    assert len(spectra["runs"]) == 12 and all(layer["alpha"] > 1 for r in spectra["runs"] for layer in r["layers"])
    res = CliRunner().invoke(app, ["measures", str(folder), "--target", "test_error", "--all-configs"])
    assert res.exit_code == 0 and "test_error" in res.output
    assert json.loads((folder / "result.json").read_text())["ranking_converged_only"] is False
    page = (folder / "report.html").read_text()
    assert "Spectra of the weights" in page and "alpha" in page and page.count("<img") >= 4
    from genlab.report import render_zoo_report

    summary, config = json.loads((folder / "result.json").read_text()), json.loads((folder / "config.json").read_text())
    for ratio, init, flagged, hinted in ((0.5, "torch", True, True), (0.5, None, True, True), (0.5, "he", True, False), (0.8, "torch", False, False)):
        summary["gde"] = {"seeds": {"n": 4, "mean_abs_gap": 0.05, "tau": 0.5, "mean_ratio": ratio, "min_ratio": ratio}}
        summary.pop("init", None) if init is None else summary.update(init=init)  # None: a result written before the init option
        page = render_zoo_report(summary, config, folder)
        assert ("Same-data seeds underestimate the test error: their mean dis / err is 0.50" in page) == flagged  # 0.8 is within 1 / 1.3
        assert ("--init he" in page) == hinted
    bad = CliRunner().invoke(app, ["zoo", "--grid", "width=8 colour=1", "--out", str(out)])
    assert bad.exit_code == 2 and "colour" in bad.output
    bad = CliRunner().invoke(app, ["zoo", "--init", "xavier", "--out", str(out)])
    assert bad.exit_code == 2 and "unknown init 'xavier'" in bad.output
    bad = CliRunner().invoke(app, ["weightwatch", str(tmp_path)])
    assert bad.exit_code == 2
