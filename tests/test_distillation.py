"""Distillation deviations: the slope and bins against scipy and a brute force, the shift
augmentation against every possible shift, the mid-training switch, and the study end to end."""

import json

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn
from typer.testing import CliRunner

from genlab.cli import app
from genlab.phenomena.distillation import DistillationConfig, DistillationResult, deviation, run, true_label_probability
from genlab.train import TrainConfig, random_shift


def test_deviation_slope_and_bins():
    rng = np.random.default_rng(0)
    pt = rng.uniform(0.05, 0.95, 400)
    lt = np.log(pt / (1 - pt))
    ps = 1 / (1 + np.exp(-(1.5 * lt - 0.2 + rng.normal(0, 0.1, 400))))  # an exaggerating student
    d = deviation(pt, ps, bins=4, bootstrap=200)
    ref = stats.linregress(lt, np.log(ps / (1 - ps)))
    assert d["slope"] == pytest.approx(ref.slope, rel=1e-9) and d["intercept"] == pytest.approx(ref.intercept, rel=1e-9)
    assert d["slope_ci"][0] < ref.slope < d["slope_ci"][1] and d["slope_ci"][0] > 1.4
    order = np.argsort(pt)
    for b, chunk in enumerate(np.array_split(order, 4)):
        assert d["bins"][b]["count"] == 100 and d["bins"][b]["teacher"] == pytest.approx(pt[chunk].mean())
        assert d["bins"][b]["student"] == pytest.approx(ps[chunk].mean())
    assert d["below_in_lowest_bin"]
    with pytest.raises(ValueError, match="same length"):
        deviation(pt, ps[:-1])


@pytest.mark.parametrize("shape", [(40, 2, 5, 6), (40, 3, 7)])
def test_random_shift_moves_each_example_by_an_allowed_offset(shape):
    x = torch.rand(shape)
    out = random_shift(2)(x, torch.Generator().manual_seed(0))
    spatial = len(shape) - 2
    seen = set()
    for xi, oi in zip(x, out):
        matches = []
        for offset in np.ndindex(*(5,) * spatial):
            o = [v - 2 for v in offset]
            want = torch.zeros_like(xi)
            src = tuple(slice(max(0, -v), n - max(0, v)) for v, n in zip(o, xi.shape[1:]))
            dst = tuple(slice(max(0, v), n - max(0, -v)) for v, n in zip(o, xi.shape[1:]))
            want[(slice(None),) + dst] = xi[(slice(None),) + src]
            if torch.equal(oi, want):
                matches.append(tuple(o))
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) >= (5 if spatial == 1 else 10)  # the offsets vary
    assert random_shift(0)(x, torch.Generator()) is x
    with pytest.raises(ValueError, match="pixels"):
        random_shift(-1)


def test_study_with_a_users_module_and_the_switch():
    torch.manual_seed(0)
    x = torch.randn(300, 1, 6, 6)
    y = (x.mean((1, 2, 3)) > 0).long() + 2 * (x[:, 0, 0, 0] > 0).long()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Flatten(), nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 4))

        def forward(self, v):
            return self.body(v)

    config = DistillationConfig(train=TrainConfig(epochs=4, batch_size=50), seeds=2, bins=5, bootstrap=50, shift=1)
    result = run(config, data=(x, y, x[:100], y[:100], 4), model_fn=Net, progress=False)
    assert len(result.seeds) == 2 and set(result.summary) == {"teacher", "one-hot", "distilled", "switch"}
    for row in result.seeds:
        assert set(row["deviation"]) == {"one-hot", "distilled", "switch"} and len(row["points"]["teacher"]) == 300
        # same initialisation, batches and shifts: the switch student equals neither pure student only if it switched mid-way
        slopes = {k: v["slope"] for k, v in row["deviation"].items()}
        assert slopes["switch"] != slopes["one-hot"] and slopes["switch"] != slopes["distilled"]
    back = DistillationResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back.seeds == result.seeds and back.config == config


def test_true_label_probability():
    model = nn.Linear(2, 3)
    x, y = torch.randn(5, 2), torch.tensor([0, 1, 2, 1, 0])
    want = model(x).double().softmax(1)[torch.arange(5), y].detach().numpy()
    np.testing.assert_allclose(true_label_probability(model, x, y), want, rtol=1e-6)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="switch"):
        DistillationConfig(switch=1.0)
    with pytest.raises(ValueError, match="model must be one of"):
        DistillationConfig(model="resnet")


def test_cli_end_to_end(tmp_path):
    res = CliRunner().invoke(app, ["distill-deviations", "--dataset", "digits", "--train-size", "600", "--seeds", "1", "--epochs", "2", "--width", "4",
                                   "--bootstrap", "20", "--out", str(tmp_path), "--quiet"])
    assert res.exit_code == 0, res.output
    folder = next(p for p in tmp_path.iterdir() if "distill" in p.name)
    assert json.loads((folder / "result.json").read_text())["n_train"] == 600
    assert (folder / "report.html").read_text().count("<img") == 2
