"""Benchmark: grokking on a laptop CPU (issue 6).

Cases:
- ``default``: `genlab grok` with its defaults (modular addition, p = 97, train fraction 0.4,
  MLP on learned embeddings, AdamW lr 3e-3, weight decay 1, 3,000 full-batch steps): steps to 99%
  train and test accuracy, the grokking delay, wall time, the key frequencies' energy share;
- ``default-grokfast``: the same with Grokfast-EMA (alpha 0.98, lambda 2), for the speed-up ratio
  on genlab's default setting.

Writes benchmarks/results/grokking.json and .md and the README table between the
``bench:grokking`` markers.

    .venv/bin/python benchmarks/grokking.py
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from _common import ROOT, previous_rows, write_results

from genlab.phenomena.grokking import GrokConfig, grok
from genlab.store import RunStore

CASES = {
    "default": GrokConfig(),
    "default-grokfast": replace(GrokConfig(), grokfast_alpha=0.98, grokfast_lambda=2.0),
}


def markdown(rows: list[dict], header: str) -> str:
    out = [header, "", "| case | task | model | steps | 99% train at step | 99% test at step | delay (steps) | final test acc | key-frequency energy | wall s |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['case']} | {r['task']} p={r['p']} frac={r['train_frac']} | {r['model']} | {r['steps']} | {r['steps_to_train_99']} | **{r['steps_to_test_99']}** | "
                   f"{r['grokking_delay']} | {r['test_acc']:.4f} | {r['key_energy_share']:.3f} | {r['wall_seconds']:.0f} |")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=list(CASES), help="cases to run (default: all)")
    args = parser.parse_args()
    store = RunStore(ROOT / "runs" / "bench")
    previous = previous_rows("grokking", lambda r: r["case"])
    for name in args.only or list(CASES):
        config = CASES[name]
        run = store.start_run(f"grok-{name}", {"kind": "grok", "grok": config.to_dict()})
        with run:
            result = grok(config, run=run)
            run.complete(result, {"case": name})
        f = result["final"]
        previous[name] = {"case": name, "task": config.task, "p": config.p, "train_frac": config.train_frac, "model": config.model, "steps": config.steps,
                          "steps_to_train_99": result["steps_to_train_99"], "steps_to_test_99": result["steps_to_test_99"], "grokking_delay": result["grokking_delay"],
                          "test_acc": f["test_acc"], "key_frequencies": f.get("key_frequencies"), "key_energy_share": f.get("key_energy_share", float("nan")),
                          "wall_seconds": result["wall_seconds"], "run_id": run.id, "date": time.strftime("%Y-%m-%d %H:%M %Z")}
        rows = [previous[c] for c in CASES if c in previous]
        print(write_results("grokking", rows, markdown, "Full-batch AdamW; accuracy measured every 25 steps (so steps are multiples of 25)."))


if __name__ == "__main__":
    main()
