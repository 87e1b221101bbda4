"""Residual memorization (ResMem): a base classifier plus a soft k-nearest-neighbour regressor of
its training residuals (one-hot label minus softmax) in its penultimate features.

Yang, Lukasik, Nagarajan, Li, Rawat, Zaheer, Menon & Kumar, "ResMem: Learn what you can and
memorize the rest", NeurIPS 2023. For a query x with features phi(x), let N_k(x) be its k nearest
memorized training points (Euclidean distance d_j in feature space); the prediction is

    p(x) = softmax(f(x)) + sum_{j in N_k(x)} w_j r_j,   w = softmax(-d / sigma) over N_k(x),
    r_j = onehot(y_j) - softmax(f(x_j)),

and the class is argmax p(x). On a memorized point with k = 1 (or sigma -> 0) p is its one-hot
label: ResMem memorizes the training set exactly, whatever the base model's capacity.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

import torch
from torch import nn

from genlab.config import Result
from genlab.memorization._config import ResMemConfig
from genlab.models import count_parameters
from genlab.train import outputs, predict, progress_bar, train

FeatureFn = Callable[[torch.Tensor], torch.Tensor]


def feature_function(model: nn.Module) -> FeatureFn:
    """The penultimate features of ``model``: its ``features(x)`` method when it has one, else, for
    an ``nn.Sequential`` ending in a linear layer, every layer but the last.

    Raises:
        ValueError: neither applies; pass ``features=`` (a function from inputs to features).
    """
    if callable(getattr(model, "features", None)):
        return model.features
    if isinstance(model, nn.Sequential) and isinstance(model[-1], nn.Linear):
        return model[:-1]
    raise ValueError(f"cannot find the penultimate features of {type(model).__name__}: give the model a features(x) method, "
                     "make it an nn.Sequential ending in nn.Linear, or pass features= (a function from inputs to features)")


def _apply(fn: Callable, x: torch.Tensor, device) -> torch.Tensor:
    return outputs(fn, x, device, transform=lambda out: out.float())


def _probabilities(model: nn.Module, x: torch.Tensor, device) -> torch.Tensor:
    return outputs(model, x, device, transform=lambda out: out.softmax(1).float())


def residuals(probabilities: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """onehot(y) - probabilities, one row per example."""
    return nn.functional.one_hot(y.long(), probabilities.shape[1]).to(probabilities.dtype) - probabilities


@torch.no_grad()
def nearest(memory: torch.Tensor, queries: torch.Tensor, k: int, batch_size: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """Distances and indices of the ``k`` nearest rows of ``memory`` to each query (Euclidean,
    ascending), computed in batches of queries."""
    if k > len(memory):
        raise ValueError(f"k = {k} exceeds the {len(memory)} memorized points")
    dist, index = [], []
    for i in range(0, len(queries), batch_size):
        d, j = torch.cdist(queries[i : i + batch_size].float(), memory.float()).topk(k, dim=1, largest=False)
        dist.append(d)
        index.append(j)
    return torch.cat(dist), torch.cat(index)


def soft_knn(distances: torch.Tensor, index: torch.Tensor, values: torch.Tensor, k: int, sigma: float) -> torch.Tensor:
    """sum_j w_j values[index_j] over the first ``k`` neighbours, w = softmax(-distance / sigma)."""
    weights = torch.softmax(-distances[:, :k].double() / sigma, dim=1)
    return (weights[:, :, None] * values[index[:, :k]].double()).sum(1)


@dataclass
class ResMem:
    """A fitted ResMem: the base model, its features and the memorized residuals, k and sigma.

    Build one with :meth:`fit`; ``predict_proba(x)`` returns base probabilities plus the residual
    estimate, ``predict(x)`` their argmax. ``scale`` is the unit of sigma (the median distance from
    a validation point to its nearest memorized point); ``validation`` maps "k,sigma" to the
    validation accuracy of each pair tried.
    """

    model: nn.Module
    features: FeatureFn
    memory: torch.Tensor
    memory_residuals: torch.Tensor
    k: int
    sigma: float
    scale: float
    validation: dict
    base_validation_accuracy: float
    device: str = "cpu"

    @classmethod
    def fit(cls, model: nn.Module, train_data, validation, *, features: FeatureFn | None = None, ks=(1, 3, 10, 30, 100),
            sigmas=(0.03, 0.1, 0.3, 1.0, 3.0), device: str = "cpu") -> "ResMem":
        """Memorize ``model``'s residuals on ``train_data`` = (x, y) and choose k and sigma (in units
        of the median nearest-neighbour distance) by accuracy on ``validation`` = (x, y), which must
        not overlap the training data. ``features``: the penultimate features (default:
        :func:`feature_function`). Ties go to the smaller k, then the smaller sigma."""
        x, y = train_data
        xv, yv = validation
        features = features or feature_function(model)
        model = model.to(device).eval()
        memory, probs = _apply(features, x, device), _probabilities(model, x, device)
        res = residuals(probs, y)
        k_max = min(max(ks), len(memory))
        dist, index = nearest(memory, _apply(features, xv, device), k_max)
        scale = float(dist[:, 0].median().clamp_min(1e-12))
        base = _probabilities(model, xv, device).double()
        table, best = {}, None
        for k in sorted(ks):
            for s in sorted(sigmas):
                acc = float(((base + soft_knn(dist, index, res, min(k, k_max), s * scale)).argmax(1) == yv).double().mean())
                table[f"{k},{s:g}"] = acc
                if best is None or acc > best[0]:
                    best = (acc, min(k, k_max), s)
        return cls(model, features, memory, res, best[1], best[2], scale, table, float((base.argmax(1) == yv).double().mean()), device)

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Base probabilities plus the residual estimate (float64; rows sum to 1, entries may leave [0, 1])."""
        dist, index = nearest(self.memory, _apply(self.features, x, self.device), self.k)
        base = _probabilities(self.model, x, self.device).double()
        return base + soft_knn(dist, index, self.memory_residuals, self.k, self.sigma * self.scale)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.predict_proba(x).argmax(1)


@dataclass
class ResMemResult(Result):
    """Base model against ResMem for each width (the fields of result.json).

    Attributes:
        rows: per width: ``width``, ``n_parameters``, base train / test accuracy, ResMem test
            accuracy, ``gain`` (ResMem minus base test accuracy), the chosen ``k`` and ``sigma``,
            the base and best ResMem validation accuracy, and ``validation`` ({"k,sigma": accuracy}).
        n_train: memorized (training) examples; n_validation, n_test likewise.
        config: the study's configuration.
        wall_seconds: time the study took.
    """

    rows: list
    n_train: int
    n_validation: int
    n_test: int
    config: ResMemConfig
    wall_seconds: float


def _model(config: ResMemConfig, width: int, input_shape, classes: int) -> nn.Module:
    from genlab.models import ModelConfig, build_model

    return build_model(ModelConfig(name=config.model, width=width, depth=config.depth), input_shape, classes)


def resmem_study(config: ResMemConfig | None = None, *, data=None, model_fn: Callable[[int], nn.Module] | None = None, features: Callable[[nn.Module], FeatureFn] | None = None,
        run=None, progress: bool = True) -> ResMemResult:
    """Train a base model per width, fit ResMem on it, and compare test accuracy.

    Args:
        config: :class:`ResMemConfig`.
        data: (x_train, y_train, x_test, y_test) instead of ``config.dataset``.
        model_fn: ``width -> nn.Module`` instead of the built-in ``config.model`` (seeded before
            each call).
        features: ``model -> feature function`` when the model's penultimate features are not
            found by :func:`feature_function`.
        run: a store Run: each width's row goes to its metrics.jsonl as it is measured.
        progress: show a progress bar.
    """
    config = config or ResMemConfig()
    start = time.time()
    if data is None:
        from genlab.data import load_dataset

        data = load_dataset(config.dataset).tensors()[:4]
    x, y, xt, yt = data
    x, y = x[: config.train_size], y[: config.train_size].long()
    if len(x) <= config.validation:
        raise ValueError(f"validation = {config.validation} leaves no training examples out of {len(x)}: lower --validation")
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(config.seed))
    val, mem = perm[: config.validation], perm[config.validation :]
    xm, ym, xv, yv = x[mem].float(), y[mem], x[val].float(), y[val]
    xt, yt = xt.float(), yt.long()
    classes = int(max(y.max(), yt.max())) + 1
    rows = []
    with progress_bar("resmem", enabled=progress) as bar:
        task = bar.add_task("resmem", total=len(config.widths))
        for width in config.widths:
            torch.manual_seed(config.seed * 1_000_003 + width)
            model = model_fn(width) if model_fn else _model(config, width, tuple(x.shape[1:]), classes)
            train(model, xm, ym, replace(config.train, seed=config.seed * 1_000_003 + width), device=config.device, progress=False)
            rm = ResMem.fit(model, (xm, ym), (xv, yv), features=features(model) if features else None, ks=config.ks, sigmas=config.sigmas, device=config.device)
            base_test = float((predict(model, xt, config.device) == yt).float().mean())
            base_train = float((predict(model, xm, config.device) == ym).float().mean())
            test = float((rm.predict(xt) == yt).double().mean())
            row = {"width": width, "n_parameters": count_parameters(model), "base_train_accuracy": base_train, "base_test_accuracy": base_test,
                   "resmem_test_accuracy": test, "gain": test - base_test, "k": rm.k, "sigma": rm.sigma, "scale": rm.scale,
                   "base_validation_accuracy": rm.base_validation_accuracy, "resmem_validation_accuracy": max(rm.validation.values()), "validation": rm.validation}
            rows.append(row)
            if run is not None:
                run.log_metrics({k: v for k, v in row.items() if k != "validation"})
            bar.advance(task)
    return ResMemResult(rows=rows, n_train=len(mem), n_validation=len(val), n_test=len(yt), config=config, wall_seconds=round(time.time() - start, 1))

