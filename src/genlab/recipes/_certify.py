"""The built-in classifier certificate: a registry dataset and a built-in model, certified inside
the run store (start, resume, complete, report)."""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn

from genlab.certify import CertifyConfig, CertifyResult, certify_classifier
from genlab.data import load_dataset
from genlab.models import ModelConfig, build_model
from genlab.report import write_certificate_report
from genlab.store import Run, RunStore
from genlab.train import TrainConfig


def recipe(dataset: str, prior: str = "data-independent") -> tuple[ModelConfig, CertifyConfig]:
    """The tuned default model and certify configuration for a built-in dataset and prior.

    These choices were fixed by the developers before a certificate is computed with them; the
    CLI's flags override any field. The trials behind them: docs/decisions.md.
    """
    inq = (0.3, 0.6, 0.8, 0.9, 0.95, 1.0)
    model = ModelConfig("cnn", width=16, depth=2)
    config = CertifyConfig(
        prior=prior,
        subspace_dims=(1500,) if dataset == "mnist" else (1000,),
        levels=(4, 5) if dataset == "mnist" else (5,),  # one grid point keeps `make demo` short
        quantization_stages=inq,
        projector="fastfood",  # nearly orthogonal columns, like a dense Gaussian P: a lower bound than Kronecker
        train=TrainConfig(epochs=12, lr=0.08, batch_size=256),
        qat=TrainConfig(epochs=8, lr=0.01, batch_size=256),
    )
    if dataset == "fashion-mnist" and prior == "data-independent":
        # Entropy-constrained levels (a shorter code for the same fit), twice the subspace epochs (a better continuous fit), and the
        # best of 4 QAT restarts for 2 bits (QAT's spread over batch orders is larger than the other gains): docs/decisions.md.
        config = replace(config, rate_weight=0.1, train=replace(config.train, epochs=24), qat_restarts=4)
    if prior == "data-dependent":
        model = ModelConfig("cnn", width=32, depth=2)
        config = replace(config, subspace_dims=(20, 100), levels=(3,), train=TrainConfig(epochs=2, lr=0.03, batch_size=256),
                         qat=TrainConfig(epochs=2, lr=0.01, batch_size=256), prior_train=TrainConfig(epochs=8, lr=2e-3, batch_size=128))
    if dataset in ("mnist1d", "digits"):  # a few thousand examples: more passes, smaller subspaces
        small = dict(train=replace(config.train, epochs=60, batch_size=128), qat=replace(config.qat, epochs=30, batch_size=128),
                     prior_train=replace(config.prior_train, epochs=60))
        config = replace(config, subspace_dims=(100, 300) if prior == "data-independent" else (10, 50), **small)
    return model, config


def builtin_data(dataset: str, train_size: int | None, test_size: int | None):
    ds = load_dataset(dataset)
    for name, size, full in (("train_size", train_size, len(ds.y_train)), ("test_size", test_size, len(ds.y_test))):
        if size is not None and not 1 <= size <= full:
            raise ValueError(f"{name} must be between 1 and {full} for {dataset}, got {size}")
    return ds.subset(train_size, test_size)


def initial_model(model: ModelConfig, ds, seed: int) -> nn.Module:
    """theta_0 of a data-independent prior: the architecture's initialisation under ``seed``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_model(model, ds.input_shape, ds.num_classes)


def certify_builtin(
    dataset: str,
    model: ModelConfig,
    config: CertifyConfig,
    *,
    store: RunStore,
    train_size: int | None = None,
    test_size: int | None = None,
    progress: bool = True,
    report: bool = True,
) -> tuple[CertifyResult, Run]:
    """Certify a built-in model on a built-in dataset; the run folder holds everything verify needs."""
    run_config = {"kind": "certify", "dataset": dataset, "train_size": train_size, "test_size": test_size, "model": model.to_dict(), "certify": config.to_dict()}
    ds = builtin_data(dataset, train_size, test_size)
    return _certify_in_run(ds, run_config, store.start_run(f"certify-{dataset}", run_config), progress, report)


def resume_certify(store: RunStore, run_id: str, *, progress: bool = True, report: bool = True) -> tuple[CertifyResult, Run]:
    """Finish an interrupted or failed certify run from its folder: finished grid points (and a
    trained data-dependent theta_0) are kept, the rest is computed."""
    run = store.resume_run(run_id)
    run_config = run.config
    ds = builtin_data(run_config["dataset"], run_config.get("train_size"), run_config.get("test_size"))
    return _certify_in_run(ds, run_config, run, progress, report)


def _certify_in_run(ds, run_config: dict, run: Run, progress: bool, report: bool) -> tuple[CertifyResult, Run]:
    model = ModelConfig(**run_config["model"])
    config = CertifyConfig.from_dict(run_config["certify"])
    with run:
        base = initial_model(model, ds, config.seed)
        result = certify_classifier(base, (ds.x_train, ds.y_train), (ds.x_test, ds.y_test), config, dataset_name=ds.name, model_name=model.name, run=run, progress=progress)
        summary = {"dataset": ds.name, "model": model.name, "prior": config.prior, "error_bound": result.error_bound, "test_error": result.test_error, "bits": result.bits_total}
        run.complete(result.to_dict(), summary)
    if report:
        write_certificate_report(run.folder)
    return result, run
