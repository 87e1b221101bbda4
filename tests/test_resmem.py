"""ResMem: the soft k-NN against a brute force, exact memorization of the training labels, the
validation choice, a user's own module, and the study end to end through the CLI."""

import json

import numpy as np
import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from genlab.cli import app
from genlab.memorization import ResMem, ResMemConfig, ResMemResult, feature_function, nearest, residuals, resmem_study, soft_knn



class TwoStage(nn.Module):
    """A user's module that is not an nn.Sequential: features() then a linear head."""

    def __init__(self, d: int, width: int, classes: int):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, width), nn.Tanh())
        self.head = nn.Linear(width, classes)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


def test_soft_knn_matches_a_brute_force():
    g = torch.Generator().manual_seed(0)
    memory, values, queries = torch.randn(50, 3, generator=g), torch.randn(50, 4, generator=g, dtype=torch.float64), torch.randn(7, 3, generator=g)
    k, sigma = 5, 0.7
    dist, index = nearest(memory, queries, k, batch_size=3)
    got = soft_knn(dist, index, values, k, sigma).numpy()
    for q in range(len(queries)):
        d = np.sqrt(((memory.numpy() - queries[q].numpy()) ** 2).sum(1))
        near = np.argsort(d)[:k]
        w = np.exp(-d[near] / sigma)
        np.testing.assert_allclose(got[q], (w / w.sum()) @ values.numpy()[near], rtol=1e-5)


@pytest.mark.parametrize("k, sigma", [(1, 1.0), (5, 1e-6)])
def test_memorized_points_get_their_training_labels_exactly(k, sigma):
    torch.manual_seed(0)
    x, y = torch.randn(60, 5), torch.randint(0, 3, (60,))
    model = TwoStage(5, 8, 3)  # untrained: its own predictions are near uniform
    rm = ResMem.fit(model, (x, y), (torch.randn(10, 5), torch.randint(0, 3, (10,))), ks=(k,), sigmas=(sigma,))
    rm.sigma, rm.scale = sigma, 1.0
    p = rm.predict_proba(x)
    assert torch.allclose(p, nn.functional.one_hot(y, 3).double(), atol=1e-6)
    assert torch.equal(rm.predict(x), y)


def test_residuals_and_feature_functions():
    p = torch.tensor([[0.7, 0.2, 0.1]])
    assert torch.allclose(residuals(p, torch.tensor([1])), torch.tensor([[-0.7, 0.8, -0.1]]))
    seq = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    x = torch.randn(3, 4)
    assert torch.equal(feature_function(seq)(x), torch.relu(seq[0](x)))
    user = TwoStage(4, 6, 2)
    assert torch.equal(feature_function(user)(x), user.body(x))
    with pytest.raises(ValueError, match="features="):
        feature_function(nn.Linear(4, 2))


def test_validation_picks_the_memory_when_the_base_model_knows_nothing():
    """A base model that outputs a constant: ResMem is then a k-NN classifier on the features,
    which separates two well-apart clusters; the base model stays at chance."""

    class Blind(nn.Module):
        def __init__(self):
            super().__init__()
            self.bias = nn.Parameter(torch.zeros(2))

        def features(self, x):
            return x

        def forward(self, x):
            return self.bias.expand(len(x), 2)

    g = torch.Generator().manual_seed(1)
    y = torch.randint(0, 2, (400,), generator=g)
    x = torch.randn(400, 2, generator=g) + 4.0 * y[:, None].float()
    rm = ResMem.fit(Blind(), (x[:300], y[:300]), (x[300:], y[300:]), ks=(1, 10), sigmas=(0.1, 1.0))
    assert rm.base_validation_accuracy < 0.75 and max(rm.validation.values()) > 0.95
    assert set(rm.validation) == {"1,0.1", "1,1", "10,0.1", "10,1"}
    assert rm.validation[f"{rm.k},{rm.sigma:g}"] == max(rm.validation.values())


def test_study_with_a_users_module_round_trips():
    torch.manual_seed(0)
    x, y = torch.randn(300, 6), torch.randint(0, 3, (300,))
    config = ResMemConfig(widths=(4, 8), validation=60, ks=(1, 5), sigmas=(0.3, 1.0))
    result = resmem_study(config, data=(x, y, x[:50], y[:50]), model_fn=lambda w: TwoStage(6, w, 3), progress=False)
    assert [r["width"] for r in result.rows] == [4, 8] and result.n_train == 240 and result.n_validation == 60
    for r in result.rows:
        assert r["gain"] == pytest.approx(r["resmem_test_accuracy"] - r["base_test_accuracy"])
        assert r["n_parameters"] == 6 * r["width"] + r["width"] + 3 * r["width"] + 3
    back = ResMemResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back.rows == result.rows and back.config == config


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="model must be one of"):
        ResMemConfig(model="resnet")
    with pytest.raises(ValueError, match="ks must be non-empty and distinct"):
        ResMemConfig(ks=(3, 3))
    with pytest.raises(ValueError, match="sigmas must be a finite number"):
        ResMemConfig(sigmas=(0.0,))
    with pytest.raises(ValueError, match="train_size must be an integer >= 5001"):
        ResMemConfig(train_size=5000)


def test_cli_end_to_end(tmp_path):
    res = CliRunner().invoke(app, ["resmem", "--dataset", "digits", "--widths", "4,16", "--validation", "200", "--epochs", "3", "--out", str(tmp_path), "--quiet"])
    assert res.exit_code == 0, res.output
    folder = next(p for p in tmp_path.iterdir() if p.name.endswith(tuple("0123456789abcdef")) and "resmem" in p.name)
    result = json.loads((folder / "result.json").read_text())
    assert [r["width"] for r in result["rows"]] == [4, 16] and (folder / "report.html").read_text().count("<img") == 1
    bad = CliRunner().invoke(app, ["resmem", "--validation", "0", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "validation must be an integer" in bad.output
