"""One grokking run (``run``) and the pieces of a phase diagram (one cell, the grid, the phase rule)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, fields, replace

import torch
from torch import nn

from genlab.config import Result
from genlab.phenomena.grokking._config import GrokConfig
from genlab.phenomena.grokking._measure import measure, snapshot_weights
from genlab.phenomena.grokking._models import build_grok_model
from genlab.phenomena.grokking._tasks import make_task
from genlab.train import Grokfast, TrainConfig, orthogonal_gradient, stablemax_cross_entropy, train


def steps_to(history: list[dict], key: str, threshold: float) -> int | None:
    """The first logged step at which ``key`` reached ``threshold`` (None if never)."""
    return next((h["step"] for h in history if h[key] >= threshold), None)


class _Reached(Exception):
    """Raised from the step hook when ``GrokConfig.stop_at`` is reached."""


@dataclass
class GrokResult(Result):
    """One grokking run (the fields of result.json).

    Attributes:
        config: the run's configuration.
        history: one record per measurement: step, seconds, train/test loss and accuracy, weight
            norm and the task's progress measures (genlab.phenomena.grokking.measure).
        steps_to_train_99: first logged step with 99% train accuracy (None: never).
        steps_to_test_99: first logged step with 99% test accuracy (None: never).
        grokking_delay: steps_to_test_99 - steps_to_train_99 (None if either never came).
        final: the last record, without the spectrum.
        wall_seconds: time the run took.
        n_train: training examples.
        n_test: test examples.
        relevant_bits: the parity task's relevant bits (None for modular tasks).
        snapshots: what the explorable draws at every logged step, ``steps`` and ``weights``
            (float16 tensors; saved as the run's snapshots.safetensors, not in result.json).
    """

    config: GrokConfig
    history: list
    steps_to_train_99: int | None
    steps_to_test_99: int | None
    grokking_delay: int | None
    final: dict
    wall_seconds: float
    n_train: int
    n_test: int
    relevant_bits: list | None = None
    snapshots: dict | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "snapshots"} | {"config": self.config.to_dict()}


def run(config: GrokConfig, *, run=None, progress: bool = True, on_measure=None) -> GrokResult:
    """Train ``config`` (full-batch unless ``config.batch_size``) and measure every ``log_every`` steps.

    Args:
        config: the run.
        run: a store Run: each measurement goes to its metrics.jsonl and the snapshots to its
            snapshots.safetensors (result.json is the caller's: ``run.complete(result.to_dict())``).
        progress: show a progress bar.
        on_measure: called with each measurement record.

    Training stops early at the first measurement whose test accuracy reaches
    ``config.stop_at``, when set."""
    store_run = run
    start = time.time()
    data = make_task(config)
    model = build_grok_model(config, data).to(config.device)
    history: list[dict] = []
    snapshots: list[torch.Tensor] = []

    def log(step: int, m: nn.Module) -> None:
        if step % config.log_every and step != config.steps:
            return
        record = {"step": step, "seconds": round(time.time() - start, 3), **measure(m, data, config)}
        history.append(record)
        weights = snapshot_weights(m, config)
        if weights is not None:
            snapshots.append(weights.half())
        if store_run is not None:
            store_run.log_metrics({"tag": "grok", **{k: v for k, v in record.items() if k != "spectrum"}})
        if on_measure is not None:
            on_measure(record)
        if config.stop_at is not None and record["test_acc"] >= config.stop_at:
            raise _Reached

    grokfast = Grokfast(config.grokfast_alpha, config.grokfast_lambda) if config.grokfast_alpha is not None else None

    def before_step(m: nn.Module) -> None:
        if grokfast is not None:
            grokfast(m)
        if config.orthogonal_grad:
            orthogonal_gradient(m)

    log(0, model)
    n = len(data["y_train"])
    batch = min(n, config.batch_size or n)
    train_config = TrainConfig(epochs=config.steps / math.ceil(n / batch), batch_size=batch, lr=config.lr, optimizer=config.optimizer, weight_decay=config.weight_decay,
                               schedule="constant", seed=config.seed, betas=config.betas, warmup_steps=config.warmup)
    try:
        train(model, data["x_train"], data["y_train"], train_config, device=config.device, tag=f"grok {config.task}", progress=progress,
              loss_fn=stablemax_cross_entropy if config.loss == "stablemax" else None, before_step=before_step, after_step=log)
    except _Reached:  # config.stop_at: test accuracy reached, the rest of the budget is not needed
        pass
    train_99, test_99 = steps_to(history, "train_acc", 0.99), steps_to(history, "test_acc", 0.99)
    tensors = {"steps": torch.tensor([h["step"] for h in history]), "weights": torch.stack(snapshots)} if snapshots else {}
    if store_run is not None and tensors:
        store_run.save_tensors("snapshots", tensors)
    return GrokResult(config=config, history=history, steps_to_train_99=train_99, steps_to_test_99=test_99,
                      grokking_delay=None if train_99 is None or test_99 is None else test_99 - train_99,
                      final={k: v for k, v in history[-1].items() if k != "spectrum"}, wall_seconds=time.time() - start, n_train=n,
                      n_test=len(data["y_test"]), relevant_bits=data["relevant"].tolist() if config.task == "parity" else None, snapshots=tensors or None)


PHASES = ("comprehension", "grokking", "memorization", "confusion")
SWEEP_AXES = ("weight_decay", "train_frac", "lr")
PHASE_THRESHOLD = 0.9
PHASE_RULE = (f"with accuracy threshold {PHASE_THRESHOLD:.0%} (Liu et al. 2022): confusion if train accuracy never reaches it; memorization if train "
              "accuracy does but test accuracy does not within the step budget; grokking if test accuracy reaches it at least 3x as many steps "
              "after the start as train accuracy did (and at least 4 logged steps later); comprehension otherwise (both, close together)")


def classify_phase(history: list[dict], log_every: int, threshold: float = PHASE_THRESHOLD) -> str:
    """The phase of one run from its measurement history (``PHASE_RULE``)."""
    train, test = steps_to(history, "train_acc", threshold), steps_to(history, "test_acc", threshold)
    if train is None:
        return "confusion"
    if test is None:
        return "memorization"
    return "grokking" if test - train >= max(2 * train, 4 * log_every) else "comprehension"


def _history_tensors(history: list[dict]) -> dict[str, torch.Tensor]:
    """A history (records with the same keys) as one tensor per key, for the sweep's files."""
    return {f"history.{k}": torch.tensor([h[k] for h in history], dtype=torch.long if k in ("step", "key_frequencies") else torch.float64)
            for k in history[0] if history[0][k] is not None}


def history_records(tensors: dict[str, torch.Tensor]) -> list[dict]:
    columns = {k.removeprefix("history."): v.tolist() for k, v in tensors.items() if k.startswith("history.")}
    return [{k: v[i] for k, v in columns.items()} for i in range(len(columns["step"]))]


def sweep_cell(cell: dict, shared=None) -> dict[str, torch.Tensor]:
    """One phase-diagram cell, run by ``genlab.sweep`` (module level so Ray can ship it)."""
    result = run(GrokConfig(**cell), progress=False)
    tensors = {**_history_tensors(result.history), "wall_seconds": torch.tensor(result.wall_seconds, dtype=torch.float64)}
    if result.relevant_bits is not None:
        tensors["relevant_bits"] = torch.tensor(result.relevant_bits)
    if result.snapshots:
        tensors["snapshot_steps"], tensors["snapshot_weights"] = result.snapshots["steps"], result.snapshots["weights"]
    return tensors


def sweep_configs(base: GrokConfig, rows: tuple[str, list], cols: tuple[str, list]) -> list[list[GrokConfig]]:
    """The grid of configurations: ``base`` with ``rows[0]`` set to each of ``rows[1]`` and
    ``cols[0]`` to each of ``cols[1]`` (row-major)."""
    for name, values in (rows, cols):
        if name not in SWEEP_AXES:
            raise ValueError(f"a phase diagram's axes are among {', '.join(SWEEP_AXES)}; got {name!r}")
        if not values or len(set(values)) != len(values):
            raise ValueError(f"the {name} axis needs distinct values, got {values}")
    if rows[0] == cols[0]:
        raise ValueError(f"the two axes must differ (both are {rows[0]})")
    return [[replace(base, **{rows[0]: r, cols[0]: c}) for c in cols[1]] for r in rows[1]]
