"""Benchmark: memorization scores on Fashion-MNIST (issue 5's acceptance setting).

10,000 Fashion-MNIST training images with 100 planted mislabeled canaries, MLP 784-512-512-10,
subsets of 0.7, one torch thread per worker. Cases:

- ``scores``: K = 128 models through the Ray engine (2 workers); the split-half Spearman curve
  over K (all examples and the top 10%), canary ROC AUC at each K, for each score of the same
  models: ``log-probability`` (the default), ``probability`` and the 0/1 ``correct`` (Feldman &
  Zhang's definition); ``--reuse RUN_ID`` rescores an earlier run's models without training;
- ``throughput``: models per minute for the same task, plain processes (a 2-process pool, no Ray)
  against the Ray engine with 1 and 2 workers.

Writes benchmarks/results/memorize.json and .md and the benchmarks/README.md table between the
``bench:memorize`` markers.

    .venv/bin/python benchmarks/memorize.py                   # both cases
    .venv/bin/python benchmarks/memorize.py --only throughput
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
from _common import ROOT, previous_rows, write_results

from genlab.recipes import builtin_data
from genlab.memorization import SCORES, BuiltinModel, MemorizationConfig, estimate, outcome, plant_mislabeled, roc, scores, split_half_stability
from genlab.memorization._scores import _train_member
from genlab.models import ModelConfig
from genlab.store import RunStore

CASES = ["scores", "throughput"]
SIZES = [16, 32, 64, 96, 128]
MODEL = ModelConfig("mlp", width=512, depth=2)
TRAIN_SIZE, CANARIES = 10_000, 100


def data():
    ds = builtin_data("fashion-mnist", TRAIN_SIZE, None)
    y, canaries = plant_mislabeled(ds.y_train, CANARIES, ds.num_classes, seed=0)
    return ds, y, canaries


def case_scores(store: RunStore, models: int, reuse: str | None) -> list[dict]:
    """Train the K models (or, with ``reuse``, rescore the models an earlier run trained)."""
    ds, y, canaries = data()
    config = MemorizationConfig(models=models)
    if reuse:
        run = store.get(reuse)
        wall = json.loads((run.folder / "result.json").read_text())["wall_seconds"]
        result = scores(BuiltinModel(MODEL, ds.input_shape, ds.num_classes), (ds.x_train, y), config, test_data=(ds.x_test, ds.y_test), run=run, workers=0)
    else:
        run = store.start_run("bench-memorize", {"kind": "bench-memorize", "config": config.to_dict(), "train_size": TRAIN_SIZE, "canaries": CANARIES})
        start = time.time()
        with run:
            result = scores(BuiltinModel(MODEL, ds.input_shape, ds.num_classes), (ds.x_train, y), config, test_data=(ds.x_test, ds.y_test), run=run, workers=2)
            run.complete({"wall_seconds": time.time() - start})
        wall = time.time() - start
    is_canary = np.zeros(len(y), dtype=bool)
    is_canary[canaries.numpy()] = True
    rows = []
    sizes = [k for k in SIZES if k <= models]
    for score in SCORES:
        outcomes = outcome(score, result.correct, result.probability)
        curve = split_half_stability(result.masks, outcomes, sizes, score)
        for point in curve:
            k = point["models"]
            est = estimate(result.masks[:k], outcomes[:k], score, allow_missing=True).score  # the first k of 128 balanced subsets may hold an example in all k
            finite = np.isfinite(est)
            auc = roc(est[finite], is_canary[finite])
            rows.append({"case": "scores", "score": score, "models": k, "spearman_all": point["spearman_all"], "spearman_top10": point["spearman_top"],
                         "canary_auc": auc["auc"], "canary_tpr_at_1pct_fpr": auc["tpr_at_1pct_fpr"],
                         "train_accuracy_in_subset": float((result.correct & result.masks).sum() / result.masks.sum()),
                         "test_accuracy": float(result.test_correct.float().mean()), "wall_seconds": wall, "run_id": run.id,
                         "date": time.strftime("%Y-%m-%d %H:%M %Z")})
    return rows


def _plain(task_and_shared):
    task, shared = task_and_shared
    torch.set_num_threads(1)
    return _train_member(task, shared)


def case_throughput(store: RunStore, count: int = 8) -> list[dict]:
    ds, y, _ = data()
    config = MemorizationConfig(models=count)
    from genlab.memorization import membership_masks

    masks = membership_masks(len(y), count, config.subset, config.seed)
    shared = {"x": ds.x_train, "y": y, "masks": masks, "model_fn": BuiltinModel(MODEL, ds.input_shape, ds.num_classes)}
    tasks = [{"model": k, "seed": k, "train": asdict(config.train), "device": "cpu"} for k in range(count)]
    rows = []
    start = time.time()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_plain, [(t, shared) for t in tasks]))
    rows.append({"case": "throughput", "engine": "plain processes (pool of 2)", "workers": 2, "models": count, "wall_seconds": time.time() - start})
    for workers in (1, 2):
        run = store.start_run("bench-throughput", {"kind": "bench-throughput", "workers": workers})
        start = time.time()
        scores(shared["model_fn"], (ds.x_train, y), replace(config, seed=workers), run=run, workers=workers, progress=False)
        rows.append({"case": "throughput", "engine": "genlab.sweep (Ray, embedded)", "workers": workers, "models": count, "wall_seconds": time.time() - start})
        run.complete({})
    for r in rows:
        r["models_per_minute"] = 60 * r["models"] / r["wall_seconds"]
        r["date"] = time.strftime("%Y-%m-%d %H:%M %Z")
    return rows


def markdown(rows: list[dict], header: str) -> str:
    out = [header, ""]
    score_rows = [r for r in rows if r["case"] == "scores"]
    if score_rows:
        out += ["| score | models K | split-half Spearman, all | split-half Spearman, top 10% | canary ROC AUC | TPR at 1% FPR | target |", "|---|---|---|---|---|---|---|"]
        for r in score_rows:
            target = "top 10% >= 0.7 at K <= 96; all >= 0.85 at K = 64; AUC >= 0.95" if r["score"] == "log-probability" and r["models"] in (64, 96) else ""
            out.append(f"| {r['score']} | {r['models']} | {r['spearman_all']:.3f} | **{r['spearman_top10']:.3f}** | {r['canary_auc']:.3f} | {r['canary_tpr_at_1pct_fpr']:.3f} | {target} |")
        r = score_rows[-1]
        out += ["", f"Subset models fit their training examples to {r['train_accuracy_in_subset']:.4f} accuracy; test accuracy {r['test_accuracy']:.4f}; "
                f"{max(x['models'] for x in score_rows)} models in {r['wall_seconds']:.0f} s (2 Ray workers). "
                "Reference (issue 5): top-10% Spearman 0.22 / 0.54 / 0.76 at 32 / 64 / 128 models, all-example 0.78 / 0.84 / 0.89 at 16 / 32 / 64, canary AUC 0.939 / 0.945 / 0.950 at 32 / 64 / 128.", ""]
    tp = [r for r in rows if r["case"] == "throughput"]
    if tp:
        out += ["| engine | workers | models | wall s | models per minute |", "|---|---|---|---|---|"]
        out += [f"| {r['engine']} | {r['workers']} | {r['models']} | {r['wall_seconds']:.1f} | **{r['models_per_minute']:.2f}** |" for r in tp]
        out += ["", "Reference (issue 5): 4.9 s of wall time per model with two plain processes at once (12.2 models per minute).", ""]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=CASES, help="cases to run (default: all)")
    parser.add_argument("--models", type=int, default=128, help="K for the scores case")
    parser.add_argument("--store", type=Path, default=ROOT / "runs" / "bench")
    parser.add_argument("--reuse", help="scores case: rescore the models of this earlier bench-memorize run (no training)")
    args = parser.parse_args()
    store = RunStore(args.store)
    previous = previous_rows("memorize", lambda r: (r["case"], r.get("score"), r.get("models"), r.get("engine"), r.get("workers")))
    note = "Fashion-MNIST, 10,000 training images with 100 mislabeled canaries, MLP 784-512-512-10, subsets of 0.7, one torch thread per worker."
    for name in args.only or CASES:
        new = case_scores(store, args.models, args.reuse) if name == "scores" else case_throughput(store)
        previous = {k: v for k, v in previous.items() if k[0] != name}
        previous |= {(r["case"], r.get("score"), r.get("models"), r.get("engine"), r.get("workers")): r for r in new}
        rows = [r for c in CASES for k, r in previous.items() if k[0] == c]
        print(write_results("memorize", rows, markdown, note))


if __name__ == "__main__":
    main()
