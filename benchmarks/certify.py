"""Benchmark: certified error bounds for MNIST, Fashion-MNIST and MNIST-1D under both priors.

Runs each dataset's tuned recipe (genlab.recipes.recipe) end to end through the store, then writes
benchmarks/results/certify.json and certify.md (with date, machine and command) and the table in
benchmarks/README.md between the ``bench:certify`` markers.

    .venv/bin/python benchmarks/certify.py                       # all six
    .venv/bin/python benchmarks/certify.py --only fashion-mnist  # one dataset, both priors
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import ROOT, previous_rows, write_results

from genlab.recipes import certify_builtin, recipe
from genlab.store import RunStore
CASES = [(d, p) for d in ("mnist", "fashion-mnist", "mnist1d") for p in ("data-independent", "data-dependent")]
# Targets from the issue, and published / reference anchors, for the table.
TARGETS = {
    ("mnist", "data-independent"): "<= 0.10 (ref 0.115; Lotfi et al. 2022: 0.116)",
    ("fashion-mnist", "data-independent"): "<= 0.22 (ref 0.242; Lotfi et al. 2022: ~0.33)",
    ("mnist", "data-dependent"): "<= 0.02 (ref 0.056; PBB: ~0.02-0.03)",
    ("fashion-mnist", "data-dependent"): "<= 0.13 (ref 0.149)",
}


def row(dataset: str, prior: str, r: dict) -> dict:
    base = r["baselines"].get("prior_only")
    return {
        "dataset": dataset,
        "prior": prior,
        "error_bound": r["error_bound"],
        "train_error": r["train_error"],
        "test_error": r["test_error"],
        "n_bound": r["n_bound"],
        "bits_total": r["bits_total"],
        "subspace_dim": r["subspace_dim"],
        "levels": r["levels"],
        "prior_only_bound": None if base is None else base["error_bound"],
        "prior_only_test_error": None if base is None else base["test_error"],
        "wall_seconds": r["wall_seconds"],
        "target": TARGETS.get((dataset, prior), ""),
        "run_id": r["run_id"],
    }


def markdown(rows: list[dict], header: str) -> str:
    f = lambda v: "" if v is None else f"{v:.4f}"  # noqa: E731
    lines = [header, "", "| dataset | prior | error bound | test error | train error (n) | bits | d | L | theta_0 alone: bound / test | wall s | target |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        alone = "" if r["prior_only_bound"] is None else f"{f(r['prior_only_bound'])} / {f(r['prior_only_test_error'])}"
        lines.append(f"| {r['dataset']} | {r['prior']} | **{r['error_bound']:.5f}** | {f(r['test_error'])} | {f(r['train_error'])} ({r['n_bound']}) | "
                     f"{r['bits_total']} | {r['subspace_dim']} | {r['levels']} | {alone} | {r['wall_seconds']:.0f} | {r['target']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="datasets and/or priors to run, e.g. --only mnist data-dependent (default: all six cases)")
    parser.add_argument("--store", default=str(ROOT / "runs" / "bench"), help="run store for the benchmark runs")
    args = parser.parse_args()
    only = set(args.only or [])
    datasets = {c[0] for c in CASES} & only or {c[0] for c in CASES}
    priors = {c[1] for c in CASES} & only or {c[1] for c in CASES}
    cases = [c for c in CASES if c[0] in datasets and c[1] in priors]
    store = RunStore(args.store)
    previous = previous_rows("certify", lambda r: (r["dataset"], r["prior"]))
    for dataset, prior in cases:
        model, config = recipe(dataset, prior)
        print(f"== {dataset} / {prior}: {model} {config}", flush=True)
        result, run = certify_builtin(dataset, model, config, store=store, progress=sys.stdout.isatty())
        print(f"   {result}", flush=True)
        previous[(dataset, prior)] = row(dataset, prior, result.to_dict()) | {"date": time.strftime("%Y-%m-%d %H:%M %Z")}
        table = write_results("certify", [previous[c] for c in CASES if c in previous], markdown, "delta = 0.05, Occam-kl bound, decoded models.")  # after every case
    print(table)


if __name__ == "__main__":
    main()
