"""The Python API on scikit-learn's digits: a user's own nn.Module, both priors, honest choices."""

import json
import math

import pytest
import torch
from torch import nn

import genlab
from genlab.bounds import occam_bound
from genlab.certify import CertifyConfig, CertifyResult, split_prior_bound, verify
from genlab.data import load_dataset
from genlab.store import RunStore
from genlab.train import TrainConfig

FAST = dict(subspace_dims=(40, 80), levels=(3, 5), train=TrainConfig(epochs=8, lr=0.1, batch_size=64), qat=TrainConfig(epochs=3, lr=0.01, batch_size=64))


class UserNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))

    def forward(self, x):
        return self.body(x)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_certify_a_user_model(digits, tmp_path):
    torch.manual_seed(0)
    model = UserNet()
    before = [p.clone() for p in model.parameters()]
    run = RunStore(tmp_path).start_run("custom", {})
    result = genlab.certify_classifier(model, (digits.x_train, digits.y_train), test_data=(digits.x_test, digits.y_test), config=CertifyConfig(**FAST), run=run)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # the user's model is not modified
    assert result.n_bound == 1437 and result.bound == "occam-kl" and result.prior == "data-independent"
    # The certificate is the Occam-kl bound of the decoded model's own numbers...
    assert result.error_bound == pytest.approx(occam_bound(result.train_errors / 1437, 1437, result.bits_total, 0.05), abs=1e-12)
    # ... with the grid choice paid: 4 configurations, 2 header bits.
    assert result.grid_size == 4 and result.bits["hyperparameters"] == 2
    assert result.error_bound == min(c["error_bound"] for c in result.candidates)
    assert result.train_error < result.error_bound < 1
    assert result.error_bound < result.baselines["random_guess_error"]  # non-vacuous on 1,437 digits
    run.complete(result.to_dict())
    assert CertifyResult.from_dict(json.loads((run.folder / "result.json").read_text())) == result  # result.json holds the whole result
    torch.manual_seed(1)
    report = verify(run.folder, model=UserNet(), train_data=(digits.x_train, digits.y_train), test_data=(digits.x_test, digits.y_test))
    # theta_0 of a user model is its given initialisation, which a fresh UserNet() does not reproduce:
    failed = [c.name for c in report.checks if not c.ok]
    assert failed == ["theta_0 is the seeded initialisation"]


def test_qat_restarts_are_grid_points_paid_in_bits(digits, tmp_path):
    config = CertifyConfig(**FAST | dict(subspace_dims=(40,), levels=(3,), qat_restarts=3))
    assert config.grid == [(40, 3, 0), (40, 3, 1), (40, 3, 2)]
    torch.manual_seed(0)
    model = UserNet()
    run = RunStore(tmp_path).start_run("custom", {})
    result = genlab.certify_classifier(model, (digits.x_train, digits.y_train), config=config, run=run)
    assert result.grid_size == 3 and result.bits["hyperparameters"] == 2
    assert [c["qat_restart"] for c in result.candidates] == [0, 1, 2]
    assert len({c["train_errors"] for c in result.candidates}) > 1  # different batch orders, different codes
    assert result.error_bound == min(c["error_bound"] for c in result.candidates)
    run.complete(result.to_dict())
    report = verify(run.folder, model=model, train_data=(digits.x_train, digits.y_train))
    assert report.ok, [c for c in report.checks if not c.ok]


def test_data_dependent_prior_bounds_only_the_held_out_part(digits):
    torch.manual_seed(0)
    config = CertifyConfig(prior="data-dependent", prior_fraction=0.5, prior_train=TrainConfig(epochs=10, lr=3e-3, batch_size=64), **FAST)
    result = genlab.certify_classifier(UserNet(), (digits.x_train, digits.y_train), (digits.x_test, digits.y_test), config)
    prior_idx, bound_idx = split_prior_bound(1437, 0.5, 0)
    assert len(set(prior_idx.tolist()) & set(bound_idx.tolist())) == 0 and len(prior_idx) + len(bound_idx) == 1437
    assert result.n_bound == len(bound_idx) == 719 and result.n_prior == 718
    baseline = result.baselines["prior_only"]
    assert baseline["bits_total"] == 0
    assert baseline["error_bound"] == pytest.approx(occam_bound(baseline["train_errors"] / 719, 719, 0, 0.05))
    assert baseline["test_error"] < 0.2  # theta_0 learned something from its half


@pytest.mark.parametrize("kwargs,message", [
    (dict(delta=0.0), "delta must lie strictly between 0 and 1"),
    (dict(delta=1.0), "delta must lie strictly between 0 and 1"),
    (dict(delta=math.nan), "delta must lie strictly between 0 and 1"),
    (dict(levels=(1,)), "levels must be integers >= 2"),
    (dict(subspace_dims=(100, 100)), "must not repeat"),
    (dict(qat_restarts=0), "qat_restarts must be an integer >= 1"),
    (dict(prior="learned"), "prior must be one of"),
    (dict(projector="dense"), "projector must be one of kronecker, fastfood"),
])
def test_bad_config_is_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CertifyConfig(**kwargs)


def test_nan_inputs_are_rejected(digits):
    x = digits.x_train.clone()
    x[3, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        genlab.certify_classifier(UserNet(), (x, digits.y_train), config=CertifyConfig(**FAST))
