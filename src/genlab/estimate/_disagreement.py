"""Test error without labels: train the recipe in pairs and count how often a pair disagrees
(Jiang, Nagarajan, Baek & Kolter, ICLR 2022). The runs go through the sweep engine, so an
interrupted estimate resumes where it stopped; with labels, the vote ensemble's calibration says
how far the estimate can be trusted (their Theorem 4.2)."""

from __future__ import annotations

import contextlib
import tempfile
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.estimate._calibration import (class_aggregated_calibration_error, class_wise_calibration_error, clopper_pearson, expected_calibration_error,
                                          expected_disagreement, expected_error, reliability, vote_probabilities)
from genlab.data import apply_shift
from genlab.estimate._aline import agreement_on_the_line
from genlab.estimate._config import DisagreementConfig
from genlab.sweep import describe_callable, fingerprint, run_sweep, task_key
from genlab.train import TrainConfig, predict, train, training_steps


@dataclass
class DisagreementResult(Result):
    """A disagreement estimate of test error, per source of randomness (the fields of result.json).

    Attributes:
        error_estimate: the first source's mean disagreement rate, the label-free estimate of the
            test error of one run of the recipe.
        ci: its Clopper-Pearson interval over the unlabelled examples (pooled over pairs; the
            spread over retrainings is in ``dis_by_source[...]["per_pair"]``).
        dis_by_source: per source: ``dis``, ``ci``, ``per_pair``, and with labels ``test_error``
            (mean over the runs), ``per_run_error``, ``gap`` (dis - err), ``se`` (standard error
            of the gap over examples), ``status``, the vote ensemble's ``cace``, ``cwce``,
            ``ece``, ``expected_dis`` and ``expected_err`` (Theorem 4.2's two sides), ``reliability``.
        n_unlabeled: examples the disagreement is measured on.
        classes: number of classes.
        labeled: whether labels of the unlabelled examples were given (for checking only).
        train_accuracy: each run's accuracy on its own training examples, by run key.
        config: the estimate's configuration.
        wall_seconds: time the estimate took.
        status: ``unverified`` without labels; with labels ``consistent`` (|dis - err| <= 3
            standard errors), ``underestimate`` or ``overestimate`` (of the first source).
        shift: per shift of ``config.shift``, agreement-on-the-line over every run's checkpoints
            (genlab.estimate.agreement_on_the_line: the agreement line, each method's estimates
            and, since the shifted inputs' labels are the unlabelled inputs' labels, the true
            accuracies and each method's mean absolute error). Needs labels (the ID accuracies).
    """

    error_estimate: float
    ci: tuple[float, float]
    dis_by_source: dict
    n_unlabeled: int
    classes: int
    labeled: bool
    train_accuracy: dict
    config: DisagreementConfig
    wall_seconds: float
    status: str
    shift: dict = field(default_factory=dict)

    @property
    def test_error(self) -> float | None:
        """The first source's mean test error over its runs (None without labels)."""
        return self.dis_by_source[self.config.source[0]].get("test_error")

    @property
    def cace(self) -> float | None:
        """The first source's class-aggregated calibration error (None without labels)."""
        return self.dis_by_source[self.config.source[0]].get("cace")


def _subset(n: int, data: dict | None) -> torch.Tensor | None:
    """Training indices of a run (None: all n)."""
    if data is None:
        return None
    gen = torch.Generator().manual_seed(data["seed"])
    if data["split"] == "bootstrap":
        return torch.randint(n, (n,), generator=gen)
    perm = torch.randperm(n, generator=gen)
    return perm[: n // 2] if data["part"] == 0 else perm[n // 2 :]


@torch.no_grad()
def _snapshot(model: nn.Module, sets: dict[str, torch.Tensor], device) -> dict[str, tuple[torch.Tensor, float]]:
    """Per input set: predictions and mean top softmax probability."""
    was = model.training
    model.eval()
    out = {}
    for name, x in sets.items():
        probs = torch.cat([model(x[i : i + 2048].to(device)).float().softmax(1).cpu() for i in range(0, len(x), 2048)])
        out[name] = (probs.argmax(1).to(torch.int16), float(probs.max(1).values.mean()))
    model.train(was)
    return out


def train_run(task: dict, shared: dict) -> dict[str, torch.Tensor]:
    """Sweep task: one run of the recipe with the task's seeds; its predictions on the unlabelled
    examples and its accuracy on its own training examples; with shifts, at ``checkpoints``
    points of training, its predictions and mean confidence on the unlabelled and shifted inputs."""
    x, y = shared["x"], shared["y"]
    idx = _subset(len(y), task["data"])
    xs, ys = (x, y) if idx is None else (x[idx], y[idx])
    torch.manual_seed(task["init"])
    model = shared["model_fn"]()
    config = replace(TrainConfig(**task["train"]), seed=task["order"])
    sets = {"unlabeled": shared["unlabeled"], **shared.get("shifted", {})}
    snapshots: list[dict] = []
    after_step = None
    if shared.get("shifted"):
        _, total = training_steps(len(xs), config)
        at = {max(1, round(total * (k + 1) / task["checkpoints"])) for k in range(task["checkpoints"])}

        def after_step(step: int, m: nn.Module) -> None:
            if step in at:
                snapshots.append(_snapshot(m, sets, task["device"]))

    train(model, xs, ys, config, device=task["device"], progress=False, after_step=after_step)
    out = {"predictions": predict(model, shared["unlabeled"], task["device"]).to(torch.int16),
           "train_accuracy": (predict(model, xs, task["device"]) == ys).float().mean().reshape(1)}
    for name in sets if snapshots else ():
        out[f"checkpoints/{name}"] = torch.stack([s[name][0] for s in snapshots])
        out[f"confidence/{name}"] = torch.tensor([s[name][1] for s in snapshots])
    return out


def _status(gap: float, se: float) -> str:
    return "consistent" if abs(gap) <= 3 * se else ("underestimate" if gap < 0 else "overestimate")


def summarize(predictions: np.ndarray, classes: int, labels: np.ndarray | None, config: DisagreementConfig) -> dict:
    """One source's numbers from its (2 x pairs, n) predictions (run 2p + j = member j of pair p)."""
    pred = np.asarray(predictions)
    disagree = pred[0::2] != pred[1::2]  # (pairs, n)
    n = pred.shape[1]
    out = {"dis": float(disagree.mean()), "ci": list(clopper_pearson(int(disagree.sum()), disagree.size, config.confidence)),
           "per_pair": disagree.mean(1).tolist()}
    if labels is None:
        return out
    wrong = pred != labels[None, :]
    gap_x = disagree.mean(0) - wrong.mean(0)  # per example: mean disagreement - mean error
    probs = vote_probabilities(pred, classes)
    out.update({"test_error": float(wrong.mean()), "per_run_error": wrong.mean(1).tolist(), "gap": float(gap_x.mean()),
                "se": float(gap_x.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan"),
                "cace": class_aggregated_calibration_error(probs, labels, config.bins), "cwce": class_wise_calibration_error(probs, labels, config.bins),
                "ece": expected_calibration_error(probs, labels, config.bins), "expected_dis": expected_disagreement(probs),
                "expected_err": expected_error(probs, labels), "reliability": reliability(probs, labels, config.bins)})
    out["status"] = _status(out["gap"], out["se"])
    return out


def disagreement(
    model_fn: Callable[[], nn.Module],
    train_data: tuple[torch.Tensor, torch.Tensor],
    config: DisagreementConfig | None = None,
    *,
    unlabeled: torch.Tensor,
    labels: torch.Tensor | None = None,
    run=None,
    workers: int | None = 0,
    address: str | None = None,
    progress: bool = True,
    **overrides,
) -> DisagreementResult:
    """Estimate a recipe's test error from how often two of its runs disagree on unlabelled data.

    Args:
        model_fn: returns a freshly initialised model (called after seeding, once per run); it must
            be picklable for Ray (a module-level function or ``genlab.models.BuiltinModel``).
        train_data: (x, y) tensors the recipe trains on.
        config: :class:`DisagreementConfig`; keyword ``overrides`` replace its fields
            (``disagreement(..., pairs=3, source="alldiff")``).
        unlabeled: inputs to measure disagreement on (e.g. the test images, without labels).
        labels: their labels, if known: only to check the estimate (test error, calibration).
        run: a store Run: the runs' predictions go to its ``tasks/`` folder as they finish (a rerun
            with the same run skips finished runs). None: a temporary folder.
        workers, address: the sweep engine's (genlab.sweep.run_sweep; 0: one by one here).
        progress: show a progress bar.
    """
    config = replace(config or DisagreementConfig(), **overrides) if overrides else (config or DisagreementConfig())
    start = time.time()
    x, y = (torch.as_tensor(v) for v in train_data)
    if x.ndim < 2 or len(x) != len(y) or len(y) < 4:
        raise ValueError(f"train_data must be (x, y) with x of shape (n, ...) and n >= 4 labels, got {tuple(x.shape)} and {tuple(y.shape)}")
    unlabeled = torch.as_tensor(unlabeled).float()
    if unlabeled.shape[1:] != x.shape[1:] or len(unlabeled) < 1:
        raise ValueError(f"unlabeled must hold inputs shaped like the training inputs {tuple(x.shape[1:])}, got {tuple(unlabeled.shape)}")
    label_array = None
    if labels is not None:
        label_array = torch.as_tensor(labels).long().numpy()
        if len(label_array) != len(unlabeled):
            raise ValueError(f"labels ({len(label_array)}) must match unlabeled ({len(unlabeled)})")
    if config.shift and label_array is None:
        raise ValueError("shift needs the labels of the unlabelled inputs: agreement-on-the-line starts from each model's in-distribution accuracy")
    classes = int(max(int(y.max()), -1 if label_array is None else int(label_array.max()))) + 1
    shifted = {spec: apply_shift(unlabeled, spec) for spec in config.shift}  # a bad spec fails here, before any training
    extra = {"shift": list(config.shift), "checkpoints": config.checkpoints} if config.shift else {}
    runs = {source: [{"init": r["init"], "order": r["order"], "data": r["data"], "train": config.train.to_dict(), "device": config.device, **extra} for r in config.runs(source)]
            for source in config.source}
    tasks = list({task_key(t): t for ts in runs.values() for t in ts}.values())  # a run shared by two sources is trained once
    shared = {"x": x.float(), "y": y.long(), "unlabeled": unlabeled, "shifted": shifted, "model_fn": model_fn}
    with contextlib.ExitStack() as stack:
        folder = run.folder if run is not None else stack.enter_context(tempfile.TemporaryDirectory(prefix="genlab-disagree-"))
        results = run_sweep(train_run, tasks, folder, shared=shared, workers=workers, address=address, progress=progress, description="runs",
                            manifest={"study": "disagreement", "model": describe_callable(model_fn), "data": fingerprint(x, y, unlabeled)})
    by_key = {task_key(t): r for t, r in zip(tasks, results)}
    by_source = {source: summarize(np.stack([by_key[task_key(t)]["predictions"].long().numpy() for t in ts]), classes, label_array, config) for source, ts in runs.items()}
    first = by_source[config.source[0]]
    shift = {}
    if config.shift:
        chosen = [by_key[k] for k in dict.fromkeys(task_key(t) for ts in runs.values() for t in ts)]  # every run once
        id_preds = torch.cat([r["checkpoints/unlabeled"] for r in chosen]).long().numpy()
        id_conf = torch.cat([r["confidence/unlabeled"] for r in chosen]).numpy()
        for spec in config.shift:
            ood = torch.cat([r[f"checkpoints/{spec}"] for r in chosen]).long().numpy()
            shift[spec] = agreement_on_the_line(id_preds, label_array, ood, ood_labels=label_array, id_confidence=id_conf,
                                                ood_confidence=torch.cat([r[f"confidence/{spec}"] for r in chosen]).numpy())
    return DisagreementResult(error_estimate=first["dis"], ci=tuple(first["ci"]), dis_by_source=by_source, n_unlabeled=len(unlabeled), classes=classes,
                              labeled=label_array is not None, train_accuracy={k: float(r["train_accuracy"][0]) for k, r in by_key.items()},
                              config=config, wall_seconds=round(time.time() - start, 1), status=first.get("status", "unverified"), shift=shift)
