"""What more documents would buy a document-level LM certificate, with the fits held fixed.

Reads a certify-lm run folder and recomputes its split-kl document statement, and each coded
baseline's, at n x 0.5, 1, 2, 4 training documents from the recorded empirical tails, code
lengths and delta (the same function the certificate used). The fits stay those of the run: this
is arithmetic on the run's own fields, not a run on more documents. It shows how the margin to the
best baseline moves with n when the baselines pay for more bits than the model.

    .venv/bin/python benchmarks/lm_n_scaling.py runs/bench/<certify-lm run id>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from genlab.bounds._language import document_split_kl_bound

FACTORS = (0.5, 1.0, 2.0, 4.0)


def _bounds_at(statement: dict) -> list[float]:
    s = statement
    out = []
    for factor in FACTORS:
        n = int(s["n"] * factor)
        m = n if s["m"] == s["n"] else s["m"]
        out.append(document_split_kl_bound(s["tails"], m, n, s["bits"], s["delta"], tuple(s["loss_range"])).bound)
    return out


def main(folder: str) -> None:
    path = Path(folder) / "result.json"
    if not path.is_file():
        sys.exit(f"no result.json in {folder}: pass a certify-lm run folder, e.g. runs/bench/<run id>")
    result = json.loads(path.read_text())
    statement = result["bounds"].get("document/loss")
    if statement is None or statement.get("method") != "document_split_kl":
        sys.exit(f"{folder} has no split-kl document statement: run certify-lm with --bound document")
    rows = [("model", statement)]
    rows += [(name, b["bounds"]["document/loss"]) for name, b in result["baselines"].items() if "document/loss" in b["bounds"]]
    table = {name: _bounds_at(s) for name, s in rows}
    best = [min(table[name][i] for name, _ in rows[1:]) for i in range(len(FACTORS))]
    header = " | ".join(f"n x {f:g}" for f in FACTORS)
    print(f"| statement | bits | empirical | {header} |")
    print("|---|---|---|" + "---|" * len(FACTORS))
    for name, s in rows:
        print(f"| {name} | {s['bits']:,.0f} | {s['empirical']:.3f} | " + " | ".join(f"{x:.3f}" for x in table[name]) + " |")
    print("| margin to the best baseline | | | " + " | ".join(f"{b - m:.3f}" for b, m in zip(best, table["model"])) + " |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
