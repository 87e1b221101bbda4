"""The hypersphere study: the data and S' against their definitions, the bound terms against the
official code's formulas (written in numpy on its (in, out) weight layout), and the study end to end."""

import json

import numpy as np
import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from genlab.cli import app
from genlab.phenomena.uniform_convergence import (HypersphereNet, UniformConvergenceConfig, UniformConvergenceResult, bound_terms, hypersphere_data, margins,
                                                  project_to_other_sphere, run)


def test_points_lie_on_their_sphere_and_s_prime_on_the_other_with_flipped_labels():
    x, y = hypersphere_data(500, 7, (1.0, 1.1), torch.Generator().manual_seed(0))
    assert torch.allclose(x.norm(dim=1), torch.where(y == 1, 1.1, 1.0), atol=1e-6)
    assert 200 < int(y.sum()) < 300
    xs, ys = project_to_other_sphere(x, y, (1.0, 1.1))
    assert torch.equal(ys, 1 - y)
    assert torch.allclose(xs.norm(dim=1), torch.where(y == 1, 1.0, 1.1), atol=1e-6)
    assert torch.allclose(nn.functional.cosine_similarity(x, xs), torch.ones(500), atol=1e-6)


def test_margin_is_the_signed_output():
    torch.manual_seed(0)
    net = HypersphereNet(5, 9)
    x, y = torch.randn(20, 5), torch.randint(0, 2, (20,))
    f = net.out(torch.relu(net.hidden(x))).squeeze(1).detach()
    assert torch.allclose(margins(net, x, y), f * (2 * y - 1).float(), atol=1e-6)
    assert torch.allclose(nn.functional.cross_entropy(net(x), y, reduction="none"), nn.functional.softplus(-f * (2 * y - 1).float()), atol=1e-6)


def test_bound_terms_match_the_official_formulas():
    torch.manual_seed(1)
    init, net = HypersphereNet(6, 8), HypersphereNet(6, 8)
    x = torch.randn(30, 6)
    got = bound_terms(net, init, x, margin=2.0)
    # the official experiments.py keeps weights as (in, out) matrices
    w = [net.hidden.weight.detach().double().numpy().T, net.out.weight.detach().double().numpy().T]
    w0 = [init.hidden.weight.detach().double().numpy().T, init.out.weight.detach().double().numpy().T]
    spec = [np.linalg.norm(a.T, ord=2) for a in w]
    b = np.max(np.linalg.norm(x.double().numpy(), axis=1))
    depth, h = 2, 8
    pac0 = b * depth * np.sqrt(h) * np.linalg.norm([np.linalg.norm(w[k]) / spec[k] for k in range(2)]) * np.prod(spec)
    pac1 = b * depth * np.sqrt(h) * np.linalg.norm([np.linalg.norm(w[k] - w0[k]) / spec[k] for k in range(2)]) * np.prod(spec)
    cov = b * np.power(np.sum([np.power(np.sum(np.linalg.norm(w[k] - w0[k], axis=1)) / spec[k], 2.0 / 3.0) for k in range(2)]), 1.5) * np.prod(spec)
    uni = (np.linalg.norm(w0[0], ord=2) * np.linalg.norm(w[1]) + np.linalg.norm(w[0] - w0[0]) * np.linalg.norm(w[1])) * b
    for key, want in (("pac_bayes_origin", pac0), ("pac_bayes_init", pac1), ("covering_init", cov), ("unilayer", uni)):
        assert got[key] == pytest.approx(want, rel=1e-9), key
        assert got[f"{key}/bound"] == pytest.approx(want / (2.0 * np.sqrt(30)), rel=1e-9)
    assert got["distance_from_init"] == pytest.approx(np.sqrt(sum(np.linalg.norm(a - c) ** 2 for a, c in zip(w, w0))), rel=1e-9)


def test_study_with_a_users_module():
    class Wide(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 2))

        def forward(self, x):
            return self.net(x)

    config = UniformConvergenceConfig(dim=10, sizes=(32, 128), width=64, margin=1.0, threshold=0.05, test_size=500)
    result = run(config, model_fn=Wide, progress=False)
    assert [r["m"] for r in result.rows] == [32, 128]
    for r in result.rows:
        assert r["converged"] and r["train_margin_error"] <= 0.05 and r["train_error"] <= r["train_margin_error"]
        assert r["s_prime_error"] > 0.5 and r["distance_from_init"] > 0
    back = UniformConvergenceResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back.rows == result.rows and back.config == config and set(back.slopes) >= {"test_error", "distance_from_init"}


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="radii must be two increasing"):
        UniformConvergenceConfig(radii=(1.1, 1.0))
    with pytest.raises(ValueError, match="sizes must be distinct and increasing"):
        UniformConvergenceConfig(sizes=(512, 256))
    with pytest.raises(ValueError, match="threshold"):
        UniformConvergenceConfig(threshold=1.0)


def test_cli_end_to_end(tmp_path):
    res = CliRunner().invoke(app, ["uniform-convergence", "--sizes", "32,64", "--dim", "8", "--width", "32", "--margin", "1", "--test-size", "200",
                                   "--out", str(tmp_path), "--quiet"])
    assert res.exit_code == 0, res.output
    folder = next(p for p in tmp_path.iterdir() if "uniform-convergence" in p.name)
    assert [r["m"] for r in json.loads((folder / "result.json").read_text())["rows"]] == [32, 64]
    assert (folder / "report.html").read_text().count("<img") == 1
    bad = CliRunner().invoke(app, ["uniform-convergence", "--radii", "2,1", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "radii must be two increasing" in bad.output


def test_plain_sgd_takes_the_gradient_step():
    """momentum 0 is plain SGD: one full-batch step moves the weights by exactly -lr x gradient
    (Nesterov momentum 0.9 would move them 1.9 times as far on the first step)."""
    from genlab.train import TrainConfig, train

    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))
    copy_state = {k: v.clone() for k, v in model.state_dict().items()}
    loss = nn.functional.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    train(model, x, y, TrainConfig(epochs=1, batch_size=8, lr=0.1, optimizer="sgd", momentum=0.0, schedule="constant"), progress=False)
    for (name, p), g in zip(model.named_parameters(), grads):
        assert torch.allclose(p.detach(), copy_state[name] - 0.1 * g, atol=1e-6)
    with pytest.raises(ValueError, match="momentum must be in"):
        TrainConfig(momentum=1.0)
