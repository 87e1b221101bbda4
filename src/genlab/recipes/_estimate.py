"""Label-free estimates of a built-in model on a built-in dataset, into a store run."""

from __future__ import annotations

from genlab.estimate import DisagreementConfig, disagreement
from genlab.models import BuiltinModel, ModelConfig, count_parameters
from genlab.recipes._certify import builtin_data
from genlab.report import write_report
from genlab.store import Run, RunStore


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
