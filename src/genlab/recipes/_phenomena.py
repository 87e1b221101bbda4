"""Phenomena other than grokking, on built-in data, into a store run."""

from __future__ import annotations

from genlab.phenomena.double_descent import DoubleDescentConfig, run as double_descent
from genlab.phenomena.features import FeaturesConfig, run as features
from genlab.report import write_report
from genlab.store import Run, RunStore


def double_descent_builtin(config: DoubleDescentConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """Sweep ``config.widths`` on the built-in ``config.dataset``; result.json and the report land
    in a run folder."""
    from genlab.data import load_dataset

    load_dataset(config.dataset)  # a missing dataset fails before a run folder exists
    run: Run = store.start_run(f"double-descent-{config.dataset}", {"kind": "double-descent", "double_descent": config.to_dict()})
    with run:
        result = double_descent(config, run=run, progress=progress)
        run.complete(result.to_dict(), {"dataset": config.dataset, "model": config.model, "peak_ratio": result.peak_ratio})
    if report:
        write_report(run.folder)
    return result, run


def features_builtin(config: FeaturesConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """SAM against SGD on Dominoes, probed; result.json and the report land in a run folder."""
    from genlab.data import load_dataset

    load_dataset("mnist"), load_dataset("fashion-mnist")  # a missing dataset fails before a run folder exists
    run: Run = store.start_run("sam-features-dominoes", {"kind": "sam-features", "features": config.to_dict()})
    with run:
        result = features(config, run=run, progress=progress)
        run.complete(result.to_dict(), {"dataset": "dominoes", "rhos": list(config.rhos), "seeds": config.seeds})
    if report:
        write_report(run.folder)
    return result, run
