"""Memorization scores of a built-in model on a built-in dataset, into a store run."""

from __future__ import annotations

import numpy as np
import torch

from genlab.memorization._canaries import plant_mislabeled
from genlab.memorization._scores import BuiltinModel, MemorizationConfig, MemorizationResult, save_outcomes, scores
from genlab.models import ModelConfig
from genlab.store import Run, RunStore

GALLERY = 24  # most and least memorized examples listed in result.json


def memorize_builtin(
    dataset: str,
    model: ModelConfig,
    config: MemorizationConfig,
    *,
    store: RunStore,
    train_size: int | None = 10_000,
    test_size: int | None = None,
    canaries: int = 100,
    workers: int | None = None,
    address: str | None = None,
    progress: bool = True,
    report: bool = True,
) -> tuple[dict, Run]:
    """Score every training example of ``dataset`` (its first ``train_size``, with ``canaries``
    planted mislabeled examples) with ``config.models`` subset models of ``model``."""
    run_config = {"kind": "memorize", "dataset": dataset, "train_size": train_size, "test_size": test_size, "canaries": canaries,
                  "model": model.to_dict(), "memorize": config.to_dict()}
    _data(run_config)  # bad sizes fail before a run folder exists
    return _memorize_in_run(store.start_run(f"memorize-{dataset}", run_config), workers, address, progress, report)


def resume_memorize(store: RunStore, run_id: str, *, workers: int | None = None, address: str | None = None, progress: bool = True, report: bool = True) -> tuple[dict, Run]:
    """Finish an interrupted memorize run: the models already trained are kept, the rest trained."""
    return _memorize_in_run(store.resume_run(run_id), workers, address, progress, report)


def _data(run_config: dict):
    from genlab.certify._builtin import _builtin_data

    ds = _builtin_data(run_config["dataset"], run_config["train_size"], run_config["test_size"])
    count = run_config["canaries"]
    if not 0 <= count < len(ds.y_train):
        raise ValueError(f"canaries must lie between 0 and the {len(ds.y_train)} training examples, got {count}")
    y, canary_idx = plant_mislabeled(ds.y_train, count, ds.num_classes, seed=run_config["memorize"]["seed"])
    return ds, y, canary_idx


def _memorize_in_run(run: Run, workers, address, progress: bool, report: bool) -> tuple[dict, Run]:
    run_config = run.config
    config = MemorizationConfig.from_dict(run_config["memorize"])
    with run:
        ds, y, canary_idx = _data(run_config)
        model_fn = BuiltinModel(ModelConfig(**run_config["model"]), ds.input_shape, ds.num_classes)
        result = scores(model_fn, (ds.x_train, y), config, test_data=(ds.x_test, ds.y_test), folder=run.folder, workers=workers, address=address, progress=progress)
        save_outcomes(run, result)
        summary = summarize(result, y, ds.y_train, canary_idx)
        summary |= {"dataset": ds.name, "model": run_config["model"], "n_train": len(y), "n_test": len(ds.y_test), "config": config.to_dict(), "wall_seconds": result.wall_seconds}
        run.complete(summary, {"dataset": ds.name, "models": config.models, "mean_score": summary["mean_score"], "canary_auc": summary.get("canaries", {}).get("auc")})
    if report:
        from genlab.report import write_report

        write_report(run.folder)
    return summary, run


def summarize(result: MemorizationResult, y: torch.Tensor, y_original: torch.Tensor, canary_idx: torch.Tensor) -> dict:
    """The JSON summary of a memorization run (every report figure is drawn from it)."""
    s = result.scores
    order = np.argsort(-s.score)
    in_acc = float((result.correct & result.masks).sum() / result.masks.sum())
    out_acc = float((result.correct & ~result.masks).sum() / (~result.masks).sum())

    def entry(i: int) -> dict:
        return {"index": int(i), "label": int(y[i]), "original_label": int(y_original[i]), "canary": bool(i in set(canary_idx.tolist())),
                "score": float(s.score[i]), "low": float(s.low[i]), "high": float(s.high[i]), "n_in": int(s.n_in[i]), "n_out": int(s.n_out[i])}

    hist, edges = np.histogram(s.score, bins=40, range=(-1, 1))
    out = {
        "score": result.config.score,
        "mean_score": float(s.score.mean()),
        "share_above": {str(t): float((s.score > t).mean()) for t in (0.1, 0.25, 0.5)},
        "train_accuracy_in_subset": in_acc,
        "train_accuracy_out_of_subset": out_acc,
        "test_accuracy": None if result.test_correct is None else float(result.test_correct.float().mean()),
        "histogram": {"counts": hist.tolist(), "edges": edges.tolist()},
        "most_memorized": [entry(i) for i in order[:GALLERY]],
        "least_memorized": [entry(i) for i in order[::-1][:GALLERY]],
        "stability": result.stability(),
    }
    if len(canary_idx):
        roc = result.roc(canary_idx.numpy())
        out["canaries"] = {"count": len(canary_idx), "kind": "mislabeled", "indices": canary_idx.tolist(), **roc}
    if result.influence is not None:
        idx, val = result.influence
        top = np.argsort(-val[:, 0])[:GALLERY]
        out["top_influence"] = [{"test_index": int(j), "train_index": int(idx[j, 0]), "influence": float(val[j, 0])} for j in top]
    return out
