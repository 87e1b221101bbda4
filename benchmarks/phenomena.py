"""Benchmark: the phenomena recipes against their published numbers (issue 18's acceptance).

Cases (one torch thread):

- ``double-descent-rf``: random ReLU features with the minimum-norm fit, Fashion-MNIST n = 1,000,
  N from 10 to 16,000 (the default sweep), all 10,000 test images;
- ``intrinsic-dim-mnist-mlp``: d_90 of the MLP 784-200-200-10 (D = 199,210) on MNIST (all 60,000
  training images), the default grid and bisection;
- ``sam-features``: Dominoes p = 1.0, SGD and SAM rho 0.05 / 0.1, 3 seeds, the default network and
  probes.

Writes benchmarks/results/phenomena.json and .md and the benchmarks/README.md table between the
``bench:phenomena`` markers.

    .venv/bin/python benchmarks/phenomena.py
"""

from __future__ import annotations

import argparse
import time

from _common import ROOT, previous_rows, write_results

from genlab.phenomena.double_descent import DoubleDescentConfig
from genlab.recipes import double_descent_builtin
from genlab.store import RunStore

CASES = ["double-descent-rf", "intrinsic-dim-mnist-mlp", "sam-features"]


def case_double_descent_rf() -> dict:
    start = time.time()
    result, run = double_descent_builtin(DoubleDescentConfig(), store=RunStore(ROOT / "runs" / "bench"), progress=True)
    te = dict(zip(result.widths, result.test_error))
    return {"case": "double-descent-rf", "run": run.id, "measured": f"test error {result.first_minimum[1]:.3f} at N = {result.first_minimum[0]} (first minimum), "
            f"{te[1000]:.3f} at N = n = 1000 ({te[1000] / result.first_minimum[1]:.1f}x), {result.test_error[-1]:.3f} at N = {result.widths[-1]}",
            "published": "issue pilot: 0.233 at N = 200, 0.884 at N = 1000, 0.193 at N = 16000",
            "target": "test error at N = n >= 2x the first minimum; the widest model below that minimum",
            "met": te[1000] >= 2 * result.first_minimum[1] and result.test_error[-1] < result.first_minimum[1],
            "wall_s": round(time.time() - start, 1), "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def case_intrinsic_dim() -> dict:
    from genlab.estimate import IntrinsicDimensionConfig
    from genlab.models import ModelConfig
    from genlab.recipes import intrinsic_dim_builtin

    start = time.time()
    result, run = intrinsic_dim_builtin("mnist", ModelConfig("mlp", 200, 2), IntrinsicDimensionConfig(), store=RunStore(ROOT / "runs" / "bench"), progress=True)
    return {"case": "intrinsic-dim-mnist-mlp", "run": run.id, "measured": f"d_90 = {result.d_paper} (paper's baseline 0.90); {result.d_own} against 90% of the full-space "
            f"{result.full_score:.4f}; curve " + ", ".join(f"{d}: {s:.3f}" for d, s in result.curve),
            "published": "Li et al. 2018: 750 (786 +- 66 over 3 runs per d in their notebook)", "target": "d_90 in [500, 1100]",
            "met": result.d_paper is not None and 500 <= result.d_paper <= 1100, "wall_s": round(time.time() - start, 1), "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def case_sam_features() -> dict:
    from genlab.phenomena.features import FeaturesConfig
    from genlab.recipes import features_builtin

    start = time.time()
    result, run = features_builtin(FeaturesConfig(), store=RunStore(ROOT / "runs" / "bench"), progress=True)
    s = result.summary
    best = max((r for r in s if r != "0.0"), key=lambda r: s[r]["probe_item"])
    gain = s[best]["probe_item"] - s["0.0"]["probe_item"]
    return {"case": "sam-features", "run": run.id, "measured": "item probe (mean of 3 seeds) " + ", ".join(f"rho {r}: {v['probe_item']:.3f}" for r, v in s.items())
            + f"; at init {s['0.0']['init_item']:.3f}; in-distribution accuracy " + ", ".join(f"{v['test_accuracy']:.4f}" for v in s.values()),
            "published": "issue pilot (one seed, 4 epochs, 10k images): init 0.594, SGD 0.745, SAM rho 0.1 0.755",
            "target": "SAM's item probe above SGD's in the seed mean, in-distribution accuracy within 1 point (stretch: +2 points)",
            "met": gain > 0 and abs(s[best]["test_accuracy"] - s["0.0"]["test_accuracy"]) <= 0.01, "wall_s": round(time.time() - start, 1),
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "", "| case | measured | published | target | met | wall s |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['case']} | {r['measured']} | {r['published']} | {r['target']} | {'yes' if r['met'] else 'no'} | {r['wall_s']} |" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=CASES, action="append", help="run only these cases (the others keep their earlier rows)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    rows = previous_rows("phenomena", lambda r: r["case"])
    for name in args.only or CASES:
        rows[name] = {"double-descent-rf": case_double_descent_rf, "intrinsic-dim-mnist-mlp": case_intrinsic_dim, "sam-features": case_sam_features}[name]()
        print(rows[name], flush=True)
    print(write_results("phenomena", [rows[c] for c in CASES if c in rows], markdown, "One torch thread."))


if __name__ == "__main__":
    main()
