"""The ``genlab`` command (Typer + Rich). It only parses flags, calls a study, and renders results."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from genlab.cli._options import config_options, parse_tuple
from genlab.certify import CertifyConfig, LMCertifyConfig
from genlab.estimate import DisagreementConfig, IntrinsicDimensionConfig, ZooConfig
from genlab.memorization import MemorizationConfig, ResMemConfig
from genlab.phenomena.distillation import DistillationConfig
from genlab.phenomena.double_descent import DoubleDescentConfig
from genlab.phenomena.fact_recall import FactRecallConfig
from genlab.phenomena.features import FeaturesConfig
from genlab.phenomena.next_token import PathStarConfig
from genlab.phenomena.pause_tokens import PauseConfig
from genlab.phenomena.rule_extrapolation import RuleExtrapolationConfig
from genlab.phenomena.uniform_convergence import UniformConvergenceConfig
from genlab.phenomena.grokking import GrokConfig

app = typer.Typer(add_completion=False, no_args_is_help=True, help="genlab: does your model memorize or generalize? Certify it.")
console = Console(width=None if sys.stdout.isatty() else 160)  # piped output: do not wrap tables at 80


def _ints(text: str, flag: str) -> tuple[int, ...]:
    return parse_tuple(text, int, flag, "500,1000")


def _floats(text: str, flag: str) -> tuple[float, ...]:
    return parse_tuple(text, float, flag)


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _run_study(study, out: Path, interrupted: str, errors: tuple = (ValueError,)):
    """Call ``study()``; bad input and known failures become a clear error, Ctrl-C exit code 130."""
    from genlab.data import DatasetNotFoundError

    try:
        return study()
    except (DatasetNotFoundError, FileNotFoundError, ImportError) as e:
        _fail(str(e))
    except errors as e:
        _fail(f"{e} (`genlab runs --out {out}` shows the run store)")
    except KeyboardInterrupt:
        console.print(f"[bold yellow]interrupted:[/] {interrupted}")
        raise typer.Exit(130)


def _study_config(cls, fields: dict, *, key: str = "train", **training):
    """``cls(**fields)`` with the given (not None) ``training`` settings replacing those of its
    default TrainConfig field ``key``; a bad value becomes a clear error."""
    from dataclasses import replace

    try:
        return cls(**{**fields, key: replace(getattr(cls(), key), **{k: v for k, v in training.items() if v is not None})})
    except ValueError as e:
        _fail(str(e))


@app.command()
@config_options(CertifyConfig, unset=True, exclude=("subspace_dims",))
def certify(
    dataset: str = typer.Option("fashion-mnist", help="built-in dataset: mnist, fashion-mnist, mnist1d, digits"),
    prior: str = typer.Option("data-independent", help="data-independent or data-dependent"),
    model: Optional[str] = typer.Option(None, help="mlp or cnn [default: the dataset's recipe]"),
    width: Optional[int] = typer.Option(None, help="hidden units (mlp) or first conv channels (cnn)"),
    depth: Optional[int] = typer.Option(None, help="hidden layers (mlp) or conv blocks (cnn)"),
    dims: Optional[str] = typer.Option(None, help="grid of subspace dimensions d, comma-separated"),
    epochs: Optional[float] = typer.Option(None, help="subspace training epochs"),
    lr: Optional[float] = typer.Option(None, help="subspace training learning rate (Adam)"),
    qat_epochs: Optional[float] = typer.Option(None, help="quantization-aware training epochs"),
    prior_epochs: Optional[float] = typer.Option(None, help="theta_0 training epochs (data-dependent prior)"),
    seed: int = typer.Option(0, help="seeds theta_0, the projection, the data split and the training runs"),
    train_size: Optional[int] = typer.Option(None, help="use only the first N training examples"),
    test_size: Optional[int] = typer.Option(None, help="use only the first N test examples"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bars"),
    resume: Optional[str] = typer.Option(None, help="finish an interrupted/failed run RUN_ID in --out with its own config (other flags ignored)"),
    fields: dict | None = None,
) -> None:
    """Train, compress and certify a classifier: an upper bound on its test error from training data alone.

    Unset options take the tuned recipe for the dataset and prior (genlab.recipes.recipe).
    """
    from dataclasses import replace

    from genlab.recipes import certify_builtin, recipe, resume_certify
    from genlab.models import ModelConfig
    from genlab.store import RunStore
    from genlab.train import TrainingDivergedError

    def given(value, default):
        return default if value is None else value

    try:
        base_model, base = recipe(dataset, prior)
        model_config = ModelConfig(given(model, base_model.name), given(width, base_model.width), given(depth, base_model.depth), base_model.norm)
        config = replace(
            base,
            **fields,
            subspace_dims=_ints(dims, "--dims") if dims else base.subspace_dims,
            train=replace(base.train, epochs=given(epochs, base.train.epochs), lr=given(lr, base.train.lr), seed=seed),
            qat=replace(base.qat, epochs=given(qat_epochs, base.qat.epochs), seed=seed + 1),
            prior_train=replace(base.prior_train, epochs=given(prior_epochs, base.prior_train.epochs), seed=seed + 2),
            seed=seed,
        )
        if config.device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise ValueError(f"device {config.device!r} requested but CUDA is not available here; use --device cpu")
    except (ValueError, typer.BadParameter) as e:
        _fail(str(e))
    store = RunStore(out)
    result, run = _run_study(
        lambda: resume_certify(store, resume, progress=not quiet) if resume
        else certify_builtin(dataset, model_config, config, store=store, train_size=train_size, test_size=test_size, progress=not quiet),
        out, f"the run is marked failed in {out}; finished grid points are kept: `genlab certify --resume <run id> --out {out}` completes it",
        (ValueError, TrainingDivergedError))
    console.print(f"[bold green]certificate[/] {escape(str(result))}")
    if result.grid_size > 1:
        small = result.baselines["smallest_grid_point"]
        console.print(f"  smallest grid point (d={small['subspace_dim']}, L={small['levels']}): error bound {small['error_bound']:.4f} ({small['bits_total']} bits)")
    console.print(f"  random guessing: error {result.baselines['random_guess_error']:.4f}")
    alone = result.baselines.get("prior_only")
    if alone is not None:
        beats = result.error_bound < alone["error_bound"]
        console.print(f"  theta_0 alone (zero extra bits): error bound {alone['error_bound']:.4f}, test error {alone['test_error']:.4f}"
                      + ("" if beats else " [bold yellow]-- the certificate does NOT beat it[/]"))
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'}; check it: genlab verify {run.folder})")


@app.command("certify-lm")
@config_options(LMCertifyConfig, unset=True, exclude=("subspace_dim", "lora_rank"))
def certify_lm(
    corpus: str = typer.Option("english", help="built-in corpus: english (Bible, Debian documentation, fortunes) or bible"),
    tokenizer: str = typer.Option("bytes", help="bytes, or bpe (trained on the training documents; its merges are paid in bits)"),
    vocab: Optional[int] = typer.Option(None, help="BPE vocabulary size (e.g. 4096)"),
    model: Optional[str] = typer.Option(None, help="gpt-pico, gpt-nano, gpt-micro, gpt-tiny or gpt-small (GPT-2 architecture) [default: the recipe's]"),
    bound: str = typer.Option("document", help="which bound the recipe targets: document or token-level (all bounds are reported)"),
    dim: Optional[int] = typer.Option(None, help="subspace dimension d (sublora, subspace) [default: the recipe's]"),
    rank: Optional[int] = typer.Option(None, help="LoRA rank [default: the recipe's]"),
    epochs: Optional[float] = typer.Option(None, help="passes over the training tokens (fractions allowed) [default: the recipe's]"),
    lr: Optional[float] = typer.Option(None, help="learning rate (Adam) [default: the recipe's]"),
    seed: int = typer.Option(0, help="seeds the initialisation, the projection and training (the subsample comes from fresh randomness, recorded)"),
    max_documents: Optional[int] = typer.Option(None, help="use only the first N training documents (quick trials; the bound gets looser)"),
    pretrained: Optional[str] = typer.Option(None, help="fine-tune a pretrained model instead, its weights the prior: byte-gpt-nano-manuals (genlab's byte GPT, pretrained on Debian manuals outside the corpus; the baselines get that text too) or smollm2-135m (valid only if the corpus was not in its pretraining data)"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bars"),
    fields: dict | None = None,
) -> None:
    """Train, compress and certify a GPT on an offline English corpus: bounds on its bits per token
    and top-k error on unseen documents, beside coded unigram and n-gram baselines under the same
    statements; `genlab verify` re-derives it. Unset options take the recipe's (genlab.recipes.lm_recipe)."""
    from dataclasses import replace

    from genlab.recipes import certify_lm_builtin, lm_recipe
    from genlab.store import RunStore
    from genlab.train import TrainingDivergedError

    try:
        size, base = lm_recipe(bound, pretrained)
        model = model or size
        if fields.get("document_bound") == "bernstein" and "m_documents" not in fields:
            fields["m_documents"] = None  # the empirical Bernstein form scores every document
        config = replace(
            base,
            **fields,
            subspace_dim=dim or base.subspace_dim,
            lora_rank=rank or base.lora_rank,
            seed=seed,
            train=replace(base.train, epochs=epochs if epochs is not None else base.train.epochs, lr=lr or base.train.lr, seed=seed),
            qat=replace(base.qat, seed=seed + 1),
        )
    except ValueError as e:
        _fail(str(e))
    store = RunStore(out)
    result, run = _run_study(
        lambda: certify_lm_builtin(corpus, model, config, store=store, tokenizer=tokenizer, vocab=vocab, max_documents=max_documents, pretrained=pretrained, progress=not quiet),
        out, f"the run is marked failed in {out}", (ValueError, TrainingDivergedError))
    if result.prior:
        console.print(f"prior = theta_0 trained on {result.prior['documents']:,} of the training documents (data-dependent; the bounds use the other {result.n_documents:,}); "
                      "the baselines include theta_0 alone and an n-gram of the same documents")
    if result.prior_text and not result.prior:
        console.print(f"prior = {pretrained}, pretrained on {result.prior_text['documents']:,} other documents (none of them in {corpus}); the baselines include an n-gram of the same text")
        model = pretrained
    elif pretrained:
        console.print(f"[bold yellow]prior = the pretrained {pretrained}:[/] these bounds hold only if the {corpus} documents were not in its pretraining data")
        model = pretrained
    table = Table(title=f"{model} {result.method} on {corpus} ({result.tokenizer} tokens), {result.bits_total} bits, delta={result.delta} for all rows together")
    for col in ("statement", "bound", "empirical (train sample)", "m / n", "alpha", "best baseline bound", "margin"):
        table.add_column(col)
    for key, b in result.bounds.items():
        best = result.baseline["bounds"][key]
        table.add_row(key, f"{b['bound']:.3f}", f"{b['empirical']:.3f}", f"{b['m']:,} / {b['n']:,}", str(b.get("alpha", "")),
                      f"{best['bound']:.3f} ({best['name']})", f"[{'green' if best['margin'] > 0 else 'bold red'}]{best['margin']:+.3f}[/]")
    console.print(table)
    if result.test:
        console.print(f"  decoded model on {result.test['m']} test documents: {result.test['bits_per_token']:.3f} bits per token, "
                      f"{result.test['bits_per_byte']:.3f} bits per byte, top-1 error {result.test['top1_error']:.3f}")
    for level in ("document", "token"):
        if result.bounds[f"{level}/loss"]["bound"] >= result.baseline["bounds"][f"{level}/loss"]["bound"]:
            console.print(f"  [bold yellow]the {level}-level loss bound does NOT beat the best coded baseline ({result.baseline['bounds'][f'{level}/loss']['name']})[/]")
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'}; check it: genlab verify {run.folder})")


@app.command("pretrain-lm")
def pretrain_lm(
    name: str = typer.Argument("byte-gpt-nano-manuals", help="which of genlab's byte GPTs (genlab.models.BYTE_GPTS)"),
    out: Optional[Path] = typer.Option(None, help="write the weights here instead of the file load_pretrained reads"),
    quiet: bool = typer.Option(False, help="no progress bars"),
) -> None:
    """Pretrain one of genlab's byte GPTs by its fixed recipe (its corpus, training settings and
    seed): the public prior of `genlab certify-lm --pretrained NAME`. About a quarter of an hour
    on 2 CPU cores; the weights are written atomically as safetensors."""
    from genlab.recipes import pretrain_byte_gpt

    try:
        summary = pretrain_byte_gpt(name, out=out, progress=not quiet)
    except ValueError as e:
        _fail(str(e))
    console.print(f"{name}: weights in {summary['weights']} (parameters sha256 {summary['sha256'][:16]}...), {summary['train_documents']:,} training documents")
    for corpus, bits in summary["test_bits_per_byte_doc_mean"].items():
        console.print(f"  test documents of {corpus}: {bits:.3f} bits per byte (mean over documents)")


@app.command()
@config_options(MemorizationConfig, exclude=("distill_temperature",))
def memorize(
    dataset: str = typer.Option("fashion-mnist", help="built-in dataset: mnist, fashion-mnist, mnist1d, digits"),
    model: str = typer.Option("mlp", help="mlp or cnn"),
    width: int = typer.Option(512, help="hidden units (mlp) or first conv channels (cnn)"),
    depth: int = typer.Option(2, help="hidden layers (mlp) or conv blocks (cnn)"),
    epochs: Optional[float] = typer.Option(None, help="training epochs per model [default: 40]"),
    lr: Optional[float] = typer.Option(None, help="Adam learning rate per model [default: 0.002]"),
    batch_size: Optional[int] = typer.Option(None, help="batch size per model [default: 512]"),
    train_size: int = typer.Option(10_000, help="use the first N training examples"),
    test_size: Optional[int] = typer.Option(None, help="use the first N test examples"),
    canaries: int = typer.Option(100, help="mislabeled training examples to plant (they should score highest)"),
    distill: Optional[float] = typer.Option(None, help="train the K models as students on the soft labels (temperature T) of a teacher fitted to all the data"),
    sizes: Optional[str] = typer.Option(None, help="model widths to compare, e.g. 64,256,1024: trajectories of each example's score across sizes"),
    workers: Optional[int] = typer.Option(None, help="parallel models on this machine [default: all cores; 0: one by one without Ray]"),
    address: Optional[str] = typer.Option(None, help="join a Ray cluster, e.g. ray://head:10001"),
    seed: int = typer.Option(0, help="seeds the subsets, the canaries and every model"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bars"),
    resume: Optional[str] = typer.Option(None, help="finish an interrupted run RUN_ID in --out (its trained models are kept)"),
    fields: dict | None = None,
) -> None:
    """Score how much each training example is memorized (Feldman & Zhang 2020), with K subset models on Ray."""
    from dataclasses import replace

    from genlab.recipes import memorize_builtin, resume_memorize
    from genlab.models import ModelConfig
    from genlab.store import RunStore

    try:
        base = MemorizationConfig()
        train = replace(base.train, epochs=epochs if epochs is not None else base.train.epochs, lr=lr if lr is not None else base.train.lr,
                        batch_size=batch_size if batch_size is not None else base.train.batch_size)
        config = MemorizationConfig(**{**fields, "train": train, "seed": seed, "distill_temperature": distill})
        model_config = ModelConfig(model, width, depth)
        size_list = list(_ints(sizes, "--sizes")) if sizes else None
    except (ValueError, typer.BadParameter) as e:
        _fail(str(e))
    store = RunStore(out)
    summary, run = _run_study(
        lambda: resume_memorize(store, resume, workers=workers, address=address, progress=not quiet) if resume
        else memorize_builtin(dataset, model_config, config, store=store, train_size=train_size, test_size=test_size, canaries=canaries, sizes=size_list,
                              workers=workers, address=address, progress=not quiet),
        out, f"the trained models are kept; `genlab memorize --resume <run id> --out {out}` finishes the run", (ValueError, RuntimeError))
    top = summary["stability"][-1]
    console.print(f"[bold green]memorization[/] {summary['dataset']}: {summary['config']['models']} models, mean score {summary['mean_score']:.4f}, "
                  f"test accuracy {summary['test_accuracy']:.4f}")
    console.print(f"  split-half Spearman at K={top['models']}: {top['spearman_all']:.3f} over all examples, {top['spearman_top']:.3f} over the top {top['top_share']:.0%}")
    if "canaries" in summary:
        c = summary["canaries"]
        console.print(f"  {c['count']} planted {c['kind']} canaries: ROC AUC {c['auc']:.3f}, TPR at 1% FPR {c['tpr_at_1pct_fpr']:.3f}")
    if "trajectories" in summary:
        shares = ", ".join(f"{name} {c['share']:.1%}" for name, c in summary["trajectories"]["classes"].items())
        console.print(f"  trajectories across widths {summary['trajectories']['sizes']}: {shares}")
    table = Table("index", "label", "original", "score", "95% interval", title="most memorized")
    for e in summary["most_memorized"][:10]:
        table.add_row(str(e["index"]), str(e["label"]), str(e["original_label"]) + (" (canary)" if e["canary"] else ""), f"{e['score']:.3f}", f"[{e['low']:.2f}, {e['high']:.2f}]")
    console.print(table)
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command()
@config_options(DisagreementConfig)
def disagree(
    dataset: str = typer.Option("fashion-mnist", help="built-in dataset: mnist, fashion-mnist, mnist1d, digits"),
    model: str = typer.Option("mlp", help="mlp or cnn"),
    width: int = typer.Option(256, help="hidden units (mlp) or first conv channels (cnn)"),
    depth: int = typer.Option(2, help="hidden layers (mlp) or conv blocks (cnn)"),
    init: str = typer.Option("torch", help="weight initialisation: torch (PyTorch's default) or he (He et al. 2015)"),
    epochs: Optional[float] = typer.Option(None, help="training epochs per run [default: 20]"),
    lr: Optional[float] = typer.Option(None, help="Adam learning rate per run [default: 0.001]"),
    batch_size: Optional[int] = typer.Option(None, help="batch size per run [default: 128]"),
    train_size: int = typer.Option(4000, help="train on the first N training examples"),
    test_size: Optional[int] = typer.Option(None, help="measure disagreement on the first N test inputs (their labels only check the estimate)"),
    workers: int = typer.Option(0, help="parallel runs on this machine with Ray (0: one by one, without Ray)"),
    address: Optional[str] = typer.Option(None, help="join a Ray cluster, e.g. ray://head:10001"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bars"),
    resume: Optional[str] = typer.Option(None, help="finish an interrupted run RUN_ID in --out (its trained runs are kept)"),
    fields: dict | None = None,
) -> None:
    """Estimate test error without labels: train the recipe in pairs and count how often a pair
    disagrees on the test inputs (Jiang et al. 2022); the test labels only check the estimate."""
    from dataclasses import replace

    from genlab.models import ModelConfig
    from genlab.recipes import disagree_builtin, resume_disagree
    from genlab.store import RunStore

    try:
        base = DisagreementConfig()
        train = replace(base.train, **{k: v for k, v in (("epochs", epochs), ("lr", lr), ("batch_size", batch_size)) if v is not None})
        config = DisagreementConfig(**{**fields, "train": train})
        model_config = ModelConfig(model, width, depth, init=init)
    except ValueError as e:
        _fail(str(e))
    store = RunStore(out)
    result, run = _run_study(
        lambda: resume_disagree(store, resume, workers=workers, address=address, progress=not quiet) if resume
        else disagree_builtin(dataset, model_config, config, store=store, train_size=train_size, test_size=test_size, workers=workers, address=address, progress=not quiet),
        out, f"the trained runs are kept; `genlab disagree --resume <run id> --out {out}` finishes the run", (ValueError, RuntimeError))
    first = result["dis_by_source"][result["config"]["source"][0]]
    console.print(f"[bold green]disagreement[/] {result['dataset']} / {result['model']['name']}: estimated test error {result['error_estimate']:.4f} "
                  f"(95% interval {result['ci'][0]:.4f} to {result['ci'][1]:.4f}), measured {first['test_error']:.4f}: {result['status']}")
    table = Table("source", "disagreement", "test error", "dis - err", "CACE", "status")
    for source, d in result["dis_by_source"].items():
        table.add_row(source, f"{d['dis']:.4f}", f"{d['test_error']:.4f}", f"{d['gap']:+.4f}", f"{d['cace']:.4f}", d["status"])
    console.print(table)
    if result.get("shift"):
        methods = list(next(iter(result["shift"].values()))["mae"])
        table = Table("shift", "R² agreement", "R² accuracy", "OOD accuracy", *[f"MAE {m}" for m in methods], title="accuracy under shift, per model (agreement-on-the-line)")
        for spec, a in result["shift"].items():
            table.add_row(spec, f"{a['agreement_line']['r2']:.3f}", f"{a['accuracy_line']['r2']:.3f}", f"{sum(a['ood_accuracy']) / len(a['ood_accuracy']):.4f}",
                          *[f"{a['mae'][m]:.4f}" for m in methods])
        console.print(table)
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


def _grid(specs: list[str]) -> dict:
    """``["width=32,128 depth=1,2", "lr=1e-3"]`` -> {"width": (32, 128), "depth": (1, 2), "lr": (0.001,)}."""
    grid = {}
    for item in " ".join(specs).split():
        axis, sep, values = item.partition("=")
        if not sep or not values:
            raise ValueError(f"--grid takes axis=v1,v2,... (e.g. width=32,128,512), got {item!r}")
        kind = int if axis in ("width", "depth", "batch_size") else float
        grid[axis] = parse_tuple(values, kind, f"--grid {axis}")
    return grid


@app.command()
@config_options(ZooConfig)
def zoo(
    dataset: str = typer.Option("fashion-mnist", help="built-in dataset: mnist, fashion-mnist, mnist1d, digits"),
    model: str = typer.Option("mlp", help="mlp or cnn"),
    init: str = typer.Option("torch", help="weight initialisation: torch (PyTorch's default) or he (He et al. 2015; same-data seeds then disagree more, closer to their error)"),
    grid: Optional[list[str]] = typer.Option(None, help="axes and values, e.g. --grid 'width=32,128,512 depth=1,2,3' (repeatable) [default: the 81-configuration MLP grid]"),
    train_size: int = typer.Option(4000, help="train on the first N training examples (the partner runs on the next N)"),
    test_size: Optional[int] = typer.Option(None, help="measure the gap and disagreement on the first N test examples"),
    workers: int = typer.Option(0, help="parallel runs on this machine with Ray (0: one by one, without Ray)"),
    address: Optional[str] = typer.Option(None, help="join a Ray cluster, e.g. ray://head:10001"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bars"),
    resume: Optional[str] = typer.Option(None, help="finish an interrupted zoo RUN_ID in --out (its trained runs are kept)"),
    fields: dict | None = None,
) -> None:
    """Train a model zoo over a grid of hyperparameters to a training cross-entropy target
    (Fantastic Generalization Measures' protocol), measure every run and rank the measures."""
    from genlab.estimate import ZooModel
    from genlab.recipes import resume_zoo, zoo_builtin
    from genlab.store import RunStore

    try:
        config = ZooConfig(**{**fields, **({"grid": _grid(grid)} if grid else {})})
        ZooModel(model, (1,), 2, init)
    except ValueError as e:
        _fail(str(e))
    store = RunStore(out)
    result, run = _run_study(
        lambda: resume_zoo(store, resume, workers=workers, address=address, progress=not quiet) if resume
        else zoo_builtin(dataset, model, config, store=store, train_size=train_size, test_size=test_size, workers=workers, address=address, progress=not quiet,
                         init=init),
        out, f"the trained runs are kept; `genlab zoo --resume <run id> --out {out}` finishes the zoo", (ValueError, RuntimeError))
    console.print(f"[bold green]zoo[/] {result['dataset']} / {result['model']}: {len(result['configs'])} configurations, {result['n_converged']} converged "
                  f"({result['wall_seconds']:.0f} s)")
    _ranking_table(result)
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'}; spectra: genlab weightwatch {run.folder})")


def _ranking_table(result: dict) -> None:
    table = Table("measure", "tau", "95% interval", "Psi", "CMI x 100", title=f"measures against the {result.get('ranking_target', 'gap')}, by Psi")
    for r in sorted(result["ranking"], key=lambda r: -abs(r["psi"]) if r["psi"] == r["psi"] else 0):
        table.add_row(r["measure"], f"{r['tau']:+.3f}", f"[{r['tau_ci'][0]:+.2f}, {r['tau_ci'][1]:+.2f}]", f"{r['psi']:+.3f}", f"{r['cmi']:.2f}" if "cmi" in r else "n/a")
    console.print(table)


@app.command()
def measures(
    folder: Path = typer.Argument(..., help="a zoo run folder, e.g. runs/<zoo-id>"),
    target: str = typer.Option("gap", help="what the measures should order the zoo by: gap (train - test accuracy) or test_error"),
    strata: str = typer.Option("depth", help="also rank within each value of this axis (none: no strata)"),
    samples: int = typer.Option(200, help="bootstrap resamples of the configurations for the intervals"),
    all_configs: bool = typer.Option(False, "--all-configs", help="rank over every configuration, not only the converged ones (Fantastic's protocol)"),
) -> None:
    """Rank a zoo's measures (Kendall tau, granulated Psi, PGDL's conditional mutual information)
    by how well they order its configurations; rewrites the zoo's ranking and report."""
    from genlab.recipes import rerank

    if target not in ("gap", "test_error"):
        _fail(f"--target must be gap or test_error, got {target!r}")
    if not (folder / "result.json").is_file():
        _fail(f"{folder / 'result.json'} not found: give a finished zoo run folder (see `genlab runs`)")
    try:
        result = rerank(folder, target=target, strata=None if strata == "none" else strata, samples=samples, converged_only=not all_configs)
    except (KeyError, ValueError) as e:
        _fail(f"{folder} is not a finished zoo run: {e}")
    _ranking_table(result)
    console.print(f"  report: {folder / 'report.html'}")


@app.command()
def weightwatch(folder: Path = typer.Argument(..., help="a zoo run folder, e.g. runs/<zoo-id>"), quiet: bool = typer.Option(False, help="no progress bar")) -> None:
    """Heavy-tailed spectral metrics of every run's weights in a zoo (no data): alpha, alpha-hat,
    log spectral norm and stable rank per layer, into spectra.json and the report."""
    from genlab.recipes import weightwatch as watch

    try:
        out = watch(folder, progress=not quiet)
    except (FileNotFoundError, ValueError) as e:
        _fail(str(e))
    table = Table("configuration", "seed", "layer", "eigenvalues", "alpha", "alpha-hat", "log spectral norm", "stable rank")
    for r in out["runs"][:12]:
        for layer in r["layers"]:
            table.add_row(" ".join(f"{k}={v}" for k, v in r["hparams"].items()), str(r["seed"]), layer["layer"], str(layer["n_evals"]), f"{layer['alpha']:.3f}",
                          f"{layer['alpha_hat']:.3f}", f"{layer['log_spectral_norm']:.3f}", f"{layer['stable_rank']:.2f}")
    console.print(table)
    console.print(f"  {len(out['runs'])} runs in {out['wall_seconds']:.1f} s; all of them in {folder / 'spectra.json'}")


@app.command("intrinsic-dim")
@config_options(IntrinsicDimensionConfig)
def intrinsic_dim(
    dataset: str = typer.Option("mnist", help="built-in dataset: mnist, fashion-mnist, mnist1d, digits"),
    model: str = typer.Option("mlp", help="mlp, cnn or lenet (LeNet-5, 44,426 parameters on MNIST)"),
    width: int = typer.Option(200, help="hidden units (mlp) or first conv channels (cnn)"),
    depth: int = typer.Option(2, help="hidden layers (mlp) or conv blocks (cnn)"),
    shuffle_pixels: bool = typer.Option(False, help="permute the pixels of every image by one fixed random permutation (Li et al.'s control)"),
    epochs: Optional[float] = typer.Option(None, help="training epochs per d and of the full-space model [default: 3]"),
    lr: Optional[float] = typer.Option(None, help="Adam learning rate of z [default: 0.03]"),
    train_size: Optional[int] = typer.Option(None, help="train on the first N training examples [default: all]"),
    test_size: Optional[int] = typer.Option(None, help="score on the first N test examples [default: all]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """The intrinsic dimension d_90 of a task (Li et al. 2018): train only z in theta_0 + P z over a
    grid of d, then bisect."""
    from dataclasses import replace

    from genlab.models import ModelConfig
    from genlab.recipes import intrinsic_dim_builtin
    from genlab.store import RunStore

    try:
        base = IntrinsicDimensionConfig()
        config = IntrinsicDimensionConfig(**{**fields, "train": replace(base.train, **{k: v for k, v in (("epochs", epochs), ("lr", lr)) if v is not None}),
                                             "full_train": replace(base.full_train, **({"epochs": epochs} if epochs is not None else {}))})
        model_config = ModelConfig(model, width, depth)
    except ValueError as e:
        _fail(str(e))
    result, run = _run_study(lambda: intrinsic_dim_builtin(dataset, model_config, config, store=RunStore(out), train_size=train_size, test_size=test_size,
                                                           shuffle_pixels=shuffle_pixels, progress=not quiet), out, f"the run is marked failed in {out}; the scores so far are in its metrics.jsonl")
    share = round(100 * config.threshold)
    console.print(f"[bold green]intrinsic dimension[/] {dataset} / {model} (D = {result.n_parameters:,}): d_{share} = {result.d_paper} against the paper's baseline"
                  + (f", {result.d_own} against {share}% of the full-space score {result.full_score:.4f}" if result.full_score is not None else ""))
    console.print("  " + ", ".join(f"d={d}: {s:.4f}" for d, s in result.curve))
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command("memorize-text")
def memorize_text(
    model: Optional[str] = typer.Option(None, help="train this GPT here (gpt-pico, gpt-nano, gpt-micro, gpt-tiny, gpt-small) with planted canaries, instead of testing a pretrained model"),
    pretrained: str = typer.Option("smollm2-135m", help="pretrained model tested when --model is not given (offline): smollm2-135m"),
    corpus: str = typer.Option("bible", help="built-in corpus: bible or english"),
    documents: Optional[int] = typer.Option(None, help="documents tested (pretrained; default 300) or trained on (--model; default 20000)"),
    prefix: int = typer.Option(16, help="prompt tokens (pretrained model)"),
    suffix: int = typer.Option(16, help="tokens that must be reproduced exactly (pretrained model)"),
    canaries: int = typer.Option(20, help="random-string canaries planted in the training text (--model)"),
    repeats: int = typer.Option(10, help="copies of each canary (--model)"),
    secret_length: int = typer.Option(24, help="random characters in each canary (--model)"),
    counterfactual: int = typer.Option(0, help="also train K models on random halves for counterfactual memorization of every document (--model)"),
    workers: Optional[int] = typer.Option(None, help="parallel models for --counterfactual [default: all cores; 0: in this process]"),
    address: Optional[str] = typer.Option(None, help="join a Ray cluster for --counterfactual"),
    epochs: float = typer.Option(2.0, help="training epochs (--model)"),
    lr: float = typer.Option(3e-3, help="learning rate (--model)"),
    seed: int = typer.Option(0, help="seeds the canaries, the model and the batch order (--model)"),
    device: str = typer.Option("cpu", help="cpu, cuda ..."),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bars"),
) -> None:
    """What a language model memorized of its text: extraction and membership inference against unseen controls."""
    from genlab.recipes import memorize_text_builtin, memorize_text_scratch
    from genlab.report import attack_summary
    from genlab.store import RunStore

    store = RunStore(out)
    if model is None:
        study = lambda: memorize_text_builtin(pretrained, corpus, store=store, documents=documents or 300, prefix=prefix, suffix=suffix, progress=not quiet)  # noqa: E731
    else:
        study = lambda: memorize_text_scratch(model, corpus, store=store, documents=documents or 20_000, canaries=canaries, repeats=repeats, secret_length=secret_length,  # noqa: E731
                                              epochs=epochs, lr=lr, seed=seed, device=device, counterfactual=counterfactual, workers=workers,
                                              address=address, progress=not quiet)
    result, run = _run_study(study, out, f"the run is marked failed in {out}", (ValueError, RuntimeError))
    table = Table("text", "documents", "extracted exactly", "near match", "bits/token", "ROC AUC loss / zlib / extraction (members vs this)")
    for r in result["rows"]:
        table.add_row(r["set"], str(r["documents"]), f"{r['extracted_exact']:.1%} ({r['extracted_count']})", f"{r['near_match_90']:.1%}", f"{r['bits_per_token']:.3f}", attack_summary(r))
    console.print(table)
    if "counterfactual" in result:
        cf = result["counterfactual"]
        console.print(f"  counterfactual memorization ({cf['models']} models): canaries vs documents ROC AUC {cf['canary_roc_auc']:.3f}")
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command()
@config_options(GrokConfig)
def grok(
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """Train a network (full-batch by default) on modular arithmetic or sparse parity and watch it
    grok; every option is a field of genlab.phenomena.grokking.GrokConfig."""
    from genlab.recipes import grok_builtin
    from genlab.store import RunStore

    try:
        config = GrokConfig(**fields)
    except ValueError as e:
        _fail(str(e))
    task = config.task
    store = RunStore(out)

    result, run = _run_study(lambda: grok_builtin(config, store=store, progress=not quiet), out, f"the run is marked failed in {out}; its metrics so far are in metrics.jsonl")
    page = run.folder / "report.html"
    f = result.final
    console.print(f"[bold green]grok[/] {task}: train accuracy {f['train_acc']:.4f}, test accuracy {f['test_acc']:.4f} after {config.steps} steps "
                  f"({result.wall_seconds:.0f} s)")
    console.print(f"  99% train accuracy at step {result.steps_to_train_99}, 99% test accuracy at step {result.steps_to_test_99}"
                  + (f": a grokking delay of {result.grokking_delay} steps" if result.grokking_delay is not None else ""))
    if "key_frequencies" in f:
        console.print(f"  embedding energy in the key frequencies {f['key_frequencies']}: {f['key_energy_share']:.1%}")
    console.print(f"  run folder: {run.folder}  (explorable: {page})")


@app.command("double-descent")
@config_options(DoubleDescentConfig)
def double_descent(
    epochs: Optional[float] = typer.Option(None, help="MLP: training epochs per width (the cap) [default: 500]"),
    lr: Optional[float] = typer.Option(None, help="MLP: learning rate [default: 0.001]"),
    optimizer: Optional[str] = typer.Option(None, help="MLP: adam, adamw, sgd or lbfgs (full batch: set --batch-size to n and --lr 1) [default: adam]"),
    batch_size: Optional[int] = typer.Option(None, help="MLP: examples per step [default: 128]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """Sweep model size through the interpolation threshold and watch the test error peak there
    (double descent): random ReLU features with the minimum-norm fit, or one-hidden-layer MLPs."""
    from genlab.recipes import double_descent_builtin
    from genlab.store import RunStore

    config = _study_config(DoubleDescentConfig, fields, epochs=epochs, lr=lr, optimizer=optimizer, batch_size=batch_size)
    result, run = _run_study(lambda: double_descent_builtin(config, store=RunStore(out), progress=not quiet), out,
                             f"the run is marked failed in {out}; the widths measured so far are in its metrics.jsonl")
    table = Table("width", "train error", "test error", title=f"double descent: {config.dataset}, {config.model}, n = {config.n}")
    for w, tr, te in zip(result.widths, result.train_error, result.test_error):
        table.add_row(str(w), f"{tr:.4f}", f"{te:.4f}")
    console.print(table)
    if result.peak:
        console.print(f"[bold green]double descent[/]: test error peaks at {result.peak[1]:.4f} (width {result.peak[0]}), {result.peak_ratio:.2f}x its first "
                      f"minimum {result.first_minimum[1]:.4f} (width {result.first_minimum[0]}); the widest: {result.test_error[-1]:.4f}")
    else:
        console.print("[bold yellow]no peak[/]: the test error has no local minimum before the model interpolates")
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command("sam-features")
@config_options(FeaturesConfig)
def sam_features(
    dataset: str = typer.Option("dominoes", help="dominoes (an MNIST digit above a Fashion-MNIST item)"),
    epochs: Optional[float] = typer.Option(None, help="training epochs per network [default: 4]"),
    lr: Optional[float] = typer.Option(None, help="SGD learning rate [default: 0.02]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """SAM against SGD (Springer et al. 2024): train on Dominoes and probe how well the penultimate
    layer holds the simple (digit) and the hard (item) feature, beside the probes at initialisation."""
    from genlab.recipes import features_builtin
    from genlab.store import RunStore

    if dataset != "dominoes":
        _fail(f"--dataset must be dominoes, got {dataset!r}")
    config = _study_config(FeaturesConfig, fields, epochs=epochs, lr=lr)
    result, run = _run_study(lambda: features_builtin(config, store=RunStore(out), progress=not quiet), out,
                             f"the run is marked failed in {out}; the networks finished so far are in its metrics.jsonl")
    table = Table("rho", "in-distribution accuracy", "item probe", "digit probe", "item probe at init", title=f"Dominoes, p = {config.p}, {config.seeds} seed(s)")
    for rho, s in result.summary.items():
        table.add_row(rho, f"{s['test_accuracy']:.4f}", f"{s['probe_item']:.4f}", f"{s['probe_digit']:.4f}", f"{s['init_item']:.4f}")
    console.print(table)
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command("path-star")
@config_options(PathStarConfig, exclude=("objectives",))
def path_star(
    objective: str = typer.Option("next-token,reverse,teacherless", help="objectives, comma-separated: next-token, reverse, teacherless, multi-token"),
    epochs: Optional[float] = typer.Option(None, help="epochs over the training graphs per model [default: 1]"),
    lr: Optional[float] = typer.Option(None, help="AdamW learning rate [default: 0.001]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """Next-token prediction's failure to plan (Bachmann & Nagarajan 2024): train a small GPT on
    path-star graphs per objective; teacher forcing learns the Clever-Hans shortcut and finds the
    path about 1/d of the time, a reversed target solves it."""
    from dataclasses import replace

    from genlab.recipes import path_star_builtin
    from genlab.store import RunStore

    try:
        base = PathStarConfig()
        train = replace(base.train, **{k: v for k, v in (("epochs", epochs), ("lr", lr)) if v is not None})
        config = PathStarConfig(**{**fields, "objectives": tuple(o.strip() for o in objective.split(",") if o.strip()), "train": train})
    except ValueError as e:
        _fail(str(e))
    result, run = _run_study(lambda: path_star_builtin(config, store=RunStore(out), progress=not quiet), out,
                             f"the run is marked failed in {out}; the curves measured so far are in its metrics.jsonl")
    table = Table("objective", "full path", "per position (decoded)", "per position (teacher-forced)",
                  title=f"path-star G({config.degree}, {config.length}), {config.nodes} nodes; chance 1/d = {result.chance:.3f}")
    for o, r in result.objectives.items():
        f = r["final"]
        table.add_row(o, f"{f['full_path']:.4f}", " ".join(f"{v:.2f}" for v in f["per_position"]),
                      "n/a" if f["teacher_forced"] is None else " ".join(f"{v:.2f}" for v in f["teacher_forced"]))
    console.print(table)
    console.print(f"  run folder: {run.folder}  (explorable: {run.folder / 'report.html'})")


@app.command("rule-extrapolation")
@config_options(RuleExtrapolationConfig)
def rule_extrapolation(
    epochs: Optional[float] = typer.Option(None, help="training epochs per model [default: 1500]"),
    lr: Optional[float] = typer.Option(None, help="AdamW learning rate [default: 0.002]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """Rule extrapolation (Meszaros et al. 2024): train models on a formal language of two rules,
    prompt them with prefixes that break one, and count completions that keep the other (OOD R1)."""
    from genlab.recipes import rule_extrapolation_builtin
    from genlab.store import RunStore

    config = _study_config(RuleExtrapolationConfig, fields, epochs=epochs, lr=lr)
    result, run = _run_study(lambda: rule_extrapolation_builtin(config, store=RunStore(out), progress=not quiet), out,
                             f"the run is marked failed in {out}; the runs finished so far are in its metrics.jsonl")
    floor = "n/a" if result.floor is None else f"{result.floor:.4f}"
    table = Table("model", "OOD R1 mean +- std", "range", "test loss (mean)", "published OOD R1",
                  title=f"rule extrapolation: {config.language}, {config.seeds} seed(s); entropy floor {floor} nats per token")
    for m, s in result.summary.items():
        r1 = "n/a" if s["ood_r1_mean"] is None else f"{s['ood_r1_mean']:.3f} +- {s['ood_r1_std']:.3f}"
        span = "n/a" if s["ood_r1_min"] is None else f"{s['ood_r1_min']:.3f}-{s['ood_r1_max']:.3f}"
        table.add_row(m, r1, span, f"{s['test_loss_mean']:.4f}", str(result.published.get(m, "")))
    console.print(table)
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command()
@config_options(ResMemConfig)
def resmem(
    epochs: Optional[float] = typer.Option(None, help="training epochs per base model [default: 10]"),
    lr: Optional[float] = typer.Option(None, help="Adam learning rate [default: 0.001]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """Residual memorization (ResMem, Yang et al. 2023): a base classifier per width plus a soft
    k-nearest-neighbour regressor of its training residuals; test accuracy of both."""
    from genlab.recipes import resmem_builtin
    from genlab.store import RunStore

    config = _study_config(ResMemConfig, fields, epochs=epochs, lr=lr)
    result, run = _run_study(lambda: resmem_builtin(config, store=RunStore(out), progress=not quiet), out,
                             f"the run is marked failed in {out}; the widths finished so far are in its metrics.jsonl")
    table = Table("width", "parameters", "base test accuracy", "ResMem test accuracy", "gain (points)", "k", "sigma",
                  title=f"ResMem: {config.dataset}, {config.model}, {result.n_train:,} memorized examples")
    for r in result.rows:
        table.add_row(str(r["width"]), f"{r['n_parameters']:,}", f"{r['base_test_accuracy']:.4f}", f"{r['resmem_test_accuracy']:.4f}", f"{100 * r['gain']:+.2f}",
                      str(r["k"]), f"{r['sigma']:g}")
    console.print(table)
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command("uniform-convergence")
@config_options(UniformConvergenceConfig)
def uniform_convergence(
    epochs: Optional[float] = typer.Option(None, help="cap on SGD epochs per size [default: 500]"),
    lr: Optional[float] = typer.Option(None, help="SGD learning rate [default: 0.5]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """Uniform convergence's limits (Nagarajan & Kolter 2019): train on two hyperspheres for growing
    m; test error falls while the error on S' (the training points moved to the other sphere) stays
    near 1, and the norm-based bound terms do not fall."""
    from genlab.recipes import uniform_convergence_builtin
    from genlab.store import RunStore

    config = _study_config(UniformConvergenceConfig, fields, epochs=epochs, lr=lr)
    result, run = _run_study(lambda: uniform_convergence_builtin(config, store=RunStore(out), progress=not quiet), out,
                             f"the run is marked failed in {out}; the sizes finished so far are in its metrics.jsonl")
    table = Table("m", "epochs", "test error", "error on S'", "distance from init", "PAC-Bayes (init) term", "covering (init) term",
                  title=f"hyperspheres: d = {config.dim}, width {config.width}, margin {config.margin:g}")
    for r in result.rows:
        table.add_row(str(r["m"]), str(r["epochs"]) + ("" if r["converged"] else " (cap)"), f"{r['test_error']:.4f}", f"{r['s_prime_error']:.4f}",
                      f"{r['distance_from_init']:.2f}", f"{r['pac_bayes_init/bound']:.2f}", f"{r['covering_init/bound']:.2f}")
    console.print(table)
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command("pause-tokens")
@config_options(PauseConfig)
def pause_tokens(
    pretrain_epochs: Optional[float] = typer.Option(None, help="pretraining epochs [default: 2]"),
    finetune_epochs: Optional[float] = typer.Option(None, help="finetuning epochs [default: 10]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """Pause tokens (Goyal et al. 2024) as a 2 x 2 design: standard or pause pretraining x standard
    or pause finetuning of a small GPT, on a digit-sum task that needs more than one pass."""
    from dataclasses import replace

    from genlab.recipes import pause_tokens_builtin
    from genlab.store import RunStore

    try:
        base = PauseConfig()
        config = PauseConfig(**{**fields, "pretrain": replace(base.pretrain, **({"epochs": pretrain_epochs} if pretrain_epochs else {})),
                                "finetune": replace(base.finetune, **({"epochs": finetune_epochs} if finetune_epochs else {}))})
    except ValueError as e:
        _fail(str(e))
    result, run = _run_study(lambda: pause_tokens_builtin(config, store=RunStore(out), progress=not quiet), out,
                             f"the run is marked failed in {out}; the arms finished so far are in its metrics.jsonl")
    table = Table("pretraining / finetuning", "exact match (mean +- std)", "range", title=f"pause tokens: sum of {config.digits} digits mod 10, {config.seeds} seed(s)")
    for arm, s in result.summary.items():
        table.add_row(arm, f"{s['mean']:.4f} +- {s['std']:.4f}", f"{s['min']:.4f}-{s['max']:.4f}")
    console.print(table)
    if result.claim:
        c = result.claim
        console.print(f"  pause/pause - standard/standard: {c['pause_gain']:+.4f}; standard/pause - standard/standard: {c['finetune_only_gain']:+.4f} "
                      f"(seed spread {c['spread']:.4f}): the published claim {'holds' if c['holds'] else 'does not hold'} here")
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command("distill-deviations")
@config_options(DistillationConfig)
def distill_deviations(
    epochs: Optional[float] = typer.Option(None, help="training epochs of the teacher and of each student [default: 20]"),
    lr: Optional[float] = typer.Option(None, help="Adam learning rate [default: 0.001]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """Student-teacher deviations in distillation (Nagarajan et al. 2023): a teacher, then students
    on its soft labels (from the start or after a one-hot first part) and on one-hot labels; how the
    student's confidence deviates from the teacher's, and test accuracy."""
    from genlab.recipes import distillation_builtin
    from genlab.store import RunStore

    config = _study_config(DistillationConfig, fields, epochs=epochs, lr=lr)
    result, run = _run_study(lambda: distillation_builtin(config, store=RunStore(out), progress=not quiet), out,
                             f"the run is marked failed in {out}; the seeds finished so far are in its metrics.jsonl")
    table = Table("model", "test accuracy (mean +- std)", "slope of logit(p_student) on logit(p_teacher), per seed",
                  title=f"distillation: {config.dataset}, {config.model}, {config.seeds} seed(s)")
    for name, s in result.summary.items():
        slopes = "" if name == "teacher" else ", ".join(f"{r['deviation'][name]['slope']:.3f} [{r['deviation'][name]['slope_ci'][0]:.3f}, {r['deviation'][name]['slope_ci'][1]:.3f}]"
                                                        for r in result.seeds)
        table.add_row(name, f"{s['test_accuracy_mean']:.4f} +- {s['test_accuracy_std']:.4f}", slopes)
    console.print(table)
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command("fact-recall")
@config_options(FactRecallConfig, exclude=("pretrained",))
def fact_recall(
    pretrained: str = typer.Option("smollm2-135m", help="the pretrained model to prune ('none': skip it)"),
    epochs: Optional[float] = typer.Option(None, help="training epochs of each small GPT [default: 30]"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    fields: dict | None = None,
) -> None:
    """Fact recall against in-context learning under down-scaling (Jin et al. 2023): prune a
    pretrained model (Wanda, magnitude) and train smaller GPTs on synthetic facts; which ability goes first."""
    from dataclasses import replace

    from genlab.recipes import fact_recall_builtin
    from genlab.store import RunStore

    try:
        base = FactRecallConfig()
        config = FactRecallConfig(**{**fields, "pretrained": None if pretrained.lower() == "none" else pretrained,
                                     "synthetic_train": replace(base.synthetic_train, **({"epochs": epochs} if epochs else {}))})
    except ValueError as e:
        _fail(str(e))
    result, run = _run_study(lambda: fact_recall_builtin(config, store=RunStore(out), progress=not quiet), out,
                             f"the run is marked failed in {out}; the parts finished so far are in its metrics.jsonl")
    curves = dict(result.pretrained["curves"]) if result.pretrained else {}
    if result.synthetic:
        curves |= {f"{size} {m}": c for size, e in result.synthetic["models"].items() for m, c in e["pruned"].items()}
    table = Table("model / method", *[f"{s:.0%}" for s in config.sparsities], title="fact recall / in-context accuracy against sparsity")
    for name, curve in curves.items():
        table.add_row(name, *[f"{p['fact']:.2f} / " + ("-" if p["icl"] is None else f"{p['icl']:.2f}") for p in curve])
    console.print(table)
    if result.pretrained:
        for kind, k in result.pretrained["icl_kinds"].items():
            if not k["counts"]:
                console.print(f"  in-context {kind} not counted: the unpruned model answers {k['answered']} of {k['candidates']} "
                              f"(chance {k['chance']:.2f}, one-sided binomial p {k['p']:.2g} > {config.icl_chance_test})")
    if result.synthetic:
        for size, e in result.synthetic["models"].items():
            console.print(f"  {size} ({e['parameters']:,} parameters): facts {e['fact']:.3f}, in-context {e['icl']:.3f}")
    for name, c in result.contrast.items():
        if c:
            console.print(f"  {name}: at {c['sparsity']:.0%} fact recall {c['fact_ratio']:.2f}x, in-context {c['icl_ratio']:.2f}x the unpruned model's")
    console.print(f"  run folder: {run.folder}  (report: {run.folder / 'report.html'})")


@app.command("grok-sweep")
@config_options(GrokConfig, exclude=("weight_decay", "train_frac", "lr"))
def grok_sweep(
    weight_decay: str = typer.Option("0,0.3,1,3", help="AdamW weight decays, comma-separated (an axis when several)"),
    train_frac: str = typer.Option("0.2,0.4,0.6,0.8", help="training fractions, comma-separated (an axis when several)"),
    lr: str = typer.Option("0.003", help="learning rates, comma-separated (an axis when several)"),
    workers: Optional[int] = typer.Option(None, help="parallel cells on this machine [default: all cores; 0: one by one without Ray]"),
    address: Optional[str] = typer.Option(None, help="join a Ray cluster, e.g. ray://head:10001"),
    out: Path = typer.Option(Path("runs"), help="run store folder"),
    quiet: bool = typer.Option(False, help="no progress bar"),
    resume: Optional[str] = typer.Option(None, help="finish an interrupted sweep RUN_ID in --out (finished cells are kept; other flags ignored)"),
    fields: dict | None = None,
) -> None:
    """A phase diagram: grok over two of weight decay, train fraction and learning rate, each cell
    classified as comprehension / grokking / memorization / confusion; the other options set every
    cell's GrokConfig."""
    from genlab.recipes import grok_sweep as sweep
    from genlab.store import RunStore

    try:
        lists = {"weight_decay": _floats(weight_decay, "--weight-decay"), "train_frac": _floats(train_frac, "--train-frac"), "lr": _floats(lr, "--lr")}
        axes = [(name, list(v)) for name, v in lists.items() if len(v) > 1]
        if len(axes) != 2:
            raise ValueError(f"give exactly two of --weight-decay, --train-frac, --lr several values (the diagram's axes); {len(axes)} have several")
        fixed = {name: v[0] for name, v in lists.items() if len(v) == 1}
        base = GrokConfig(**fields, **fixed)
    except (ValueError, typer.BadParameter) as e:
        _fail(str(e))
    store = RunStore(out)
    result, run = _run_study(lambda: sweep(base, axes[0], axes[1], store=store, workers=workers, address=address, progress=not quiet, run_id=resume),
                             out, f"finished cells are kept; `genlab grok-sweep --resume <run id> --out {out}` finishes the sweep", (ValueError, RuntimeError))
    rows, cols = result["rows"], result["cols"]
    table = Table(title=f"phase diagram, {base.task}: steps to 99% test accuracy ({result['wall_seconds']:.0f} s)")
    table.add_column(f"{rows['name']} \\ {cols['name']}")
    for v in cols["values"]:
        table.add_column(str(v))
    for i, r in enumerate(rows["values"]):
        cells = [c for c in result["cells"] if c["row"] == i]
        table.add_row(str(r), *(f"{c['phase']} ({c['steps_to_test_99'] if c['steps_to_test_99'] is not None else '-'})" for c in sorted(cells, key=lambda c: c["col"])))
    console.print(table)
    console.print(f"  run folder: {run.folder}  (explorable: {run.folder / 'report.html'})")


@app.command()
def runs(out: Path = typer.Option(Path("runs"), help="run store folder")) -> None:
    """List past runs from the store's index."""
    from genlab.store import RunStore

    rows = RunStore(out).runs()
    if not rows:
        console.print(f"no runs in {out}")
        return
    table = Table(title=f"runs in {out}")
    table.add_column("id", no_wrap=True)
    for col in ("status", "started", "dataset", "model", "prior", "bound", "test err", "bits"):
        table.add_column(col)
    for r in rows:
        s = r["summary"]
        fmt = lambda v: "" if v is None else f"{v:.4f}"  # noqa: E731
        color = {"complete": "green", "failed": "red", "running": "yellow"}.get(r["status"], "white")
        table.add_row(r["id"], f"[{color}]{r['status']}[/]", time.strftime("%Y-%m-%d %H:%M", time.localtime(r["created"])), s.get("dataset", s.get("corpus", "")), s.get("model", ""), s.get("prior", s.get("method", "")), fmt(s.get("error_bound", s.get("document_bound"))), fmt(s.get("test_error")), str(s.get("bits", "")))
    console.print(table)


@app.command()
def verify(folder: Path = typer.Argument(..., help="a certify or certify-lm run folder, e.g. runs/<id>")) -> None:
    """Re-derive a certificate from its own files; exits non-zero if any check fails."""
    from genlab.recipes import verify as verify_run

    if not folder.is_dir():
        _fail(f"{folder} is not a run folder; `genlab runs` lists the runs")
    try:
        report = verify_run(folder)
    except (ValueError, FileNotFoundError) as e:
        _fail(str(e))
    table = Table(title=f"verify {folder}")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail")
    for c in report.checks:
        table.add_row(c.name, "[green]ok[/]" if c.ok else "[bold red]FAILED[/]", c.detail)
    console.print(table)
    if not report.ok:
        console.print("[bold red]certificate does NOT verify[/]")
        raise typer.Exit(1)
    console.print("[bold green]certificate verified[/]")


@app.command()
def report(
    folders: Optional[list[Path]] = typer.Argument(None, help="a certify, certify-lm, memorize, memorize-text, grok or grok-sweep run folder; or several certify-lm run folders to compare"),
    out: Optional[Path] = typer.Option(None, help="where the comparison page of several certify-lm runs (with --index: the index page) goes [default: lm-comparison.html in the first run's store]"),
    index: Optional[Path] = typer.Option(None, "--index", help="a run store folder: write one page listing all its runs, sortable and filterable (by default index.html in that folder)"),
    open_page: bool = typer.Option(False, "--open", help="open the page in the default browser"),
) -> None:
    """(Re)write a run's self-contained HTML report (for grok runs and sweeps: the explorable) from its
    result.json; given several certify-lm runs, one page comparing them (ablation, model size); with
    --index <run store>, one page listing every run of the store with links to their reports."""
    from genlab.report import write_lm_comparison, write_report, write_run_index

    if index is not None and folders:
        _fail("pass run folders or --index <run store>, not both")
    if index is None and not folders:
        _fail("pass a run folder (e.g. runs/<id>), several certify-lm run folders to compare, or --index <run store> (e.g. --index runs) for a page listing every run")
    if index is not None:
        try:
            page = write_run_index(index, out)
            console.print(f"wrote {page}")
        except FileNotFoundError as e:
            _fail(escape(str(e)))
    else:
        for folder in folders:
            if not (folder / "result.json").is_file():
                _fail(f"{folder} has no result.json (is it a completed run? `genlab runs` lists them)")
        if len(folders) == 1 and out is not None:
            _fail("--out names the comparison page of several certify-lm runs; a single run's report is written into its folder")
        try:
            page = write_report(folders[0]) if len(folders) == 1 else write_lm_comparison(folders, out or folders[0].parent / "lm-comparison.html")
            console.print(f"wrote {page}")
        except ValueError as e:
            _fail(str(e))
    if open_page:
        import webbrowser

        webbrowser.open(page.resolve().as_uri())


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
