"""Intrinsic dimension: Li et al.'s toy problem, whose answer is 10 by construction."""

import json

import pytest
import torch
from torch import nn

from genlab.estimate import IntrinsicDimensionConfig, IntrinsicDimensionResult, intrinsic_dimension
from genlab.train import TrainConfig

TARGET = torch.arange(1, 11, dtype=torch.float32)


class Toy(nn.Module):
    """D = 1,000 parameters in 10 groups of 100; the task asks group k to sum to k + 1: ten
    constraints, so random subspaces of d >= 10 can solve it and smaller ones cannot."""

    def __init__(self):
        super().__init__()
        self.theta = nn.Parameter(torch.zeros(1000))

    def forward(self, x):
        return self.theta.view(10, 100).sum(1).expand(len(x), 10)


def _loss(out, _y):
    return ((out[0] - TARGET) ** 2).mean()


def _score(model):
    with torch.no_grad():
        return 1 - float(_loss(model(torch.zeros(1, 1)), None)) / float((TARGET**2).mean())


def test_the_toy_problem_has_intrinsic_dimension_ten():
    result = intrinsic_dimension(Toy, (torch.zeros(1, 1), torch.zeros(1, dtype=torch.long)), score_fn=_score, loss_fn=_loss, dims=(5, 20), threshold=0.9,
                                 bisect_steps=4, full_baseline=False, train=TrainConfig(epochs=1000, lr=0.1, batch_size=1), progress=False)
    assert result.d_paper == 10 and result.n_parameters == 1000
    assert [d for d, _ in result.curve] == [5, 8, 9, 10, 12, 20]  # the grid, then the bisection
    assert IntrinsicDimensionResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_intrinsic_dimension_rejects_bad_settings():
    with pytest.raises(ValueError, match="increasing"):
        IntrinsicDimensionConfig(dims=(100, 10))
    with pytest.raises(ValueError, match="test_data"):
        intrinsic_dimension(Toy, (torch.zeros(1, 1), torch.zeros(1, dtype=torch.long)), progress=False)


def test_intrinsic_dim_command(tmp_path):
    from typer.testing import CliRunner

    from genlab.cli import app

    res = CliRunner().invoke(app, ["intrinsic-dim", "--dataset", "digits", "--width", "32", "--dims", "10,300", "--epochs", "10", "--lr", "0.05",
                                   "--bisect-steps", "1", "--out", str(tmp_path), "--quiet"])
    assert res.exit_code == 0, res.output
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    result = json.loads((folder / "result.json").read_text())
    assert [d for d, _ in result["curve"]] == [10, 155, 300] and result["full_score"] > 0.5
    assert "intrinsic dimension" in (folder / "report.html").read_text()


def test_lenet_has_the_papers_parameter_count():
    from genlab.models import ModelConfig, build_model, count_parameters

    assert count_parameters(build_model(ModelConfig("lenet"), (1, 28, 28), 10)) == 44_426  # Li et al. 2018, D for MNIST LeNet
    with pytest.raises(ValueError, match="lenet needs"):
        build_model(ModelConfig("lenet"), (1, 8, 8), 10)


def test_shuffled_pixels_permute_train_and_test_images_alike(tmp_path, monkeypatch):
    from genlab.models import ModelConfig
    from genlab.recipes import _estimate, builtin_data
    from genlab.store import RunStore

    seen = {}

    def fake(model_fn, train_data, test_data, config, *, run=None, progress=True):
        seen["train"], seen["test"] = train_data[0], test_data[0]
        return IntrinsicDimensionResult(d_paper=None, d_own=None, curve=[], full_score=None, n_parameters=0, config=config, wall_seconds=0.0)

    monkeypatch.setattr(_estimate, "intrinsic_dimension", fake)
    _estimate.intrinsic_dim_builtin("digits", ModelConfig("mlp", 8, 1), IntrinsicDimensionConfig(dims=(10,)), store=RunStore(tmp_path), train_size=50, test_size=20,
                                    shuffle_pixels=True, report=False)
    ds = builtin_data("digits", 50, 20)
    for original, shuffled in ((ds.x_train, seen["train"]), (ds.x_test, seen["test"])):
        flat, mixed = original.flatten(1), shuffled.flatten(1)
        assert not torch.equal(flat, mixed) and torch.equal(flat.sort(1).values, mixed.sort(1).values)
    # one permutation for both splits: the pixel that lands at each position is the same source pixel
    order = [int((ds.x_train.flatten(1)[:, None, :] == seen["train"].flatten(1)[:, :, None]).all(0).float().argmax(1)[k]) for k in range(3)]
    assert all(torch.equal(ds.x_test.flatten(1)[:, o], seen["test"].flatten(1)[:, k]) for k, o in enumerate(order))
