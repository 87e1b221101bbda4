"""Label-free estimates of a built-in model on a built-in dataset, into a store run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from genlab.estimate import DisagreementConfig, IntrinsicDimensionConfig, ZooConfig, ZooModel, ZooResult, disagreement, gde_summary, intrinsic_dimension, rank_measures, zoo, zoo_spectra
from genlab.models import BuiltinModel, ModelConfig, count_parameters
from genlab.recipes._certify import builtin_data
from genlab.report import write_report
from genlab.store import Run, RunStore, write_json


def disagree_builtin(dataset: str, model: ModelConfig, config: DisagreementConfig, *, store: RunStore, train_size: int | None = 4000, test_size: int | None = None,
                     workers: int | None = 0, address: str | None = None, progress: bool = True, report: bool = True) -> tuple[dict, Run]:
    """Estimate the test error of ``model`` trained on the first ``train_size`` examples of
    ``dataset`` from the disagreement of ``config.pairs`` pairs of runs on its test inputs; the
    test labels are used only afterwards, to check the estimate."""
    run_config = {"kind": "disagree", "dataset": dataset, "train_size": train_size, "test_size": test_size, "model": model.to_dict(), "disagree": config.to_dict()}
    builtin_data(dataset, train_size, test_size)  # bad sizes fail before a run folder exists
    return _disagree_in_run(store.start_run(f"disagree-{dataset}", run_config), workers, address, progress, report)


def resume_disagree(store: RunStore, run_id: str, *, workers: int | None = 0, address: str | None = None, progress: bool = True, report: bool = True) -> tuple[dict, Run]:
    """Finish an interrupted disagree run: the runs already trained are kept, the rest trained."""
    return _disagree_in_run(store.resume_run(run_id), workers, address, progress, report)


def _disagree_in_run(run: Run, workers, address, progress: bool, report: bool) -> tuple[dict, Run]:
    rc = run.config
    config = DisagreementConfig.from_dict(rc["disagree"])
    model = ModelConfig(**rc["model"])
    with run:
        ds = builtin_data(rc["dataset"], rc["train_size"], rc["test_size"])
        factory = BuiltinModel(model, ds.input_shape, ds.num_classes)
        result = disagreement(factory, (ds.x_train, ds.y_train), config, unlabeled=ds.x_test, labels=ds.y_test, run=run, workers=workers, address=address, progress=progress)
        summary = {"dataset": ds.name, "n_train": len(ds.y_train), "model": model.to_dict(), "n_parameters": count_parameters(factory()), **result.to_dict()}
        run.complete(summary, {"dataset": ds.name, "model": model.name, "source": ",".join(config.source), "error_estimate": result.error_estimate,
                               "test_error": result.test_error, "status": result.status})
    if report:
        write_report(run.folder)
    return summary, run


def zoo_builtin(dataset: str, model: str, config: ZooConfig, *, store: RunStore, train_size: int = 4000, test_size: int | None = None,
                workers: int | None = 0, address: str | None = None, progress: bool = True, report: bool = True, init: str = "torch") -> tuple[dict, Run]:
    """Train the zoo of ``model`` (mlp or cnn, initialised by ``init``: ``torch`` or ``he``) over
    ``config.grid`` on the first ``train_size`` examples of ``dataset`` (the partner runs on the
    next ``train_size``), measure every run and rank the measures."""
    ZooModel(model, (1,), 2, init)  # a bad model or init fails before a run folder exists
    run_config = {"kind": "zoo", "dataset": dataset, "model": model, "init": init, "train_size": train_size, "test_size": test_size, "zoo": config.to_dict()}
    _zoo_data(run_config)  # bad sizes fail before a run folder exists
    return _zoo_in_run(store.start_run(f"zoo-{dataset}", run_config), workers, address, progress, report)


def resume_zoo(store: RunStore, run_id: str, *, workers: int | None = 0, address: str | None = None, progress: bool = True, report: bool = True) -> tuple[dict, Run]:
    """Finish an interrupted zoo: the runs already trained are kept, the rest trained."""
    return _zoo_in_run(store.resume_run(run_id), workers, address, progress, report)


def _zoo_data(rc: dict):
    ds = builtin_data(rc["dataset"], None, rc["test_size"])
    n = rc["train_size"]
    needed = 2 * n if ZooConfig.from_dict(rc["zoo"]).partner else n
    if not 2 <= needed <= len(ds.y_train):
        raise ValueError(f"train_size {n} needs {needed} training examples (the partner runs take the next {n}); {rc['dataset']} has {len(ds.y_train)}")
    return ds, [(ds.x_train[:n], ds.y_train[:n]), (ds.x_train[n : 2 * n], ds.y_train[n : 2 * n])]


def _zoo_in_run(run: Run, workers, address, progress: bool, report: bool) -> tuple[dict, Run]:
    rc = run.config
    config = ZooConfig.from_dict(rc["zoo"])
    with run:
        ds, slices = _zoo_data(rc)
        result = zoo(ZooModel(rc["model"], ds.input_shape, ds.num_classes, rc.get("init", "torch")), slices, (ds.x_test, ds.y_test), config, run=run, workers=workers,
                     address=address, progress=progress)
        summary = {"dataset": ds.name, "model": rc["model"], "init": rc.get("init", "torch"), "train_size": rc["train_size"], "n_test": len(ds.y_test), **result.to_dict(),
                   "ranking": rank_measures(result), "gde": gde_summary(result)}
        run.complete(summary, {"dataset": ds.name, "model": rc["model"], "configs": len(result.configs), "converged": result.n_converged})
    if report:
        write_report(run.folder)
    return summary, run


def rerank(folder, *, target: str = "gap", strata: str | None = "depth", samples: int = 200, converged_only: bool = True) -> dict:
    """Recompute a finished zoo run's ranking of the measures (another target, strata or bootstrap
    size) from its result.json; the ranking and the report are rewritten."""
    folder = Path(folder)
    summary = json.loads((folder / "result.json").read_text())
    result = ZooResult.from_dict({k: summary[k] for k in ("configs", "n_converged", "config", "wall_seconds")})
    summary["ranking"] = rank_measures(result, target=target, strata=strata, samples=samples, converged_only=converged_only)
    summary["ranking_target"] = target
    summary["ranking_converged_only"] = converged_only
    write_json(folder / "result.json", summary)
    write_report(folder)
    return summary


def weightwatch(folder, *, progress: bool = True) -> dict:
    """HT-SR metrics of every run's final weights in a zoo run folder, into its ``spectra.json``
    (for the report's ESD plots); returns what was written."""
    folder = Path(folder)
    rc = json.loads((folder / "config.json").read_text()) if (folder / "config.json").is_file() else {}
    if rc.get("kind") != "zoo":
        raise ValueError(f"{folder} is not a zoo run (its config.json kind is {rc.get('kind')!r}); weightwatch reads the weights a zoo stores. "
                         "For a model of your own, call genlab.estimate.spectral_metrics(model)")
    ds = builtin_data(rc["dataset"], 1, 1)
    start = time.time()
    runs = zoo_spectra(folder, ZooConfig.from_dict(rc["zoo"]), ZooModel(rc["model"], ds.input_shape, ds.num_classes, rc.get("init", "torch")), progress=progress)
    out = {"runs": runs, "wall_seconds": round(time.time() - start, 1)}
    write_json(folder / "spectra.json", out)
    if (folder / "result.json").is_file():
        write_report(folder)
    return out


def intrinsic_dim_builtin(dataset: str, model: ModelConfig, config: IntrinsicDimensionConfig, *, store: RunStore, train_size: int | None = None,
                          test_size: int | None = None, shuffle_pixels: bool = False, progress: bool = True, report: bool = True):
    """d_90 of ``model`` on ``dataset`` (its first ``train_size`` training and ``test_size`` test
    examples), into a run folder with its report. ``shuffle_pixels``: one fixed random permutation
    of the pixels (seeded by ``config.seed``) applied to every image, train and test (Li et al.'s
    shuffled-pixel control: an MLP does not care, a CNN loses its locality prior)."""
    import torch

    ds = builtin_data(dataset, train_size, test_size)
    x_train, x_test = ds.x_train, ds.x_test
    if shuffle_pixels:
        pixels = int(np.prod(ds.input_shape[1:]))
        order = torch.from_numpy(np.random.default_rng(config.seed).permutation(pixels))
        x_train, x_test = (x.flatten(2)[:, :, order].reshape(x.shape) for x in (x_train, x_test))
    name = f"intrinsic-dim-{dataset}" + ("-shuffled" if shuffle_pixels else "")
    run = store.start_run(name, {"kind": "intrinsic-dim", "dataset": dataset, "model": model.to_dict(), "train_size": train_size,
                                 "test_size": test_size, "shuffle_pixels": shuffle_pixels, "intrinsic": config.to_dict()})
    with run:
        result = intrinsic_dimension(BuiltinModel(model, ds.input_shape, ds.num_classes), (x_train, ds.y_train), (x_test, ds.y_test), config, run=run,
                                     progress=progress)
        run.complete({"dataset": ds.name, "model": model.to_dict(), "shuffle_pixels": shuffle_pixels, **result.to_dict()}, {"dataset": ds.name, "model": model.name, "d_paper": result.d_paper,
                                                                                          "d_own": result.d_own})
    if report:
        write_report(run.folder)
    return result, run
