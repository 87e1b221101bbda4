"""Sweep model size through the interpolation threshold and record train and test error."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.phenomena.double_descent._config import DoubleDescentConfig
from genlab.train import predict, progress_bar, train, training_steps


@dataclass
class DoubleDescentResult(Result):
    """Train and test error per width (means over seeds), the curves over epochs (MLP), and where
    the peak and the interpolation threshold are (the fields of result.json).

    Attributes:
        widths, train_error, test_error: the sweep (per width, means over seeds).
        per_seed: per seed, its train and test errors.
        epochs: MLP: per width, the epochs at which ``curves`` were measured.
        curves: MLP: per width, {"train": [...], "test": [...]} error over epochs (seed 0).
        interpolation_width: the smallest width whose training error is 0 (None if none).
        first_minimum: (width, test error) of the first local minimum of the test error (None if
            it never rises again: no peak).
        peak: (width, test error) of the largest test error at or after the first minimum.
        peak_ratio: peak test error / first minimum's.
        config: the sweep's configuration.
        wall_seconds: time the sweep took.
    """

    widths: list
    train_error: list
    test_error: list
    per_seed: list
    epochs: dict
    curves: dict
    interpolation_width: int | None
    first_minimum: list | None
    peak: list | None
    peak_ratio: float | None
    config: DoubleDescentConfig
    wall_seconds: float


def noisy_labels(y: torch.Tensor, share: float, classes: int, seed: int) -> torch.Tensor:
    """``y`` with a seeded share of labels replaced by a uniformly drawn *other* class."""
    g = torch.Generator().manual_seed(seed)
    y = y.clone()
    pick = torch.randperm(len(y), generator=g)[: round(share * len(y))]
    y[pick] = (y[pick] + torch.randint(1, classes, (len(pick),), generator=g)) % classes
    return y


def random_features(x: torch.Tensor, width: int, seed: int) -> torch.Tensor:
    """max(0, x W) with W ~ N(0, 1/d) (d = input size), seeded; float64."""
    d = x[0].numel()
    w = torch.randn(d, width, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) / d**0.5
    return torch.relu(x.reshape(len(x), -1).double() @ w)


def min_norm_fit(features: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The minimum-norm least-squares solution beta = pinv(features) targets (interpolates when
    there are more features than rows and they are in general position)."""
    return torch.linalg.pinv(features) @ targets


def _rf_errors(x, y, xt, yt, width, classes, seed) -> tuple[float, float]:
    phi = random_features(x, width, seed)
    beta = min_norm_fit(phi, nn.functional.one_hot(y, classes).double())
    train_err = float((((phi @ beta).argmax(1)) != y).double().mean())
    wrong = sum(int(((random_features(xt[i : i + 2000], width, seed) @ beta).argmax(1) != yt[i : i + 2000]).sum()) for i in range(0, len(xt), 2000))
    return train_err, wrong / len(yt)


class _MSE(nn.Module):
    def __init__(self, classes: int):
        super().__init__()
        self.classes = classes

    def forward(self, logits, y):
        return ((logits - nn.functional.one_hot(y, self.classes).to(logits.dtype)) ** 2).sum(1).mean()


def _mlp_errors(x, y, xt, yt, width, classes, seed, config: DoubleDescentConfig) -> tuple[float, float, list, dict]:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(x[0].numel(), width), nn.ReLU(), nn.Linear(width, classes))
    steps_per_epoch, _ = training_steps(len(y), config.train)
    epochs, curve = [], {"train": [], "test": []}
    done = {"zero": False}

    def after_step(step: int, m: nn.Module) -> None:
        if step % (steps_per_epoch * config.eval_every) == 0:
            epochs.append(step // steps_per_epoch)
            curve["train"].append(float((predict(m, x, config.device) != y).float().mean()))
            curve["test"].append(float((predict(m, xt, config.device) != yt).float().mean()))
            done["zero"] = config.stop_at_zero and curve["train"][-1] == 0.0

    train(model, x, y, replace(config.train, seed=seed), device=config.device, progress=False, after_step=after_step,
          loss_fn=_MSE(classes) if config.loss == "mse" else None, stop=lambda record: done["zero"])
    return float((predict(model, x, config.device) != y).float().mean()), float((predict(model, xt, config.device) != yt).float().mean()), epochs, curve


def _landmarks(widths: list, train_error: list, test_error: list) -> tuple:
    interp = next((w for w, e in zip(widths, train_error) if e == 0.0), None)
    first = next((k for k in range(1, len(widths) - 1) if test_error[k] <= test_error[k - 1] and test_error[k] < test_error[k + 1]), None)
    if first is None:
        return interp, None, None, None
    peak = max(range(first, len(widths)), key=lambda k: test_error[k])
    return interp, [widths[first], test_error[first]], [widths[peak], test_error[peak]], test_error[peak] / max(test_error[first], 1e-12)


def run(config: DoubleDescentConfig | None = None, *, data=None, run=None, progress: bool = True) -> DoubleDescentResult:
    """Sweep ``config.widths`` and return train and test error per width.

    Args:
        config: :class:`DoubleDescentConfig`.
        data: (x_train, y_train, x_test, y_test, classes) to use instead of ``config.dataset``
            (its first ``n`` training and ``test_size`` test examples are taken).
        run: a store Run: each width's errors go to its metrics.jsonl as they are measured.
        progress: show a progress bar.
    """
    config = config or DoubleDescentConfig()
    start = time.time()
    if data is None:
        from genlab.data import load_dataset

        data = load_dataset(config.dataset).tensors()
    x, y, xt, yt, classes = data
    if config.n > len(y):
        raise ValueError(f"n = {config.n} exceeds the {len(y)} training examples")
    x, y = x[: config.n].float(), y[: config.n].long()
    xt, yt = xt[: config.test_size].float(), yt[: config.test_size].long()
    per_seed, epochs, curves = [], {}, {}
    with progress_bar("double descent", enabled=progress) as bar:
        task = bar.add_task("double descent", total=config.seeds * len(config.widths))
        for s in range(config.seeds):
            seed = config.seed * 1_000_003 + s
            labels = noisy_labels(y, config.label_noise, classes, seed) if config.label_noise else y
            rows = {"train": [], "test": []}
            for width in config.widths:
                if config.model == "random-features":
                    tr, te = _rf_errors(x, labels, xt, yt, width, classes, seed * 7919 + width)
                else:
                    tr, te, ep, curve = _mlp_errors(x, labels, xt, yt, width, classes, seed, config)
                    if s == 0:
                        epochs[str(width)], curves[str(width)] = ep, curve
                rows["train"].append(tr)
                rows["test"].append(te)
                if run is not None:
                    run.log_metrics({"seed": s, "width": width, "train_error": tr, "test_error": te})
                bar.advance(task)
            per_seed.append(rows)
    train_error = np.mean([r["train"] for r in per_seed], axis=0).tolist()
    test_error = np.mean([r["test"] for r in per_seed], axis=0).tolist()
    interp, first, peak, ratio = _landmarks(list(config.widths), train_error, test_error)
    return DoubleDescentResult(widths=list(config.widths), train_error=train_error, test_error=test_error, per_seed=per_seed, epochs=epochs, curves=curves,
                               interpolation_width=interp, first_minimum=first, peak=peak, peak_ratio=ratio, config=config, wall_seconds=round(time.time() - start, 1))
