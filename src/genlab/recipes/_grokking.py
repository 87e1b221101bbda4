"""The grokking lab's run-store lifecycle: one run (``grok_builtin``) or a phase diagram over two
hyperparameters (``grok_sweep``), each with its explorable page."""

from __future__ import annotations

import time

from genlab.phenomena.grokking import PHASE_RULE, PHASES, GrokConfig, GrokResult, classify_phase, history_records, steps_to, sweep_cell, sweep_configs
from genlab.phenomena.grokking import run as grok_run
from genlab.report import write_report
from genlab.store import Run, RunStore
from genlab.sweep import run_sweep, task_key


def grok_builtin(config: GrokConfig, *, store: RunStore, progress: bool = True, report: bool = True) -> tuple[GrokResult, Run]:
    """``genlab.phenomena.grokking.run(config)`` inside a new store run (metrics as it trains, result.json at the end, the
    explorable page when ``report``); returns (result, run)."""
    run = store.start_run(f"grok-{config.task}", {"kind": "grok", "grok": config.to_dict()})
    with run:
        result = grok_run(config, run=run, progress=progress)
        run.complete(result.to_dict(), {"task": config.task, "model": config.model, "steps_to_test_99": result.steps_to_test_99, "test_acc": result.final["test_acc"]})
    if report:
        write_report(run.folder)
    return result, run


def grok_sweep(base: GrokConfig, rows: tuple[str, list], cols: tuple[str, list], *, store: RunStore, workers: int | None = None, address: str | None = None,
               progress: bool = True, run_id: str | None = None, report: bool = True) -> tuple[dict, Run]:
    """A phase diagram: a grokking run at every (row, col) point of the grid, run in parallel through
    ``genlab.sweep`` into one store run (``run_id`` resumes an interrupted one: finished cells
    are kept), each cell classified by ``PHASE_RULE``. Returns (result, run); result.json holds
    every cell's phase, steps to 99% train/test accuracy and history, and each cell's snapshots
    stay in ``tasks/<key>.safetensors``."""
    if run_id is not None:
        run = store.resume_run(run_id)
        saved = run.config
        base, rows, cols = GrokConfig(**saved["grok"]), tuple(saved["rows"]), tuple(saved["cols"])
    grid = sweep_configs(base, rows, cols)
    if run_id is None:
        run = store.start_run(f"grok-sweep-{base.task}", {"kind": "grok-sweep", "grok": base.to_dict(), "rows": list(rows), "cols": list(cols)})
    start = time.time()
    with run:
        cells = [c.to_dict() for line in grid for c in line]
        results = run_sweep(sweep_cell, cells, run.folder, workers=workers, address=address, progress=progress, description=f"phase diagram {base.task}")
        out = []
        for i, (cell, tensors) in enumerate(zip(cells, results)):
            history = history_records(tensors)
            train_99, test_99 = steps_to(history, "train_acc", 0.99), steps_to(history, "test_acc", 0.99)
            out.append({"row": i // len(cols[1]), "col": i % len(cols[1]), "key": task_key(cell), "config": cell,
                        "phase": classify_phase(history, base.log_every), "steps_to_train_99": train_99, "steps_to_test_99": test_99,
                        "grokking_delay": None if train_99 is None or test_99 is None else test_99 - train_99,
                        "final": {k: v for k, v in history[-1].items() if k != "spectrum"}, "history": history,
                        "relevant_bits": tensors["relevant_bits"].tolist() if "relevant_bits" in tensors else None,
                        "wall_seconds": float(tensors["wall_seconds"])})
        result = {"kind": "grok-sweep", "base": base.to_dict(), "rows": {"name": rows[0], "values": list(rows[1])}, "cols": {"name": cols[0], "values": list(cols[1])},
                  "phase_rule": PHASE_RULE, "phase_counts": {p: sum(c["phase"] == p for c in out) for p in PHASES},
                  "wall_seconds": time.time() - start, "cells": out}
        run.complete(result, {"task": base.task, "model": base.model, "cells": len(out), **result["phase_counts"]})
    if report:
        write_report(run.folder)
    return result, run
