"""A model zoo trained through the sweep engine (resumable, no run twice), and the generalization
measures ranked on it (Jiang et al., ICLR 2020, "Fantastic Generalization Measures"; NeurIPS 2020
PGDL)."""

from __future__ import annotations

import contextlib
import copy
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.estimate._config import MODEL_AXES, ZooConfig
from genlab.estimate._measures import MEASURES
from genlab.estimate._spectral import spectral_metrics
from genlab.estimate._rank import bootstrap, conditional_mutual_information, granulated_tau, kendall_tau
from genlab.sweep import describe_callable, fingerprint, run_sweep
from genlab.train import TrainConfig, predict, train

OPTIMIZATION_MEASURES = ("steps_to_ce_0.1", "steps_ce_0.1_to_0.01", "gradient_noise")
ALL_MEASURES = (*MEASURES, *OPTIMIZATION_MEASURES, "disagreement")


class ZooModel:
    """A picklable factory of the zoo's built-in models: ``ZooModel(name, shape, classes)(hparams)``
    builds ``genlab.models.build_model`` with the hyperparameters' width and depth (defaults
    otherwise), initialised by ``init`` (``ModelConfig.init``: ``torch`` or ``he``)."""

    def __init__(self, name: str, input_shape: tuple[int, ...], num_classes: int, init: str = "torch"):
        from genlab.models import ModelConfig

        ModelConfig(name, init=init)  # an unknown model or init fails here, not in a worker
        self.name, self.input_shape, self.num_classes, self.init = name, tuple(input_shape), num_classes, init

    def __repr__(self) -> str:  # the sweep's manifest: a zoo of the default init keeps the description it had before init existed
        extra = "" if self.init == "torch" else f", init={self.init!r}"
        return f"ZooModel({self.name!r}, input_shape={self.input_shape}, num_classes={self.num_classes}{extra})"

    def __call__(self, hparams: dict) -> nn.Module:
        from genlab.models import ModelConfig, build_model

        axes = {k: int(v) for k, v in hparams.items() if k in MODEL_AXES}
        return build_model(ModelConfig(self.name, **axes, init=self.init), self.input_shape, self.num_classes)


@dataclass
class ZooResult(Result):
    """A trained zoo (the fields of result.json).

    Attributes:
        configs: per configuration: ``hparams``; ``runs`` (per run: its seed and data slice, train
            and test accuracy, final training cross-entropy, epochs, steps, ``converged`` and
            ``measures``, empty for the partner, which serves the disagreement only);
            ``converged`` (all its runs); ``gap`` and ``test_error`` (means over the same-data
            seeds); ``dis_seeds`` / ``err_seeds`` (disagreement and mean test error of the
            first two seeds) and ``dis_alldiff`` / ``err_alldiff`` (first seed and the partner).
        n_converged: configurations whose every run reached the cross-entropy target.
        config: the zoo's configuration.
        wall_seconds: time the zoo took (this call; resumed work is not counted twice).
    """

    configs: list
    n_converged: int
    config: ZooConfig
    wall_seconds: float

    def table(self, measure: str, target: str = "gap", converged_only: bool = True) -> tuple[list[dict], np.ndarray, np.ndarray]:
        """(hyperparameters, measure, target) per configuration: the measure averaged over the
        same-data seeds (disagreement: the seeds' pair), the target ``gap`` or ``test_error``."""
        rows = [c for c in self.configs if c["converged"] or not converged_only]
        values = [c["dis_seeds"] if measure == "disagreement" else float(np.mean([np.nan if r["measures"].get(measure) is None else r["measures"][measure] for r in c["runs"] if r["data"] == 0]))
                  for c in rows]
        return [c["hparams"] for c in rows], np.array(values, dtype=np.float64), np.array([c[target] for c in rows], dtype=np.float64)


def _gradient_noise(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> float:
    """Trace of the covariance of minibatch gradients at the end of training: the mean over
    batches of ||g_b - g||^2, g the mean gradient (Fantastic's final gradient noise)."""
    params = [p for p in model.parameters() if p.requires_grad]
    grads = []
    for i in range(0, len(x) - batch_size + 1, batch_size):
        loss = nn.functional.cross_entropy(model(x[i : i + batch_size]), y[i : i + batch_size])
        grads.append(torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)]))
    if len(grads) < 2:
        return float("nan")
    g = torch.stack(grads)
    return float(((g - g.mean(0)) ** 2).sum(1).mean())


def _first_step(history: list[dict], threshold: float) -> float:
    return next((float(r["step"]) for r in history if r["loss"] <= threshold), float("nan"))


def zoo_tasks(config: ZooConfig) -> list[dict]:
    """The zoo's runs as sweep tasks: per configuration, ``seeds`` runs on the first training set
    (``data`` 0) and the partner on the second (``data`` 1)."""
    tasks = []
    for c, hp in enumerate(config.configurations()):
        base = config.seed * 1_000_003 + 1000 * c
        tasks += [{"hparams": hp, "seed": base + r, "data": 0} for r in range(config.seeds)]
        if config.partner:
            tasks.append({"hparams": hp, "seed": base + config.seeds, "data": 1})
    return tasks


def _longest_first(tasks: list[dict]) -> list[int]:
    """The tasks' indices, the likely longest first (width^2 x depth / learning rate, each axis 1
    where the grid lacks it: a larger model at a smaller step takes longer to reach the
    cross-entropy target), so that parallel workers finish together instead of waiting on one big
    run at the end."""
    hp = [t["hparams"] for t in tasks]
    cost = [float(h.get("width", 1)) ** 2 * float(h.get("depth", 1)) / float(h.get("lr", 1)) for h in hp]
    return sorted(range(len(tasks)), key=lambda i: -cost[i])


def zoo_spectra(folder, config: ZooConfig, model_fn: Callable[[dict], nn.Module], *, progress: bool = True) -> list[dict]:
    """HT-SR metrics (genlab.estimate.spectral_metrics) of every finished run's final weights in a
    zoo's folder, per layer, with the eigenvalues of the first run of each configuration."""
    from genlab.sweep import load_results
    from genlab.train import progress_bar

    tasks = zoo_tasks(config)
    out = []
    seen = set()
    with progress_bar("spectra", enabled=progress) as bar:
        job = bar.add_task("spectra", total=len(tasks))
        for task, stored in zip(tasks, load_results(folder, tasks)):
            bar.advance(job)
            if stored is None:
                continue
            model = model_fn(task["hparams"])
            model.load_state_dict({k[len("final/"):]: v for k, v in stored.items() if k.startswith("final/")})
            key = tuple(sorted(task["hparams"].items()))
            out.append({"hparams": task["hparams"], "seed": task["seed"], "layers": spectral_metrics(model, eigenvalues=key not in seen)})
            seen.add(key)
    return out


def train_member(task: dict, shared: dict) -> dict[str, torch.Tensor]:
    """Sweep task: train one run of one configuration to the cross-entropy target; its weights
    (initial and final), predictions on the test inputs, statistics and measures."""
    zoo = ZooConfig.from_dict(shared["zoo"])
    hp = task["hparams"]
    x, y = shared["slices"][task["data"]]
    torch.manual_seed(task["seed"])
    model = shared["model_fn"](hp)
    init = copy.deepcopy(model)
    config = TrainConfig(epochs=zoo.max_epochs, lr=hp.get("lr", zoo.lr), weight_decay=hp.get("weight_decay", zoo.weight_decay),
                         batch_size=int(hp.get("batch_size", zoo.batch_size)), optimizer=zoo.optimizer, schedule="constant", seed=task["seed"])
    history = train(model, x, y, config, device=zoo.device, progress=False, stop=lambda r: r["loss"] <= zoo.stop_ce)
    model.cpu().eval()
    with torch.no_grad():
        train_ce = float(nn.functional.cross_entropy(torch.cat([model(x[i : i + 4096]) for i in range(0, len(x), 4096)]), y))
    measures = {}
    if task["data"] == 0:  # the partner (data 1) serves the disagreement only: the measures are ranked on the data-0 runs
        xm, ym = x[: zoo.measure_examples], y[: zoo.measure_examples]
        searched = ("pac_bayes", "sharpness")  # the measures with a perturbation search use the first measure_examples
        measures = {name: f(model, init, *((xm, ym) if name.startswith(searched) else (x, y))) for name, f in MEASURES.items()}
        s01 = _first_step(history, 0.1)
        measures |= {"steps_to_ce_0.1": s01, "steps_ce_0.1_to_0.01": _first_step(history, 0.01) - s01,
                     "gradient_noise": _gradient_noise(model, x, y, config.batch_size)}
    names = sorted(measures)
    out = {f"init/{k}": v for k, v in init.state_dict().items()} | {f"final/{k}": v for k, v in model.state_dict().items()}
    out |= {"test_predictions": predict(model, shared["x_test"]).to(torch.int16),
            "stats": torch.tensor([(predict(model, x) == y).float().mean(), train_ce, history[-1]["epoch"], history[-1]["step"]], dtype=torch.float64),
            "measures": torch.tensor([measures[k] for k in names], dtype=torch.float64),
            "measure_names": torch.tensor(list(",".join(names).encode()), dtype=torch.uint8)}  # the stored values' names: measures added later never misalign
    return out


def zoo(
    model_fn: Callable[[dict], nn.Module],
    train_data: Sequence[tuple[torch.Tensor, torch.Tensor]],
    test_data: tuple[torch.Tensor, torch.Tensor],
    config: ZooConfig | None = None,
    *,
    run=None,
    workers: int | None = 0,
    address: str | None = None,
    progress: bool = True,
) -> ZooResult:
    """Train every configuration of ``config.grid`` (``config.seeds`` runs on ``train_data[0]``,
    and with ``config.partner`` one on ``train_data[1]``) to the cross-entropy target, and measure
    each run.

    Args:
        model_fn: ``model_fn(hparams)`` returns a freshly initialised model for a configuration's
            hyperparameters (called after seeding); picklable for Ray (``ZooModel``).
        train_data: one (x, y) training set, or two disjoint ones of the same size (the second for
            the partner runs).
        test_data: (x, y) test examples: the gap and the disagreement are measured on them.
        config: :class:`ZooConfig`.
        run: a store Run: each run's weights, predictions and measures go to its ``tasks/`` folder
            as they finish, so a killed zoo restarted with the same run trains only what is missing.
        workers, address: the sweep engine's (0: one by one here).
        progress: show a progress bar.
    """
    config = config or ZooConfig()
    start = time.time()
    slices = [tuple(torch.as_tensor(v) for v in pair) for pair in train_data]
    if config.partner and len(slices) < 2:
        raise ValueError("config.partner needs two disjoint training sets: train_data=[(x, y), (x2, y2)]")
    for xs, ys in slices:
        if len(xs) != len(ys) or len(ys) < 2:
            raise ValueError(f"each training set must be (x, y) with equal lengths >= 2, got {len(xs)} and {len(ys)}")
    x_test, y_test = (torch.as_tensor(v) for v in test_data)
    configs, tasks = config.configurations(), zoo_tasks(config)
    shared = {"slices": [(xs.float(), ys.long()) for xs, ys in slices], "x_test": x_test.float(), "model_fn": model_fn,
              "zoo": config.to_dict()}
    manifest = {"study": "zoo", "model": describe_callable(model_fn), "data": fingerprint(*(t for pair in slices for t in pair), x_test),
                "zoo": {k: v for k, v in config.to_dict().items() if k not in ("grid", "device")}}
    with contextlib.ExitStack() as stack:
        folder = run.folder if run is not None else stack.enter_context(tempfile.TemporaryDirectory(prefix="genlab-zoo-"))
        order = _longest_first(tasks)
        done = run_sweep(train_member, [tasks[i] for i in order], folder, shared=shared, workers=workers, address=address, progress=progress, description="zoo runs",
                         manifest=manifest)
        results = [r for _, r in sorted(zip(order, done), key=lambda pair: pair[0])]
    y_np = y_test.long().numpy()
    out = []
    for c, hp in enumerate(configs):
        mine = [(t, r) for t, r in zip(tasks, results) if t["hparams"] == hp]
        runs = []
        for t, r in mine:
            acc, ce, epochs, steps = r["stats"].tolist()
            names = [n for n in bytes(r["measure_names"].tolist()).decode().split(",") if n] if "measure_names" in r else sorted(ALL_MEASURES[:-1])
            if len(names) != len(r["measures"]):
                raise RuntimeError(f"run {t} was stored by a genlab with other measures and without their names; delete its file in tasks/ to retrain it")
            test_acc = float((r["test_predictions"].long().numpy() == y_np).mean())
            runs.append({"seed": t["seed"], "data": t["data"], "train_acc": acc, "test_acc": test_acc, "train_ce": ce, "epochs": epochs, "steps": int(steps),
                         "converged": bool(epochs < config.max_epochs or ce <= config.stop_ce),
                         "measures": {k: v if np.isfinite(v) else None for k, v in zip(names, r["measures"].tolist())}})  # None: undefined (e.g. never reached CE 0.1)
        preds = [r["test_predictions"].long().numpy() for t, r in mine]
        same = [k for k, (t, _) in enumerate(mine) if t["data"] == 0]
        entry = {"hparams": hp, "runs": runs, "converged": all(r["converged"] for r in runs),
                 "gap": float(np.mean([runs[k]["train_acc"] - runs[k]["test_acc"] for k in same])),
                 "test_error": float(np.mean([1 - runs[k]["test_acc"] for k in same]))}
        if len(same) >= 2:
            entry["dis_seeds"] = float((preds[same[0]] != preds[same[1]]).mean())
            entry["err_seeds"] = float(np.mean([1 - runs[k]["test_acc"] for k in same[:2]]))
        if config.partner:
            p = next(k for k, (t, _) in enumerate(mine) if t["data"] == 1)
            entry["dis_alldiff"] = float((preds[same[0]] != preds[p]).mean())
            entry["err_alldiff"] = float((2 - runs[same[0]]["test_acc"] - runs[p]["test_acc"]) / 2)
        out.append(entry)
    return ZooResult(configs=out, n_converged=sum(c["converged"] for c in out), config=config, wall_seconds=round(time.time() - start, 1))


def rank_measures(result: ZooResult, *, target: str = "gap", measures: Sequence[str] | None = None, samples: int = 200, strata: str | None = "depth",
                  converged_only: bool = True) -> list[dict]:
    """Each measure's Kendall tau (with a bootstrap interval over configurations), granulated Psi
    with its per-axis taus, and PGDL's conditional mutual information (x 100, with its interval),
    over the converged configurations (``converged_only``, Fantastic's protocol; else over all of
    them); with ``strata``, tau within each value of that axis too (Martin & Mahoney 2021 found
    norm and alpha metrics disagreeing across depths)."""
    rows = []
    for name in measures or ALL_MEASURES:
        if name == "disagreement" and result.config.seeds < 2:
            continue
        hp, m, t = result.table(name, target, converged_only)
        keep = np.isfinite(m)
        hp, m, t = [h for h, k in zip(hp, keep) if k], m[keep], t[keep]
        if len(m) < 3:
            continue
        g = granulated_tau(hp, m, t)
        row = {"measure": name, "n": len(m), "tau": kendall_tau(m, t), "tau_ci": list(bootstrap(lambda h, a, b: kendall_tau(a, b), hp, m, t, samples=samples)),
               "psi": g["psi"], "per_axis": g["per_axis"]}
        if len(hp[0]) >= 2:
            row["cmi"] = 100 * conditional_mutual_information(hp, m, t)
            row["cmi_ci"] = [100 * v for v in bootstrap(conditional_mutual_information, hp, m, t, samples=max(20, samples // 10))]
        if strata and strata in hp[0]:
            row["tau_by_" + strata] = {str(v): kendall_tau(m[s], t[s]) for v in result.config.grid[strata] if (s := np.array([h[strata] == v for h in hp])).sum() >= 2}
        rows.append(row)
    return rows


def gde_summary(result: ZooResult, converged_only: bool = True) -> dict:
    """How well disagreement tracks test error over the converged configurations, per pairing
    (``seeds``: two runs on the same examples; ``alldiff``: the first seed and the partner): the
    mean |dis - err|, Kendall tau between dis and err, and the mean ratio dis / err."""
    out = {}
    rows = [c for c in result.configs if c["converged"] or not converged_only]
    for name in ("seeds", "alldiff"):
        pairs = [(c[f"dis_{name}"], c[f"err_{name}"]) for c in rows if f"dis_{name}" in c]
        if len(pairs) < 2:
            continue
        dis, err = np.array(pairs).T
        out[name] = {"n": len(pairs), "mean_abs_gap": float(np.mean(np.abs(dis - err))), "tau": kendall_tau(dis, err),
                     "mean_ratio": float(np.mean(dis / np.maximum(err, 1e-12))), "min_ratio": float(np.min(dis / np.maximum(err, 1e-12)))}
    return out
