"""Benchmark: grokking on a laptop CPU (issue 6).

Cases (``--only`` picks some; results of the others are kept from the last run):
- ``default``: `genlab grok` with its defaults (modular addition, p = 97, train fraction 0.4,
  MLP on learned embeddings, AdamW lr 3e-3, weight decay 1, 3,000 full-batch steps): steps to 99%
  train and test accuracy, the grokking delay, wall time, the key frequencies' energy share;
- ``default-grokfast``: the same with Grokfast-EMA (alpha 0.98, lambda 2), for the speed-up ratio
  on genlab's default setting;
- ``paper`` and ``paper-grokfast``: the Grokfast paper's own setting (its reference code's 2-layer
  causal decoder, width 128, 4 heads; a * b mod 97 on half of the pairs; minibatches of 512;
  Adam lr 1e-3, betas (0.9, 0.98), 10-step warm-up, L2 weight decay 0.005: the reference code's
  default optimizer and its README's Grokfast-EMA command), without and with
  Grokfast-EMA (alpha 0.98, lambda 2), each stopped once test accuracy reaches 99% or at its step
  budget; the ratio of their steps to 99% test accuracy is the speed-up (a lower bound when the
  plain run does not get there within its budget);
- ``paper-wd-0.001`` and ``paper-wd-0.001-grokfast``: the same pair with a smaller L2 weight
  decay, 0.001; ``paper-no-wd`` and ``paper-no-wd-grokfast``: without weight decay (the reference
  code's default, which its baseline command uses), 10,000 steps; ``paper-no-wd-60k`` and
  ``paper-no-wd-60k-grokfast``: the same with a 60,000-step budget (the plain run grokked at step
  39,100 on an H200), meant for a GPU (``--device cuda --jobs 2``; about 90 ms a step on 2 CPU
  cores) and run only when named in ``--only``;
- ``parity``: sparse parity (n = 40, k = 3, 1,000 training examples): the first layer's weight
  share on the 3 relevant bits as test accuracy rises;
- ``phase``: a 4 x 4 phase diagram of the default setting over weight decay {0, 0.3, 1, 3} x train
  fraction {0.2, 0.4, 0.6, 0.8} through the sweep engine (2 Ray workers): each cell's phase and
  steps to 99% test accuracy, and the diagram's wall time.

Writes benchmarks/results/grokking.json and .md and the benchmarks/README.md table between the
``bench:grokking`` markers (the phase diagram: ``grok_phase`` and ``bench:grok_phase``).

    .venv/bin/python benchmarks/grokking.py [--only paper paper-grokfast] [--seeds 0 1 2] [--device cuda] [--jobs 2]

``--seeds`` repeats each case with other seeds (rows of seeds other than 0 say theirs; a speed-up
compares runs of one seed). ``--jobs N`` runs N cases at once in separate processes (on a GPU,
where one small model leaves it mostly idle; on 2 CPU cores it would distort the wall times).
Each row records its device.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace

from _common import ROOT, machine, previous_rows, write_results

import torch

from genlab.phenomena.grokking import GrokConfig
from genlab.phenomena.grokking import run as grok
from genlab.recipes import grok_sweep
from genlab.report import write_report
from genlab.store import RunStore

PAPER = GrokConfig(task="mul", p=97, train_frac=0.5, model="decoder", layers=2, embed=128, batch_size=512, lr=1e-3, betas=(0.9, 0.98), warmup=10,
                   optimizer="adam", weight_decay=0.005, steps=15_000, log_every=100, stop_at=0.99)
CASES = {
    "default": GrokConfig(),
    "default-grokfast": replace(GrokConfig(), grokfast_alpha=0.98, grokfast_lambda=2.0),
    "paper": PAPER,
    "paper-grokfast": replace(PAPER, grokfast_alpha=0.98, grokfast_lambda=2.0),
    "paper-wd-0.001": replace(PAPER, weight_decay=0.001, steps=10_000),
    "paper-wd-0.001-grokfast": replace(PAPER, weight_decay=0.001, steps=10_000, grokfast_alpha=0.98, grokfast_lambda=2.0),
    "paper-no-wd": replace(PAPER, weight_decay=0.0, steps=10_000),
    "paper-no-wd-grokfast": replace(PAPER, weight_decay=0.0, steps=10_000, grokfast_alpha=0.98, grokfast_lambda=2.0),
    "paper-no-wd-60k": replace(PAPER, weight_decay=0.0, steps=60_000),
    "paper-no-wd-60k-grokfast": replace(PAPER, weight_decay=0.0, steps=60_000, grokfast_alpha=0.98, grokfast_lambda=2.0),
    "parity": GrokConfig(task="parity", n_bits=40, k_bits=3, train_size=1000, steps=3000, log_every=25),
}
PHASE_AXES = (("weight_decay", [0.0, 0.3, 1.0, 3.0]), ("train_frac", [0.2, 0.4, 0.6, 0.8]))
PAIRS = {"default-grokfast": "default", "paper-grokfast": "paper", "paper-wd-0.001-grokfast": "paper-wd-0.001", "paper-no-wd-grokfast": "paper-no-wd",
         "paper-no-wd-60k-grokfast": "paper-no-wd-60k"}


def _parity_trace(history: list[dict]) -> str:
    """The relevant-bit weight share when test accuracy first reaches 60%, 80%, 99%, and at step 0."""
    points = [f"step 0: {history[0]['relevant_weight_share']:.3f}"]
    for level in (0.6, 0.8, 0.99):
        h = next((h for h in history if h["test_acc"] >= level), None)
        if h is not None:
            points.append(f"test {level:.0%} (step {h['step']}): {h['relevant_weight_share']:.3f}")
    return "; ".join(points)


def markdown(rows: list[dict], header: str) -> str:
    out = [header, "", "| case | task | model | steps (budget) | 99% train at step | 99% test at step | delay (steps) | speed-up | final test acc | progress measure | wall s |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    rows = [{"steps_run": r["steps"], **r} | ({"task": f"{r['task']} p={r['p']} frac={r['train_frac']}"} if "p" in r else {}) for r in rows]  # rows of older runs
    by_case = {_key(r): r for r in rows}
    for r in rows:
        speed = ""
        base = by_case.get((PAIRS.get(r["case"], ""), *_key(r)[1:]))
        if base is not None and r["steps_to_test_99"]:
            if base["steps_to_test_99"]:
                speed = f"**{base['steps_to_test_99'] / r['steps_to_test_99']:.2f}x**"
            else:
                speed = f"**>= {base['steps_run'] / r['steps_to_test_99']:.1f}x** (plain run not at 99% after {base['steps_run']})"
        measure = r.get("parity_trace") or (f"key-frequency energy {r['key_energy_share']:.3f}" if r.get("key_energy_share") is not None else "")
        never = lambda v: "not reached" if v is None else v  # noqa: E731
        seed = f" (seed {r['seed']})" if r.get("seed") else ""
        out.append(f"| {r['case']}{seed} | {r['task']} | {r['model']} | {r['steps_run']} ({r['steps']}) | {never(r['steps_to_train_99'])} | **{never(r['steps_to_test_99'])}** | "
                   f"{never(r['grokking_delay'])} | {speed} | {r['test_acc']:.4f} | {measure} | {r['wall_seconds']:.0f} |")
    return "\n".join(out) + "\n"


def phase_markdown(rows: list[dict], header: str) -> str:
    r = rows[0]
    cols = r["cols"]["values"]
    out = [header, "", f"Wall time **{r['wall_seconds']:.0f} s** for {len(r['cells'])} cells of {r['steps']} steps ({r['workers']} Ray workers); "
           f"phases: {', '.join(f'{k} {v}' for k, v in r['phase_counts'].items())}. Cells: phase (steps to 99% test accuracy).", "",
           f"| {r['rows']['name']} \\ {r['cols']['name']} | " + " | ".join(str(c) for c in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for i, v in enumerate(r["rows"]["values"]):
        cells = sorted((c for c in r["cells"] if c["row"] == i), key=lambda c: c["col"])
        out.append(f"| {v} | " + " | ".join(f"{c['phase']} ({c['steps_to_test_99'] if c['steps_to_test_99'] is not None else '-'})" for c in cells) + " |")
    return "\n".join(out) + "\n"


def _key(row: dict) -> tuple[str, int, str]:
    """A row's case, seed and device: a speed-up compares two rows that share the last two."""
    return row["case"], row.get("seed", 0), row.get("device", "cpu")


def run_case(name: str, device: str, seed: int = 0, progress: bool = True, threads: int | None = None) -> dict:
    """Train case ``name`` on ``device`` with ``seed`` (and ``threads`` torch threads) as a run under
    runs/bench, write its report; its table row."""
    if threads is not None:
        torch.set_num_threads(threads)
    config = replace(CASES[name], device=device, seed=seed)
    run = RunStore(ROOT / "runs" / "bench").start_run(f"grok-{name}", {"kind": "grok", "grok": config.to_dict()})
    with run:
        result = grok(config, run=run, progress=progress)
        run.complete(result.to_dict(), {"case": name})
    write_report(run.folder)
    f = result.final
    where = "" if device == "cpu" else f", {torch.cuda.get_device_name(device) if device.startswith('cuda') else device}"
    return {"case": name, "task": f"{config.task} " + (f"n={config.n_bits} k={config.k_bits}" if config.task == "parity" else f"p={config.p} frac={config.train_frac}"),
            "model": config.model + (f" x{config.layers}" if config.layers > 1 else "") + (f", batch {config.batch_size}" if config.batch_size else "") + where,
            "steps": config.steps, "steps_run": f["step"], "steps_to_train_99": result.steps_to_train_99, "steps_to_test_99": result.steps_to_test_99,
            "grokking_delay": result.grokking_delay, "test_acc": f["test_acc"], "key_frequencies": f.get("key_frequencies"),
            "key_energy_share": f.get("key_energy_share"), "parity_trace": _parity_trace(result.history) if config.task == "parity" else None,
            "wall_seconds": result.wall_seconds, "run_id": run.id, "seed": seed, "device": device, "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=[*CASES, "phase"], help="cases to run (default: all but the 60k cases)")
    parser.add_argument("--workers", type=int, default=2, help="Ray workers of the phase diagram")
    parser.add_argument("--device", default="cpu", help="torch device of the cases (e.g. cuda)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds of each case (rows of seeds other than 0 are named so)")
    parser.add_argument("--jobs", type=int, default=1, help="cases run at once, each in its own process (for a GPU)")
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    store = RunStore(ROOT / "runs" / "bench")
    previous = previous_rows("grokking", _key)
    names = [(c, seed) for seed in args.seeds for c in (args.only or [c for c in CASES if "60k" not in c]) if c != "phase"]
    jobs = min(args.jobs, len(names)) or 1
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) if jobs > 1 else contextlib.nullcontext() as pool:
        if pool is None:
            finished = (run_case(case, args.device, seed) for case, seed in names)
        else:  # rows are written as cases finish, so a case cut short loses none of the others
            threads = max(1, torch.get_num_threads() // jobs) if args.device == "cpu" else None  # the cores shared out
            finished = (f.result() for f in as_completed([pool.submit(run_case, case, args.device, seed, False, threads) for case, seed in names]))
        for row in finished:
            previous[_key(row)] = row
            rows = sorted(previous.values(), key=lambda r: (r.get("seed", 0), [*CASES].index(r["case"]), r.get("device", "cpu")))
            print(write_results("grokking", rows, markdown, "AdamW (the paper's rows: Adam with L2 weight decay, as its reference code); accuracy measured every `log_every` steps (25, or 100 for the paper's setting), "
                                "so steps are multiples of it; the paper's setting stops at 99% test accuracy. Each row's device is in its model column; rows without one ran on the CPU."))
    if args.only is None or "phase" in args.only:
        result, run = grok_sweep(GrokConfig(), *PHASE_AXES, store=store, workers=args.workers)
        row = {key: result[key] for key in ("rows", "cols", "phase_counts", "wall_seconds")} | {
            "steps": GrokConfig().steps, "workers": args.workers, "run_id": run.id, "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "cells": [{k: c[k] for k in ("row", "col", "phase", "steps_to_train_99", "steps_to_test_99", "wall_seconds")} for c in result["cells"]]}
        print(write_results("grok_phase", [row], phase_markdown, "The default setting (add, p = 97, MLP, lr 3e-3, 3,000 full-batch steps); " + result["phase_rule"] + "."))


if __name__ == "__main__":
    main()
