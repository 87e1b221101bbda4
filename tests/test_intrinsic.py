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
