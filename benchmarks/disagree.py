"""Benchmark: the disagreement estimate of test error and agreement-on-the-line under synthetic
shift (issue 17's acceptance), through ``genlab disagree``'s recipe.

Cases (3 AllDiff pairs each, one torch thread, 4 shifts of the test images: rotate:30,
noise:0.5, blur:1.5, contrast:0.3; every run's 5 checkpoints are the models of
agreement-on-the-line):

- ``fashion-mlp``: Fashion-MNIST, MLP 784-256-256-10, 4,000 training images, 20 epochs;
- ``mnist-cnn``: MNIST, the small CNN (16/32 channels), 4,000 training images, 10 epochs.

Writes benchmarks/results/disagree.json and .md and the benchmarks/README.md table between the
``bench:disagree`` markers.

    .venv/bin/python benchmarks/disagree.py
    .venv/bin/python benchmarks/disagree.py --only mnist-cnn
"""

from __future__ import annotations

import argparse
import time

from _common import ROOT, previous_rows, write_results

from genlab.estimate import DisagreementConfig
from genlab.models import ModelConfig
from genlab.recipes import disagree_builtin
from genlab.store import RunStore
from genlab.train import TrainConfig

SHIFTS = ("rotate:30", "noise:0.5", "blur:1.5", "contrast:0.3")
CASES = {
    "fashion-mlp": ("fashion-mnist", ModelConfig("mlp", 256, 2), TrainConfig(epochs=20, lr=1e-3, batch_size=128)),
    "mnist-cnn": ("mnist", ModelConfig("cnn", 16, 2), TrainConfig(epochs=10, lr=1e-3, batch_size=128)),
}


def run_case(name: str) -> dict:
    dataset, model, train = CASES[name]
    config = DisagreementConfig(source=("alldiff",), pairs=3, train=train, shift=SHIFTS, checkpoints=5)
    start = time.time()
    summary, run = disagree_builtin(dataset, model, config, store=RunStore(ROOT / "runs" / "bench"), train_size=4000, progress=True)
    d = summary["dis_by_source"]["alldiff"]
    row = {"case": name, "run": run.id, "dis": d["dis"], "ci": d["ci"], "test_error": d["test_error"], "gap": d["gap"], "se": d["se"], "cace": d["cace"],
           "status": d["status"], "shift": {s: {"r2_agreement": a["agreement_line"]["r2"], "r2_accuracy": a["accuracy_line"]["r2"], "mae": a["mae"],
                                               "ood_accuracy": sum(a["ood_accuracy"]) / len(a["ood_accuracy"])} for s, a in summary["shift"].items()},
           "wall_s": round(time.time() - start, 1), "date": time.strftime("%Y-%m-%d %H:%M %Z")}
    print(row, flush=True)
    return row


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "", "| case | disagreement (95% interval) | test error | dis - err (s.e.) | CACE | status | wall s |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['dis']:.4f} [{r['ci'][0]:.4f}, {r['ci'][1]:.4f}] | {r['test_error']:.4f} | {r['gap']:+.4f} ({r['se']:.4f}) | {r['cace']:.3f} | {r['status']} | {r['wall_s']} |")
    methods = list(next(iter(rows[0]["shift"].values()))["mae"]) if rows else []
    lines += ["", "Accuracy under shift: mean absolute error of each estimate over the 30 models (3 pairs x 2 runs x 5 checkpoints); R² of the probit agreement and accuracy lines.", "",
              "| case | shift | R² agreement | R² accuracy | mean OOD accuracy | " + " | ".join(f"MAE {m}" for m in methods) + " |", "|---|---|---|---|---|" + "---|" * len(methods)]
    for r in rows:
        for s, a in r["shift"].items():
            best = min(a["mae"], key=a["mae"].get)
            lines.append(f"| {r['case']} | {s} | {a['r2_agreement']:.3f} | {a['r2_accuracy']:.3f} | {a['ood_accuracy']:.4f} | "
                         + " | ".join(f"**{a['mae'][m]:.4f}**" if m == best else f"{a['mae'][m]:.4f}" for m in methods) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(CASES), action="append", help="run only these cases (the others keep their earlier rows)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    rows = previous_rows("disagree", lambda r: r["case"])
    for name in args.only or list(CASES):
        rows[name] = run_case(name)
    print(write_results("disagree", [rows[c] for c in CASES if c in rows], markdown,
                        "Test images: all 10,000, their labels used only to check; Adam, cosine schedule; 3 AllDiff pairs (disjoint halves of the 4,000 training images)."))


if __name__ == "__main__":
    main()
