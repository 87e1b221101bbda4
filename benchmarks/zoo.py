"""Benchmark: model zoos on Fashion-MNIST for issue 17's acceptance (disagreement against test
error, the measures ranked, HT-SR spectra), and the zoo's throughput.

Cases (one torch thread per worker):

- ``throughput``: zoo runs per minute on this machine, the same 12 runs (2x256 MLPs, 4,000
  images, to cross-entropy 0.01 or 60 epochs, with their measures) with 1 and with 2 Ray workers;
- ``mlp``: the 81-configuration MLP zoo (width 32/128/512 x depth 1/2/3 x lr 3e-4/1e-3/3e-3 x
  weight decay 0/1e-5/1e-4), 2 seeds + a disjoint-data partner each, 2 workers: wall time,
  converged runs, disagreement against test error, every measure's tau / Psi / CMI, and the
  spectra's wall time (``genlab weightwatch``);
- ``cnn``: a 9-configuration small-CNN zoo (width 8/16/32 x lr 3e-4/1e-3/3e-3), the same protocol;
- ``cnn-sgd-he``, ``cnn-sgd``: the CNN zoo trained as Jiang et al. (ICLR 2022) train theirs, with
  SGD and Nesterov momentum 0.9 (lr 0.01/0.02/0.05), initialised as He et al. (2015) do
  (``--init he``) or by PyTorch's default: the two differ in the initialisation only;
- ``mlp-all``, ``cnn-all``, ...: those zoos ranked over all their configurations, converged or not (no
  training); ``--reuse mlp=RUN_ID`` takes a zoo's row from its finished run instead of training it.

Writes benchmarks/results/zoo.json and .md and the benchmarks/README.md table between the
``bench:zoo`` markers; the zoos' run folders are under runs/bench.

    .venv/bin/python benchmarks/zoo.py                 # every case
    .venv/bin/python benchmarks/zoo.py --only mlp
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time

from _common import ROOT, previous_rows, write_results

from genlab.estimate import ZooConfig, ZooModel, zoo
from genlab.recipes import builtin_data, weightwatch, zoo_builtin
from genlab.store import RunStore

ZOOS = ["mlp", "cnn", "cnn-sgd-he", "cnn-sgd"]
CASES = ["throughput", *ZOOS, *(f"{z}-all" for z in ZOOS)]
CNN_GRID = {"width": (8, 16, 32), "lr": (3e-4, 1e-3, 3e-3)}
SGD_GRID = {"width": (8, 16, 32), "lr": (0.01, 0.02, 0.05)}
TRAIN_SIZE = 4000


def case_throughput() -> list[dict]:
    ds = builtin_data("fashion-mnist", None, None)
    slices = [(ds.x_train[:TRAIN_SIZE], ds.y_train[:TRAIN_SIZE]), (ds.x_train[TRAIN_SIZE : 2 * TRAIN_SIZE], ds.y_train[TRAIN_SIZE : 2 * TRAIN_SIZE])]
    config = ZooConfig(grid={"width": (256,), "depth": (2,), "lr": (3e-4, 1e-3, 3e-3), "weight_decay": (0.0, 1e-4)}, seeds=1, partner=True)  # 12 runs
    rows = []
    for workers in (1, 2):
        folder = tempfile.mkdtemp(prefix="genlab-bench-zoo-")
        try:
            from genlab.store import RunStore as Store

            run = Store(folder).start_run("bench-zoo-throughput", {})
            start = time.time()
            zoo(ZooModel("mlp", ds.input_shape, ds.num_classes), slices, (ds.x_test, ds.y_test), config, run=run, workers=workers, progress=False)
            wall = time.time() - start
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        rows.append({"case": f"throughput, {workers} worker{'s' * (workers > 1)}", "runs": 12, "wall_s": round(wall, 1), "runs_per_minute": round(12 * 60 / wall, 2),
                     "date": time.strftime("%Y-%m-%d %H:%M %Z")})
        print(rows[-1], flush=True)
    return rows


def case_zoo(name: str, model: str, config: ZooConfig, reuse: str | None = None, init: str = "torch") -> list[dict]:
    """Train the zoo (or, with ``reuse``, read a finished zoo run of runs/bench: its own wall time)."""
    store = RunStore(ROOT / "runs" / "bench")
    if reuse:
        folder = ROOT / "runs" / "bench" / reuse
        summary, run_id = json.loads((folder / "result.json").read_text()), reuse
        if summary.get("init", "torch") != init or summary["config"]["optimizer"] != config.optimizer:
            raise SystemExit(f"--reuse {name}={reuse}: that zoo has init {summary.get('init', 'torch')} and optimizer {summary['config']['optimizer']}, "
                             f"the case needs {init} and {config.optimizer}")
        wall = summary["wall_seconds"]
    else:
        start = time.time()
        summary, run = zoo_builtin("fashion-mnist", model, config, store=store, train_size=TRAIN_SIZE, workers=2, progress=True, init=init)
        wall, folder, run_id = time.time() - start, run.folder, run.id
    spectra = weightwatch(folder, progress=False)
    ranking = {r["measure"]: r for r in summary["ranking"]}
    best = max((r for r in summary["ranking"] if r["measure"] != "disagreement"), key=lambda r: r["psi"], default=None)
    row = {"case": name, "run": run_id, "init": summary.get("init", "torch"), "configs": len(summary["configs"]), "runs": sum(len(c["runs"]) for c in summary["configs"]), "converged": summary["n_converged"],
           "wall_s": round(wall, 1), "spectra_s": spectra["wall_seconds"], "gde": summary["gde"], "best_measure": best and best["measure"],
           "ranking": {k: {s: r.get(s) for s in ("tau", "tau_ci", "psi", "cmi", "cmi_ci", "per_axis", "tau_by_depth")} for k, r in ranking.items()},
           "date": time.strftime("%Y-%m-%d %H:%M %Z")}
    print(json.dumps({k: v for k, v in row.items() if k != "ranking"}), flush=True)
    return [row]


def case_all_configs(base: dict) -> dict:
    """A zoo row's zoo ranked over all its configurations, converged or not (no training)."""
    from genlab.estimate import ZooResult, gde_summary, rank_measures

    summary = json.loads((ROOT / "runs" / "bench" / base["run"] / "result.json").read_text())
    result = ZooResult.from_dict({k: summary[k] for k in ("configs", "n_converged", "config", "wall_seconds")})
    ranking = {r["measure"]: r for r in rank_measures(result, converged_only=False)}
    best = max((r for r in ranking.values() if r["measure"] != "disagreement"), key=lambda r: r["psi"])
    return {**base, "case": f"{base['case']}-all", "converged": len(result.configs), "gde": gde_summary(result, converged_only=False), "best_measure": best["measure"],
            "ranking": {k: {s: r.get(s) for s in ("tau", "tau_ci", "psi", "cmi", "cmi_ci", "per_axis", "tau_by_depth")} for k, r in ranking.items()},
            "note": "all configurations, converged or not", "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "", "| case | configurations | runs | converged configurations | wall s | runs per minute | spectra s | same-data seeds: mean abs(dis - err), tau, dis/err | AllDiff: mean abs(dis - err), tau, dis/err | best measure by Psi (tau, Psi, CMI) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["case"].startswith("throughput"):
            lines.append(f"| {r['case']} | | {r['runs']} | | {r['wall_s']} | {r['runs_per_minute']} | | | | |")
            continue
        g = r["gde"]
        cell = lambda k: f"{100 * g[k]['mean_abs_gap']:.2f} pp, {g[k]['tau']:+.2f}, {g[k]['mean_ratio']:.2f}" if k in g else "n/a"  # noqa: E731
        b = r["ranking"].get(r["best_measure"]) if r["best_measure"] else None
        best = f"{r['best_measure']} ({b['tau']:+.2f}, {b['psi']:+.2f}, {b['cmi']:.2f})" if b else "n/a (fewer than 3 converged configurations)"
        lines.append(f"| {r['case']} | {r['configs']} | {r['runs']} | {r['converged']} | {r['wall_s']} | {60 * r['runs'] / r['wall_s']:.2f} | {r['spectra_s']} | {cell('seeds')} | "
                     f"{cell('alldiff')} | {best} |")
    for r in rows:
        if r.get("ranking"):
            lines += ["", f"Measures on the {r['case']} zoo ({r['converged']} {'configurations, converged or not' if r['case'].endswith('-all') else 'converged configurations'}), by Psi; CMI x 100 (an unrelated measure scores about 2):", "",
                      "| measure | tau | tau 95% interval | Psi | CMI | CMI 95% interval | " + " | ".join(f"tau at depth {d}" for d in (next(iter(r["ranking"].values())).get("tau_by_depth") or {})) + " |",
                      "|---|---|---|---|---|---|" + "---|" * len(next(iter(r["ranking"].values())).get("tau_by_depth") or {})]
            for name, m in sorted(r["ranking"].items(), key=lambda kv: -kv[1]["psi"] if kv[1]["psi"] == kv[1]["psi"] else 1e9):
                strata = " | ".join(f"{v:+.2f}" for v in (m.get("tau_by_depth") or {}).values())
                lines.append(f"| {name} | {m['tau']:+.3f} | [{m['tau_ci'][0]:+.2f}, {m['tau_ci'][1]:+.2f}] | {m['psi']:+.3f} | {m['cmi']:.2f} | [{m['cmi_ci'][0]:.2f}, {m['cmi_ci'][1]:.2f}] | {strata} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=CASES, action="append", help="run only these cases (the others keep their earlier rows)")
    parser.add_argument("--reuse", action="append", metavar="CASE=RUN_ID", help="take a zoo case's row from its finished run in runs/bench instead of training it")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    cases = args.only or CASES
    rows = previous_rows("zoo", lambda r: r["case"])
    if "throughput" in cases:
        rows = {k: v for k, v in rows.items() if not k.startswith("throughput")}
        for r in case_throughput():
            rows[r["case"]] = r
    reuse = dict(item.split("=", 1) for item in args.reuse or [])
    if "mlp" in cases:
        rows.update({r["case"]: r for r in case_zoo("mlp", "mlp", ZooConfig(), reuse.get("mlp"))})
    if "cnn" in cases:
        rows.update({r["case"]: r for r in case_zoo("cnn", "cnn", ZooConfig(grid=CNN_GRID, max_epochs=100), reuse.get("cnn"))})
    for name, init in (("cnn-sgd-he", "he"), ("cnn-sgd", "torch")):
        if name in cases:
            rows.update({r["case"]: r for r in case_zoo(name, "cnn", ZooConfig(grid=SGD_GRID, optimizer="sgd", max_epochs=100), reuse.get(name), init=init)})
    for name in ZOOS:
        if f"{name}-all" in cases and name in rows:
            rows[f"{name}-all"] = case_all_configs(rows[name])
    order = [c for c in ("throughput, 1 worker", "throughput, 2 workers", *(x for z in ZOOS for x in (z, f"{z}-all"))) if c in rows]
    print(write_results("zoo", [rows[c] for c in order], markdown,
                        "Fashion-MNIST, first 4,000 training images (partners: the next 4,000), all 10,000 test images; Adam (the cnn-sgd rows: SGD, Nesterov momentum 0.9), batch 128, constant learning rate, "
                        "training stops at the first epoch with mean cross-entropy <= 0.01 (cap 300 epochs for the MLPs, 100 for the CNNs); "
                        "one torch thread per worker; measures averaged over the two same-data seeds; PyTorch's default initialisation except the cnn-sgd-he rows (He et al. 2015)."))


if __name__ == "__main__":
    main()
