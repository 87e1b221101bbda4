"""Train the Dominoes CNN with SGD and with SAM, and probe which features its penultimate layer
holds: linear probes for the digit and for the item, fitted and scored on decorrelated data."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.data import make_dominoes
from genlab.phenomena.features._config import FeaturesConfig
from genlab.train import predict, progress_bar, train


@dataclass
class FeaturesResult(Result):
    """Per rho, per seed: in-distribution test accuracy and the two probes, and the same probes at
    initialisation (the fields of result.json).

    Attributes:
        runs: per run: ``rho``, ``seed``, ``test_accuracy`` (in-distribution), ``probe_item``
            and ``probe_digit`` (linear-probe accuracy of each feature from the trained network's
            penultimate layer), ``init_item`` / ``init_digit`` (the same at initialisation).
        summary: per rho (as a string): the means over seeds of those numbers.
        config: the study's configuration.
        wall_seconds: time it took.
    """

    runs: list
    summary: dict
    config: FeaturesConfig
    wall_seconds: float


def dominoes_cnn(classes: int, penultimate: int, first_kernel: int = 5) -> nn.Sequential:
    """The paper's CNN for 56 x 28 Dominoes: convolutions of 32, 64 and 128 channels with stride 2
    (the first ``first_kernel`` x ``first_kernel``, 5 in the paper, the others 3x3), a dense
    penultimate layer of ``penultimate`` units (none when 0: the classifier reads the flattened
    convolutional features, as in the paper), the classifier."""
    body = [nn.Conv2d(1, 32, first_kernel, stride=2, padding=first_kernel // 2), nn.ReLU(), nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten()]
    if penultimate == 0:
        return nn.Sequential(*body, nn.Linear(128 * 7 * 4, classes))
    return nn.Sequential(*body, nn.Linear(128 * 7 * 4, penultimate), nn.ReLU(), nn.Linear(penultimate, classes))


@torch.no_grad()
def penultimate_features(model: nn.Sequential, x: torch.Tensor, device="cpu") -> torch.Tensor:
    """The activations feeding the last layer."""
    body = model[:-1].to(device).eval()
    return torch.cat([body(x[i : i + 2048].to(device)).cpu() for i in range(0, len(x), 2048)])


def linear_probe(train_features: torch.Tensor, train_labels: torch.Tensor, test_features: torch.Tensor, test_labels: torch.Tensor, *, l2: float = 1e-4) -> float:
    """Accuracy of a multinomial logistic regression (standardised features, L2 ``l2``, L-BFGS)
    fitted on the first pair and scored on the second."""
    mean, std = train_features.mean(0), train_features.std(0).clamp_min(1e-6)
    a, b = (train_features - mean) / std, (test_features - mean) / std
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    probe = nn.Linear(a.shape[1], classes).double()
    a, b = a.double(), b.double()
    opt = torch.optim.LBFGS(probe.parameters(), max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(probe(a), train_labels) + l2 * probe.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return float((probe(b).argmax(1) == test_labels).double().mean())


def run(config: FeaturesConfig | None = None, *, run=None, progress: bool = True) -> FeaturesResult:
    """Train ``config.seeds`` networks per rho of ``config.rhos`` on Dominoes and probe their features."""
    config = config or FeaturesConfig()
    start = time.time()
    c = config.classes
    probe_train = make_dominoes(config.probe_size, 1 / c, split="train", classes=c, seed=config.seed * 1_000_003 + 999)
    probe_test = make_dominoes(config.probe_size, 1 / c, split="test", classes=c, seed=config.seed * 1_000_003 + 998)
    test = make_dominoes(config.test_size, config.p, split="test", classes=c, seed=config.seed * 1_000_003 + 997)

    def probes(model) -> tuple[float, float]:
        f_train, f_test = penultimate_features(model, probe_train[0], config.device), penultimate_features(model, probe_test[0], config.device)
        return (linear_probe(f_train, probe_train[1], f_test, probe_test[1]), linear_probe(f_train, probe_train[2], f_test, probe_test[2]))

    runs = []
    with progress_bar("features", status=True, enabled=progress) as bar:
        task = bar.add_task("features", total=config.seeds * len(config.rhos), status="")
        for s in range(config.seeds):
            seed = config.seed * 1_000_003 + s
            x, y, _ = make_dominoes(config.train_size, config.p, split="train", classes=c, seed=seed)
            torch.manual_seed(seed)
            init = dominoes_cnn(c, config.penultimate, config.first_kernel)
            init_item, init_digit = probes(init)
            for rho in config.rhos:
                model = dominoes_cnn(c, config.penultimate, config.first_kernel)
                model.load_state_dict(init.state_dict())
                train(model, x, y, replace(config.train, seed=seed, sam_rho=rho, sam_adaptive=config.adaptive), device=config.device, progress=False)
                item, digit = probes(model)
                row = {"rho": rho, "seed": s, "test_accuracy": float((predict(model, test[0], config.device) == test[1]).float().mean()),
                       "probe_item": item, "probe_digit": digit, "init_item": init_item, "init_digit": init_digit}
                runs.append(row)
                if run is not None:
                    run.log_metrics(row)
                bar.update(task, advance=1, status=f"rho {rho}: item probe {item:.3f}")
    keys = ("test_accuracy", "probe_item", "probe_digit", "init_item", "init_digit")
    summary = {str(rho): {k: float(np.mean([r[k] for r in runs if r["rho"] == rho])) for k in keys} for rho in config.rhos}
    return FeaturesResult(runs=runs, summary=summary, config=config, wall_seconds=round(time.time() - start, 1))
