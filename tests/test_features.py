"""Dominoes and the feature probes: label agreement, the probe against a separable case, the
study end to end."""

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from genlab.data import make_dominoes
from genlab.phenomena.features import FeaturesConfig, dominoes_cnn, linear_probe, penultimate_features


@pytest.mark.parametrize("p", [1.0, 0.95, 0.2])
def test_dominoes_label_agreement_is_p(p):
    x, y, digit = make_dominoes(4000, p, seed=1)
    assert x.shape == (4000, 1, 56, 28) and y.max() < 5
    assert float((y == digit).float().mean()) == pytest.approx(p, abs=0.02)


def test_dominoes_halves_show_the_two_datasets():
    from genlab.data import load_dataset

    x, y, digit = make_dominoes(20, 1.0, seed=2)
    mnist, fashion = load_dataset("mnist"), load_dataset("fashion-mnist")
    top, bottom = x[:, :, :28], x[:, :, 28:]
    assert all(any(torch.equal(t, m) for m in mnist.x_train[mnist.y_train == int(c)]) for t, c in zip(top[:3], digit[:3]))
    assert all(any(torch.equal(b, f) for f in fashion.x_train[fashion.y_train == int(c)]) for b, c in zip(bottom[:3], y[:3]))


def test_linear_probe_separates_what_is_separable_and_not_noise():
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (600,), generator=g)
    informative = torch.nn.functional.one_hot(labels, 3).double() * 3 + torch.randn(600, 3, generator=g, dtype=torch.float64)
    assert linear_probe(informative[:300], labels[:300], informative[300:], labels[300:]) > 0.9
    noise = torch.randn(600, 8, generator=g, dtype=torch.float64)
    assert linear_probe(noise[:300], labels[:300], noise[300:], labels[300:]) < 0.5


def test_the_cnn_takes_dominoes():
    model = dominoes_cnn(5, 64)
    x, _, _ = make_dominoes(8, 1.0)
    assert model(x).shape == (8, 5) and penultimate_features(model, x).shape == (8, 64)


def test_the_first_convolution_is_the_papers_and_old_results_read_back_as_three():
    """The paper's pseudo-code: Conv2d(3, 32, kernel_size=5, stride=2, padding=2), then 3x3 ones;
    a 56 x 28 image still ends at 128 x 7 x 4 features."""
    first = dominoes_cnn(5, 0)[0]
    assert (first.kernel_size, first.stride, first.padding) == ((5, 5), (2, 2), (2, 2))
    assert dominoes_cnn(5, 0, first_kernel=3)[0].kernel_size == (3, 3)
    assert FeaturesConfig().first_kernel == 5
    old = FeaturesConfig().to_dict()
    del old["first_kernel"]
    assert FeaturesConfig.from_dict(old).first_kernel == 3
    with pytest.raises(ValueError, match="first_kernel"):
        FeaturesConfig(first_kernel=4)


def test_without_a_dense_layer_the_probes_read_the_flattened_convolutions():
    model = dominoes_cnn(5, 0)
    x = torch.randn(3, 1, 56, 28)
    assert penultimate_features(model, x).shape == (3, 128 * 7 * 4) and model(x).shape == (3, 5)
    assert FeaturesConfig(penultimate=0).penultimate == 0
    with pytest.raises(ValueError, match="penultimate"):
        FeaturesConfig(penultimate=-1)


def test_sam_features_command(tmp_path):
    from genlab.cli import app

    res = CliRunner().invoke(app, ["sam-features", "--rhos", "0,0.1", "--seeds", "1", "--train-size", "600", "--probe-size", "300", "--test-size", "300",
                                   "--epochs", "1", "--out", str(tmp_path), "--quiet"])
    assert res.exit_code == 0, res.output
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    result = json.loads((folder / "result.json").read_text())
    assert set(result["summary"]) == {"0.0", "0.1"} and len(result["runs"]) == 2
    assert all(0 <= r["probe_item"] <= 1 and r["init_item"] == result["runs"][0]["init_item"] for r in result["runs"])
    assert "item (hard feature) probe" in (folder / "report.html").read_text()
    with pytest.raises(ValueError, match="rhos"):
        FeaturesConfig(rhos=(-0.1,))


def test_report_pairs_sam_with_sgd_by_seed():
    """The seed-by-seed table subtracts SGD's item probe of the *same* seed (runs listed out of
    order, so pairing by position would give other numbers) and counts the seeds above SGD."""
    from genlab.report._features import render_features_report

    runs = [{"rho": 0.0, "seed": 0, "probe_item": 0.80}, {"rho": 0.0, "seed": 1, "probe_item": 0.70},
            {"rho": 0.1, "seed": 1, "probe_item": 0.72}, {"rho": 0.1, "seed": 0, "probe_item": 0.79}]
    for row in runs:
        row |= {"test_accuracy": 0.99, "probe_digit": 0.9, "init_item": 0.6, "init_digit": 0.5}
    keys = ("test_accuracy", "probe_item", "probe_digit", "init_item", "init_digit")
    summary = {str(r): {k: float(np.mean([row[k] for row in runs if row["rho"] == r])) for k in keys} for r in (0.0, 0.1)}
    config = FeaturesConfig(rhos=(0.0, 0.1), seeds=2).to_dict()
    page = render_features_report({"config": config, "summary": summary, "runs": runs, "wall_seconds": 1.0}, config)
    assert "<td>0.1</td><td>+2.00 -1.00</td><td>+0.50</td><td>1 of 2</td>" in page
