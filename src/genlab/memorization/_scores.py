"""Train the K subset models through the sweep engine and turn their outcomes into scores."""

from __future__ import annotations

import contextlib
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from typing import Callable

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.memorization._config import MemorizationConfig
from genlab.models import BuiltinModel as BuiltinModel  # re-exported: genlab.memorization.BuiltinModel still works
from genlab.memorization._feldman import Scores, estimate, influence, outcome, membership_masks, pack_bits, roc, split_half_stability
from genlab.sweep import describe_callable, fingerprint, run_sweep
from genlab.train import TrainConfig, train


@dataclass
class MemorizationResult(Result):
    """Scores of every training example, and what they rest on (K x n masks and outcomes).

    Attributes:
        scores: per-example scores, 95% intervals and the counts behind them.
        masks: K x n booleans, model k trained on example i.
        correct: K x n booleans, model k classifies training example i correctly.
        probability: K x n probabilities (float16) of the true label.
        test_correct, test_probability: the same on the test examples (None without test data).
        influence: (indices, values) of the ``influence_top`` most influential training examples
            of every test example (None without test data).
        config: the estimate's configuration.
        wall_seconds: time the estimate took.
    """

    scores: Scores
    masks: torch.Tensor
    correct: torch.Tensor
    probability: torch.Tensor
    test_correct: torch.Tensor | None
    test_probability: torch.Tensor | None
    influence: tuple[np.ndarray, np.ndarray] | None
    config: MemorizationConfig
    wall_seconds: float

    @property
    def outcomes(self) -> torch.Tensor:
        """The K x n outcomes the scores use (the config's score)."""
        return outcome(self.config.score, self.correct, self.probability)

    def to_dict(self) -> dict:
        """Every field as JSON-ready lists (large: K x n per outcome; ``genlab memorize`` stores
        them bit-packed in safetensors and a summary in result.json instead)."""
        tensors = {k: None if getattr(self, k) is None else getattr(self, k).tolist() for k in _TENSORS}
        return {"scores": {k: np.asarray(v).tolist() for k, v in asdict(self.scores).items()}, **tensors,
                "influence": None if self.influence is None else [np.asarray(a).tolist() for a in self.influence],
                "config": self.config.to_dict(), "wall_seconds": self.wall_seconds}

    @classmethod
    def from_dict(cls, data: dict) -> "MemorizationResult":
        tensors = {k: None if data[k] is None else torch.tensor(data[k], dtype=dtype) for k, dtype in _TENSORS.items()}
        influence = None if data["influence"] is None else (np.asarray(data["influence"][0], dtype=np.int64), np.asarray(data["influence"][1], dtype=np.float64))
        return cls(scores=Scores(**{k: np.asarray(v, dtype=np.float64) for k, v in data["scores"].items()}), **tensors, influence=influence,
                   config=MemorizationConfig.from_dict(data["config"]), wall_seconds=data["wall_seconds"])

    def stability(self, sizes: list[int] | None = None, top_share: float = 0.1) -> list[dict]:
        """Split-half Spearman of the scores at several model counts (default: 8, 16, ... up to K)."""
        k = self.masks.shape[0]
        sizes = sizes or sorted({s for s in (8, 16, 32, 64, 96, 128, 256) if s <= k} | {k - k % 2})
        return split_half_stability(self.masks, self.outcomes, sizes, self.config.score, top_share)

    def roc(self, positives) -> dict:
        """How well the scores single out ``positives`` (e.g. canary indices or a boolean mask)."""
        positives = np.asarray(positives)
        if positives.dtype != bool:
            mask = np.zeros(len(self.scores.score), dtype=bool)
            mask[positives] = True
            positives = mask
        return roc(self.scores.score, positives)


_TENSORS = {"masks": torch.bool, "correct": torch.bool, "probability": torch.float16, "test_correct": torch.bool, "test_probability": torch.float16}


def _outcomes(model: nn.Module, x: torch.Tensor, y: torch.Tensor, device: str, batch: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """(correct, probability of the true label) of every example."""
    model.eval()
    correct, prob = [], []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(x[i : i + batch].to(device)).float().cpu()
            correct.append(logits.argmax(1) == y[i : i + batch])
            prob.append(logits.softmax(1).gather(1, y[i : i + batch, None]).squeeze(1))
    return torch.cat(correct), torch.cat(prob).half()


def _train_member(task: dict, shared: dict) -> dict[str, torch.Tensor]:
    """Sweep task: train model ``task['model']`` on its subset; its outcomes on all examples."""
    k, seed = task["model"], task["seed"]
    x, y, masks = shared["x"], shared["y"], shared["masks"]
    torch.manual_seed(seed)
    model = shared["model_fn"]()
    idx = masks[k].nonzero().squeeze(1)
    config = replace(TrainConfig(**task["train"]), seed=seed)
    targets = shared["soft_targets"] if shared.get("soft_targets") is not None else y
    train(model, x[idx], targets[idx], config, device=task["device"], progress=False)
    out = {}
    out["correct"], out["probability"] = _outcomes(model, x, y, task["device"])
    if shared.get("x_test") is not None:
        out["test_correct"], out["test_probability"] = _outcomes(model, shared["x_test"], shared["y_test"], task["device"])
    return out


def teacher_targets(model_fn: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor, config: MemorizationConfig) -> torch.Tensor:
    """Soft labels softmax(logits / T) of a teacher trained on the whole training set."""
    torch.manual_seed(config.seed * 1_000_003 - 1)
    teacher = model_fn()
    train(teacher, x, y, replace(config.train, seed=config.seed), device=config.device, progress=False)
    teacher.eval()
    with torch.no_grad():
        logits = torch.cat([teacher(x[i : i + 4096].to(config.device)).float().cpu() for i in range(0, len(x), 4096)])
    return (logits / config.distill_temperature).softmax(1)


def scores(
    model_fn: Callable[[], nn.Module],
    train_data: tuple[torch.Tensor, torch.Tensor],
    config: MemorizationConfig | None = None,
    *,
    test_data: tuple[torch.Tensor, torch.Tensor] | None = None,
    run=None,
    part: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: bool = True,
) -> MemorizationResult:
    """Memorization score (with 95% interval) of every training example, by K subset models.

    Args:
        model_fn: returns a freshly initialised model (called after seeding, once per model); it
            must be picklable for Ray (a module-level function or ``BuiltinModel``).
        train_data, test_data: (x, y) tensors; test_data adds test outcomes and influence.
        run: a store Run: the K models' outcomes go to its ``tasks/`` folder as they finish (a
            rerun with the same run skips finished models), then the masks, outcomes and scores
            to its ``outcomes.safetensors`` and ``scores.safetensors``. None: a temporary folder,
            deleted afterwards (nothing to resume).
        part: several estimates in one run (e.g. one per model size): this one's models go to
            ``<part>/tasks`` and its files get the suffix ``-<part>``.
        workers, address: the sweep engine's (genlab.sweep.run_sweep).
        progress: show a progress bar.
    """
    config = config or MemorizationConfig()
    start = time.time()
    x, y = (torch.as_tensor(v) for v in train_data)
    if len(x) != len(y) or len(y) < 2:
        raise ValueError(f"train_data must be (x, y) with equal lengths >= 2, got {len(x)} and {len(y)}")
    masks = membership_masks(len(y), config.models, config.subset, config.seed, config.balanced)
    shared = {"x": x.float(), "y": y.long(), "masks": masks, "model_fn": model_fn}
    if test_data is not None:
        shared["x_test"], shared["y_test"] = torch.as_tensor(test_data[0]).float(), torch.as_tensor(test_data[1]).long()
    if config.distill_temperature is not None:
        shared["soft_targets"] = teacher_targets(model_fn, shared["x"], shared["y"], config)
    tasks = [{"model": k, "seed": config.seed * 1_000_003 + k, "train": config.train.to_dict(), "subset": config.subset,
              "balanced": config.balanced, "device": config.device} | ({"distill_temperature": config.distill_temperature} if config.distill_temperature else {})
             for k in range(config.models)]
    manifest = {"models": config.models, "subset": config.subset, "balanced": config.balanced, "seed": config.seed, "model": describe_callable(model_fn),
                "data": fingerprint(shared["x"], shared["y"], shared.get("x_test"), shared.get("y_test"))}
    folder = None if run is None else run.folder / part if part else run.folder
    with tempfile.TemporaryDirectory(prefix="genlab-memorize-") if folder is None else contextlib.nullcontext(folder) as where:
        results = run_sweep(_train_member, tasks, where, shared=shared, workers=workers, address=address, progress=progress,
                            description=f"{config.models} subset models", manifest=manifest)
    stack = lambda key: torch.stack([r[key] for r in results])  # noqa: E731
    correct, probability = stack("correct"), stack("probability")
    result = MemorizationResult(estimate(masks, outcome(config.score, correct, probability), config.score), masks, correct, probability, None, None, None, config, 0.0)
    if test_data is not None:
        result.test_correct, result.test_probability = stack("test_correct"), stack("test_probability")
        result.influence = influence(masks, outcome(config.score, result.test_correct, result.test_probability), config.influence_top)
    result.wall_seconds = time.time() - start
    if run is not None:
        save_outcomes(run, result, f"-{part}" if part else "")
    return result


def save_outcomes(run, result: MemorizationResult, suffix: str = "") -> None:
    """Write the K x n masks and correctness bit-packed, the probabilities as float16, the scores."""
    tensors = {"masks": pack_bits(result.masks), "correct": pack_bits(result.correct), "probability": result.probability.half()}
    if result.test_correct is not None:
        tensors |= {"test_correct": pack_bits(result.test_correct), "test_probability": result.test_probability.half()}
    run.save_tensors(f"outcomes{suffix}", tensors)
    s = result.scores
    run.save_tensors(f"scores{suffix}", {k: torch.from_numpy(np.asarray(getattr(s, k))) for k in ("score", "low", "high", "n_in", "n_out", "mean_in", "mean_out")})
