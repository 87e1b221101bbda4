"""Double descent: the random-feature fit against numpy's pseudo-inverse, the label noise, and the
sweep end to end."""

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from genlab.phenomena.double_descent import DoubleDescentConfig, DoubleDescentResult, min_norm_fit, noisy_labels, random_features, run


def test_min_norm_fit_equals_pinv_and_interpolates_past_n():
    x = torch.randn(40, 1, 5, 5)
    targets = torch.nn.functional.one_hot(torch.randint(0, 3, (40,)), 3).double()
    for width in (10, 40, 200):
        phi = random_features(x, width, seed=1)
        beta = min_norm_fit(phi, targets)
        assert np.allclose(beta.numpy(), np.linalg.pinv(phi.numpy()) @ targets.numpy(), atol=1e-8)
        if width > 40:
            assert torch.allclose(phi @ beta, targets, atol=1e-8)  # more features than examples: an exact fit
    wide = min_norm_fit(random_features(x, 200, 1), targets)
    other = wide + torch.linalg.svd(random_features(x, 200, 1)).Vh[-1][:, None]  # another interpolating solution
    assert wide.norm() < other.norm()


def test_noisy_labels_change_exactly_their_share():
    y = torch.randint(0, 10, (1000,))
    noisy = noisy_labels(y, 0.2, 10, seed=3)
    assert int((noisy != y).sum()) == 200 and noisy.min() >= 0 and noisy.max() < 10


def test_random_features_sweep_peaks_at_n():
    g = torch.Generator().manual_seed(0)
    x, xt = torch.randn(60, 1, 6, 6, generator=g), torch.randn(400, 1, 6, 6, generator=g)
    w = torch.randn(36, 3, generator=g)
    y, yt = (x.reshape(60, -1) @ w).argmax(1), (xt.reshape(400, -1) @ w).argmax(1)
    result = run(DoubleDescentConfig(n=60, widths=(5, 20, 40, 60, 80, 200, 1000), seeds=2), data=(x, y, xt, yt, 3), progress=False)
    te = dict(zip(result.widths, result.test_error))
    assert te[60] == max(te.values()) and te[1000] < te[60]
    assert result.train_error[-1] == 0.0 and result.peak[0] == 60
    back = DoubleDescentResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back == result


def test_mlp_sweep_records_curves_and_the_command_writes_a_report(tmp_path):
    from genlab.cli import app

    res = CliRunner().invoke(app, ["double-descent", "--dataset", "digits", "--n", "200", "--model", "mlp", "--widths", "2,8,32", "--epochs", "20",
                                   "--eval-every", "5", "--label-noise", "0.1", "--loss", "mse", "--out", str(tmp_path), "--quiet"])
    assert res.exit_code == 0, res.output
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    result = json.loads((folder / "result.json").read_text())
    assert result["epochs"]["8"] == [5, 10, 15, 20] and len(result["curves"]["32"]["test"]) == 4
    assert "Over epochs" in (folder / "report.html").read_text()
    bad = CliRunner().invoke(app, ["double-descent", "--widths", "100,10", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "increasing" in bad.output
    with pytest.raises(ValueError, match="model"):
        DoubleDescentConfig(model="svm")
    full = CliRunner().invoke(app, ["double-descent", "--dataset", "digits", "--n", "100", "--model", "mlp", "--widths", "4,64", "--epochs", "10", "--optimizer", "lbfgs",
                                    "--batch-size", "100", "--lr", "1", "--eval-every", "5", "--loss", "mse", "--out", str(tmp_path / "lbfgs"), "--quiet"])
    assert full.exit_code == 0, full.output
    wide = json.loads((next(p for p in (tmp_path / "lbfgs").iterdir() if p.is_dir()) / "result.json").read_text())
    assert wide["train_error"][-1] == 0.0  # 64 hidden units on 100 digits: full-batch L-BFGS interpolates


def test_lbfgs_in_the_shared_trainer_reaches_the_least_squares_solution():
    from genlab.phenomena.double_descent._run import _MSE
    from genlab.train import TrainConfig, train

    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, 4, generator=g)
    y = torch.randint(0, 3, (50,), generator=g)
    model = torch.nn.Linear(4, 3)
    train(model, x, y, TrainConfig(epochs=30, batch_size=50, lr=1.0, optimizer="lbfgs", schedule="constant"), loss_fn=_MSE(3), progress=False)
    design = np.hstack([x.numpy(), np.ones((50, 1))]).astype(np.float64)
    solution, *_ = np.linalg.lstsq(design, np.eye(3)[y.numpy()], rcond=None)
    fitted = np.vstack([model.weight.detach().numpy().T, model.bias.detach().numpy()[None, :]])
    assert np.allclose(fitted, solution, atol=1e-4), np.abs(fitted - solution).max()
    with pytest.raises(ValueError, match="lbfgs"):
        TrainConfig(optimizer="lbfgs", weight_decay=1e-4)
