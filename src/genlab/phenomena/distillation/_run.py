"""Train a teacher and its students; how the students' confidence deviates from the teacher's, and
their test accuracy."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.phenomena.distillation._config import DistillationConfig
from genlab.train import outputs, predict, progress_bar, random_shift, train, training_steps

STUDENTS = ("one-hot", "distilled", "switch")


def _logits(model: nn.Module, x: torch.Tensor, device) -> torch.Tensor:
    return outputs(model, x, device, 4096, lambda out: out.double())


def true_label_probability(model: nn.Module, x: torch.Tensor, y: torch.Tensor, device="cpu") -> np.ndarray:
    """softmax(model(x))[y] per example (temperature 1), as float64."""
    return _logits(model, x, device).softmax(1).gather(1, y.long()[:, None]).squeeze(1).numpy()


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


def deviation(p_teacher, p_student, *, bins: int = 10, bootstrap: int = 1000, seed: int = 0) -> dict:
    """How a student's probabilities of the true labels deviate from its teacher's.

    Returns ``slope`` and ``intercept`` of the least-squares line logit(p_student) ~ logit(p_teacher)
    (probabilities clipped to [1e-6, 1 - 1e-6]), ``slope_ci`` (95% percentile bootstrap over the
    points), and per teacher-confidence bin (quantiles of p_teacher) the mean teacher and student
    probability: ``bins`` = [{"teacher", "student", "count"}]. ``below_in_lowest_bin``: whether
    the student's mean is below the teacher's in the least confident bin (the paper's exaggeration
    on hard points).
    """
    pt, ps = np.asarray(p_teacher, dtype=np.float64), np.asarray(p_student, dtype=np.float64)
    if pt.shape != ps.shape or pt.ndim != 1 or len(pt) < 3:
        raise ValueError(f"p_teacher and p_student must be 1-D arrays of the same length >= 3, got shapes {pt.shape} and {ps.shape}")
    lt, ls = _logit(pt), _logit(ps)
    slope, intercept = np.polyfit(lt, ls, 1)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(bootstrap):
        i = rng.integers(0, len(lt), len(lt))
        draws.append(np.polyfit(lt[i], ls[i], 1)[0])
    edges = np.quantile(pt, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, pt, side="right") - 1, 0, bins - 1)
    table = [{"teacher": float(pt[which == b].mean()), "student": float(ps[which == b].mean()), "count": int((which == b).sum())} for b in range(bins) if (which == b).any()]
    return {"slope": float(slope), "intercept": float(intercept), "slope_ci": [float(np.quantile(draws, 0.025)), float(np.quantile(draws, 0.975))] if draws else None,
            "bins": table, "below_in_lowest_bin": bool(table[0]["student"] < table[0]["teacher"])}


@dataclass
class DistillationResult(Result):
    """Per seed, the teacher's and each student's test accuracy and the deviations (the fields of
    result.json).

    Attributes:
        seeds: one per seed: ``test_accuracy`` ({"teacher", "one-hot", "distilled", "switch"}),
            ``deviation`` ({"distilled", "switch", "one-hot"}: :func:`deviation` of each student
            against the teacher on the training points), ``points`` (the teacher's and the distilled
            student's probabilities of the true label on up to 2,000 training points, for the plot).
        summary: per model, mean and standard deviation of the test accuracy over seeds, and per
            student the mean slope.
        n_train: training examples; n_test likewise.
        config: the study's configuration.
        wall_seconds: time it took.
    """

    seeds: list
    summary: dict
    n_train: int
    n_test: int
    config: DistillationConfig
    wall_seconds: float


def _model_fn(config: DistillationConfig, input_shape, classes: int):
    from genlab.models import ModelConfig, build_model

    return lambda: build_model(ModelConfig(name=config.model, width=config.width, depth=config.depth), input_shape, classes)


def run(config: DistillationConfig | None = None, *, data=None, model_fn=None, run=None, progress: bool = True) -> DistillationResult:
    """Train, per seed, a teacher and three students (one-hot, distilled, mid-switch); measure.

    Args:
        config: :class:`DistillationConfig`.
        data: (x_train, y_train, x_test, y_test, classes) instead of ``config.dataset``.
        model_fn: ``() -> nn.Module`` (seeded before each call) instead of the built-in model.
        run: a store Run: each seed's accuracies go to its metrics.jsonl as they are measured.
        progress: show a progress bar.
    """
    config = config or DistillationConfig()
    start = time.time()
    if data is None:
        from genlab.data import load_dataset

        data = load_dataset(config.dataset).tensors()
    x, y, xt, yt, classes = data
    x, y, xt, yt = x[: config.train_size].float(), y[: config.train_size].long(), xt.float(), yt.long()
    model_fn = model_fn or _model_fn(config, tuple(x.shape[1:]), classes)
    augment = random_shift(config.shift) if config.shift and x.dim() > 2 else None
    accuracy = lambda m: float((predict(m, xt, config.device, 4096) == yt).double().mean())  # noqa: E731
    _, total = training_steps(len(y), config.train)
    switch_step = round(config.switch * total)
    seeds = []
    with progress_bar("distillation", enabled=progress) as bar:
        task = bar.add_task("distillation", total=config.seeds * 4)
        for s in range(config.seeds):
            seed = config.seed * 1_000_003 + 10 * s
            torch.manual_seed(seed)
            teacher = model_fn()
            train(teacher, x, y, replace(config.train, seed=seed), device=config.device, progress=False, augment=augment)
            bar.advance(task)
            soft = (_logits(teacher, x, config.device) / config.temperature).softmax(1).float()
            one_hot = nn.functional.one_hot(y, classes).float()
            torch.manual_seed(seed + 1)
            initial = model_fn()
            students = {}
            for name in STUDENTS:
                student = copy.deepcopy(initial)
                targets = {"one-hot": one_hot, "distilled": soft, "switch": one_hot.clone()}[name]

                def after_step(step: int, m: nn.Module, targets=targets, name=name) -> None:
                    if name == "switch" and step == switch_step:
                        targets.copy_(soft)  # the loop reads its batches from this tensor

                train(student, x, targets, replace(config.train, seed=seed + 1), device=config.device, progress=False, augment=augment, after_step=after_step)
                students[name] = student
                bar.advance(task)
            pt = true_label_probability(teacher, x, y, config.device)
            probs = {name: true_label_probability(m, x, y, config.device) for name, m in students.items()}
            row = {"seed": s, "test_accuracy": {"teacher": accuracy(teacher), **{name: accuracy(m) for name, m in students.items()}},
                   "deviation": {name: deviation(pt, p, bins=config.bins, bootstrap=config.bootstrap, seed=seed) for name, p in probs.items()},
                   "points": {"teacher": pt[:2000].round(5).tolist(), "distilled": probs["distilled"][:2000].round(5).tolist()}}
            seeds.append(row)
            if run is not None:
                run.log_metrics({"seed": s, **{f"test_accuracy/{k}": v for k, v in row["test_accuracy"].items()},
                                 **{f"slope/{k}": v["slope"] for k, v in row["deviation"].items()}})
    summary = {}
    for name in ("teacher",) + STUDENTS:
        acc = np.array([r["test_accuracy"][name] for r in seeds])
        summary[name] = {"test_accuracy_mean": float(acc.mean()), "test_accuracy_std": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0}
        if name != "teacher":
            summary[name]["slope_mean"] = float(np.mean([r["deviation"][name]["slope"] for r in seeds]))
    return DistillationResult(seeds=seeds, summary=summary, n_train=len(y), n_test=len(yt), config=config, wall_seconds=round(time.time() - start, 1))
