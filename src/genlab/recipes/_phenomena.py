"""Phenomena other than grokking, on built-in data, into a store run."""

from __future__ import annotations

from genlab.phenomena.distillation import DistillationConfig, run as distillation
from genlab.phenomena.double_descent import DoubleDescentConfig, run as double_descent
from genlab.phenomena.fact_recall import FactRecallConfig, run as fact_recall
from genlab.phenomena.features import FeaturesConfig, run as features
from genlab.phenomena.next_token import PathStarConfig, run as path_star
from genlab.phenomena.pause_tokens import PauseConfig, run as pause_tokens
from genlab.phenomena.rule_extrapolation import RuleExtrapolationConfig, run as rule_extrapolation
from genlab.phenomena.uniform_convergence import UniformConvergenceConfig, run as uniform_convergence
from genlab.report import write_report
from genlab.store import Run, RunStore


def double_descent_builtin(config: DoubleDescentConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """Sweep ``config.widths`` on the built-in ``config.dataset``; result.json and the report land
    in a run folder."""
    return _study(f"double-descent-{config.dataset}", "double-descent", config, double_descent,
                  lambda r: {"dataset": config.dataset, "model": config.model, "peak_ratio": r.peak_ratio}, store=store, progress=progress, report=report,
                  datasets=(config.dataset,))


def features_builtin(config: FeaturesConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """SAM against SGD on Dominoes, probed; result.json and the report land in a run folder."""
    return _study("sam-features-dominoes", "sam-features", config, features,
                  lambda r: {"dataset": "dominoes", "rhos": list(config.rhos), "seeds": config.seeds}, store=store, progress=progress, report=report,
                  datasets=("mnist", "fashion-mnist"))


def _study(name: str, kind: str, config, study, summary, *, store: RunStore, progress: bool, report: bool, datasets: tuple[str, ...] = ()):
    """Run ``study(config, run=, progress=)`` in a new run folder of ``kind`` (the config under
    ``kind``'s key in config.json), complete it with ``summary(result)``, then write its report.
    The built-in ``datasets`` it reads are loaded first, so a missing one fails before a run folder exists."""
    from genlab.data import load_dataset

    for dataset in datasets:
        load_dataset(dataset)
    run: Run = store.start_run(name, {"kind": kind, kind.replace("-", "_"): config.to_dict()})
    with run:
        result = study(config, run=run, progress=progress)
        run.complete(result.to_dict(), summary(result))
    if report:
        write_report(run.folder)
    return result, run


def path_star_builtin(config: PathStarConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """One GPT per objective on path-star graphs; result.json and the explorable land in a run folder."""
    return _study(f"path-star-d{config.degree}-l{config.length}", "path-star", config, path_star,
                  lambda r: {"degree": config.degree, "length": config.length, **{f"full_path/{o}": v["final"]["full_path"] for o, v in r.objectives.items()}},
                  store=store, progress=progress, report=report)


def rule_extrapolation_builtin(config: RuleExtrapolationConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """Every model and seed on ``config.language``; result.json and the report land in a run folder."""
    return _study(f"rule-extrapolation-{config.language}", "rule-extrapolation", config, rule_extrapolation,
                  lambda r: {"language": config.language, **{f"ood_r1/{m}": s["ood_r1_mean"] for m, s in r.summary.items()}},
                  store=store, progress=progress, report=report)


def uniform_convergence_builtin(config: UniformConvergenceConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """The hypersphere study for every ``config.sizes``; result.json and the report land in a run folder."""
    return _study(f"uniform-convergence-d{config.dim}", "uniform-convergence", config, uniform_convergence,
                  lambda r: {"dim": config.dim, **{f"test_error/{row['m']}": row["test_error"] for row in r.rows}, **{f"s_prime_error/{row['m']}": row["s_prime_error"] for row in r.rows}},
                  store=store, progress=progress, report=report)


def pause_tokens_builtin(config: PauseConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """The 2 x 2 pause-token design; result.json and the report land in a run folder."""
    return _study(f"pause-tokens-n{config.digits}", "pause-tokens", config, pause_tokens,
                  lambda r: {"digits": config.digits, **{f"accuracy/{a}": s["mean"] for a, s in r.summary.items()}},
                  store=store, progress=progress, report=report)


def distillation_builtin(config: DistillationConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """Teacher and students on the built-in ``config.dataset``; result.json and the report land in a run folder."""
    return _study(f"distill-deviations-{config.dataset}", "distill-deviations", config, distillation,
                  lambda r: {"dataset": config.dataset, **{f"test_accuracy/{k}": v["test_accuracy_mean"] for k, v in r.summary.items()},
                             "slope/distilled": r.summary["distilled"]["slope_mean"]},
                  store=store, progress=progress, report=report, datasets=(config.dataset,))


def fact_recall_builtin(config: FactRecallConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """The pretrained model pruned and the small GPTs trained; result.json and the report land in a run folder."""
    if config.pretrained:
        from genlab.data import load_corpus
        from genlab.models import load_pretrained

        load_pretrained(config.pretrained), load_corpus("english")  # missing files fail before a run folder exists
    return _study("fact-recall", "fact-recall", config, fact_recall,
                  lambda r: {k: (None if v is None else v["sparsity"]) for k, v in r.contrast.items()},
                  store=store, progress=progress, report=report)
