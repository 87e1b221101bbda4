"""The intrinsic dimension of a task for a model (Li, Farkhoor, Liu & Yosinski, ICLR 2018): train
only z in theta = theta_0 + P z over a grid of d, then bisect; d_90 is the smallest d reaching 90%
of a baseline. P is one of genlab.compress's structured projections (never a dense D x d matrix),
the same family the certificates use."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

import torch
from torch import nn

from genlab.compress import SubspaceModel
from genlab.config import Result
from genlab.estimate._config import IntrinsicDimensionConfig
from genlab.train import predict, progress_bar, train


@dataclass
class IntrinsicDimensionResult(Result):
    """The intrinsic dimension against each baseline (the fields of result.json).

    Attributes:
        d_paper: the smallest d found reaching ``threshold`` x 1.0 (the paper's baseline: for
            d_90, a score of 0.9), None if no d tried does.
        d_own: the same against ``threshold`` x the full-space model's score (None without it).
        full_score: the model trained in its full space (None if not trained).
        curve: [d, score] of every d trained, grid and bisection, sorted by d.
        n_parameters: D, the model's parameter count.
        config: the configuration.
        wall_seconds: time it took.
    """

    d_paper: int | None
    d_own: int | None
    full_score: float | None
    curve: list
    n_parameters: int
    config: IntrinsicDimensionConfig
    wall_seconds: float


def _accuracy(x: torch.Tensor, y: torch.Tensor, device) -> Callable[[nn.Module], float]:
    return lambda model: float((predict(model, x, device) == y).float().mean())


def intrinsic_dimension(
    model_fn: Callable[[], nn.Module],
    train_data: tuple[torch.Tensor, torch.Tensor],
    test_data: tuple[torch.Tensor, torch.Tensor] | None = None,
    config: IntrinsicDimensionConfig | None = None,
    *,
    score_fn: Callable[[nn.Module], float] | None = None,
    loss_fn=None,
    run=None,
    progress: bool = True,
    **overrides,
) -> IntrinsicDimensionResult:
    """d_90 (or d at another threshold) of ``model_fn()``'s architecture on a task.

    Args:
        model_fn: returns the architecture, freshly initialised (called after seeding; its
            weights are theta_0, the same for every d).
        train_data: (x, y) the subspace is trained on.
        test_data: (x, y) scored by test accuracy (unless ``score_fn`` is given).
        config: :class:`IntrinsicDimensionConfig`; keyword ``overrides`` replace its fields.
        score_fn: ``score_fn(model) -> float``, higher is better (default: test accuracy).
        loss_fn: the training loss (default: cross-entropy), as in genlab.train.train.
        run: a store Run: every d's score goes to its metrics.jsonl.
        progress: show a progress bar.
    """
    config = replace(config or IntrinsicDimensionConfig(), **overrides) if overrides else (config or IntrinsicDimensionConfig())
    start = time.time()
    x, y = (torch.as_tensor(v) for v in train_data)
    if score_fn is None:
        if test_data is None:
            raise ValueError("give test_data (scored by accuracy) or a score_fn")
        score_fn = _accuracy(torch.as_tensor(test_data[0]).float(), torch.as_tensor(test_data[1]).long(), config.device)

    def fresh() -> nn.Module:
        torch.manual_seed(config.seed)
        return model_fn()

    n_parameters = sum(p.numel() for p in fresh().parameters())
    scores: dict[int, float] = {}

    def score_at(d: int) -> float:
        if d not in scores:
            subspace = SubspaceModel(fresh(), d, seed=config.seed, projector=config.projector)
            train(subspace, x, y, config.train, device=config.device, progress=False, loss_fn=loss_fn)
            scores[d] = score_fn(subspace.cpu())
            if run is not None:
                run.log_metrics({"d": d, "score": scores[d]})
        return scores[d]

    with progress_bar("intrinsic dimension", status=True, enabled=progress) as bar:
        task = bar.add_task("intrinsic dimension", total=len(config.dims) + int(config.full_baseline), status="")
        full = None
        if config.full_baseline:
            model = fresh()
            train(model, x, y, config.full_train, device=config.device, progress=False, loss_fn=loss_fn)
            full = score_fn(model.cpu())
            bar.update(task, advance=1, status=f"full space {full:.4f}")
        for d in config.dims:
            bar.update(task, advance=1, status=f"d={d}: {score_at(d):.4f}")

        def smallest(target: float) -> int | None:
            passing = [d for d in config.dims if scores[d] >= target]
            if not passing:
                return None
            hi = passing[0]
            lower = [d for d in config.dims if d < hi]
            lo = lower[-1] if lower else 0
            for _ in range(config.bisect_steps):
                if hi - lo <= 1:
                    break
                mid = (lo + hi) // 2
                bar.update(task, total=bar.tasks[0].total + 1, advance=1, status=f"bisect d={mid}")
                if score_at(mid) >= target:
                    hi = mid
                else:
                    lo = mid
            return hi

        d_paper = smallest(config.threshold * 1.0)
        d_own = smallest(config.threshold * full) if full is not None else None
    return IntrinsicDimensionResult(d_paper=d_paper, d_own=d_own, full_score=full, curve=[[d, scores[d]] for d in sorted(scores)], n_parameters=n_parameters,
                                    config=config, wall_seconds=round(time.time() - start, 1))
