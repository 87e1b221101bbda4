"""A run folder -> one self-contained HTML page that a sceptical reader can check.

Every number on the page is read from the run's ``result.json``, ``config.json`` and
``metrics.jsonl``; nothing is recomputed (STYLE.md 12). The first line compares the certificate
with its baselines, as docs/bounds.md ("A certificate is read beside its baselines") asks. Plots are
PNGs embedded as base64, so the page needs no network and no other file.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path

CSS = """
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
.verdict { font-size: 1.15em; font-weight: bold; padding: .6em .8em; border-radius: 4px; }
.good { background: #e6f4ea; border-left: 6px solid #2e7d32; }
.bad { background: #fdecea; border-left: 6px solid #c62828; }
.note { background: #fff8e1; border-left: 6px solid #f9a825; padding: .6em .8em; margin: 1em 0; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #ddd; padding: .25em .6em; text-align: left; }
th { background: #f4f4f4; } tr.chosen td { background: #e3f2fd; font-weight: bold; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; padding: .8em; overflow-x: auto; } img { max-width: 100%; }
"""


def _fmt(value, digits: int | None = 4) -> str:
    """A JSON value as escaped text: None -> n/a, floats to ``digits`` decimals (None: as written)."""
    if value is None:
        return "n/a"
    if isinstance(value, float) and digits is not None:
        return f"{value:.{digits}f}"
    return html.escape(str(value))


def _table(header: list[str], rows: list[list], row_classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = "".join(f'<td class="num">{_fmt(v)}</td>' if isinstance(v, (int, float)) else f"<td>{_fmt(v)}</td>" for v in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _img(fig) -> str:
    """A matplotlib Figure as an <img> with a base64 PNG data URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


NARROW_MARGIN = 0.9  # a bound within 10% of its baseline is not called a clear win


def _verdict(result: dict) -> tuple[str, bool]:
    """The first line: does error_bound beat the best baseline bound under the same delta?"""
    bound = result["error_bound"]
    baselines = result.get("baselines") or {}
    candidates = [("random guessing", baselines.get("random_guess_error"))]
    if "prior_only" in baselines:
        candidates.append(("the data-dependent prior theta_0 alone", baselines["prior_only"].get("error_bound")))
    candidates = [(name, b) for name, b in candidates if b is not None]
    if not candidates:
        return f"No baseline is recorded for this certificate (error bound {_fmt(bound)}); it cannot be judged.", False
    name, best = min(candidates, key=lambda c: c[1])
    if bound >= 1:
        return f"This certificate is vacuous and does NOT beat its baseline: its error bound {_fmt(bound)} is &ge; 1, so it says nothing about the model.", False
    if bound < NARROW_MARGIN * best:
        return f"This certificate clearly beats its baseline: error bound {_fmt(bound)} &lt; {_fmt(best)} for {html.escape(name)}.", True
    if bound < best:
        return (f"This certificate beats its baseline only narrowly (by less than {1 - NARROW_MARGIN:.0%}): "
                f"error bound {_fmt(bound)} &lt; {_fmt(best)} for {html.escape(name)}.", False)
    return f"This certificate does NOT beat its baseline: error bound {_fmt(bound)} &ge; {_fmt(best)} for {html.escape(name)}.", False


def _summary(result: dict) -> str:
    train = f"{_fmt(result.get('train_error'))} ({_fmt(result.get('train_errors'))} errors on n_bound = {_fmt(result.get('n_bound'))} examples)"
    test = f"{_fmt(result.get('test_error'))} ({_fmt(result.get('test_errors'))} errors on {_fmt(result.get('n_test'))} test examples)"
    rows = [
        ["error_bound", f"<b>{_fmt(result.get('error_bound'))}</b>"],
        ["bound", _fmt(result.get("bound"))],
        ["delta", _fmt(result.get("delta"), None)],
        ["train_error", train],
        ["test_error", test],
        ["n_bound", _fmt(result.get("n_bound"))],
        ["n_prior", _fmt(result.get("n_prior"))],
        ["prior", _fmt(result.get("prior"))],
        ["bits_total", _fmt(result.get("bits_total"))],
        ["subspace_dim", _fmt(result.get("subspace_dim"))],
        ["levels", _fmt(result.get("levels"))],
        ["grid_size", _fmt(result.get("grid_size"))],
        ["n_parameters", _fmt(result.get("n_parameters", result.get("num_parameters")))],
        ["wall_seconds", _fmt(result.get("wall_seconds"), 1)],
        ["code_sha256", f"<code>{_fmt(result.get('code_sha256'))}</code>"],
    ]
    # values above are already escaped by _fmt; only the markup around them is ours
    return "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _baselines(result: dict) -> str:
    """The certificate beside every recorded baseline, same bound, same delta."""
    baselines = result.get("baselines") or {}
    rows = [["this certificate", result.get("bits_total"), result.get("train_error"), result.get("test_error"), result.get("error_bound")]]
    if "prior_only" in baselines:
        p = baselines["prior_only"]
        rows.append(["prior only (theta_0, zero extra bits)", p.get("bits_total"), p.get("train_error"), p.get("test_error"), p.get("error_bound")])
    if "smallest_grid_point" in baselines:
        s = baselines["smallest_grid_point"]
        rows.append([f"smallest grid point (d={s.get('subspace_dim')}, L={s.get('levels')})", s.get("bits_total"), s.get("train_error"), s.get("test_error"), s.get("error_bound")])
    if baselines.get("random_guess_error") is not None:
        rows.append(["random guessing", None, None, None, baselines["random_guess_error"]])
    return _table(["", "bits_total", "train_error", "test_error", "error_bound"], rows, ["chosen"] + [""] * (len(rows) - 1))


def _errors_plot(result: dict, Figure) -> str:
    baselines = result.get("baselines") or {}
    bars = [("error bound", result.get("error_bound"), "#1565c0"), ("train error", result.get("train_error"), "#66bb6a"),
            ("test error", result.get("test_error"), "#ffa726"), ("random\nguessing", baselines.get("random_guess_error"), "#9e9e9e")]
    if "prior_only" in baselines:
        bars.append(("prior-only\nbound", baselines["prior_only"].get("error_bound"), "#8d6e63"))
    bars = [b for b in bars if b[1] is not None]
    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_subplot()
    ax.bar([b[0] for b in bars], [b[1] for b in bars], color=[b[2] for b in bars])
    for i, b in enumerate(bars):
        ax.text(i, b[1], f"{b[1]:.4f}", ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("error rate")
    ax.set_ylim(0, max(1.0, max(b[1] for b in bars) * 1.1))
    return _img(fig)


def _bits(result: dict, Figure) -> str:
    bits = result.get("bits") or {}
    rows = [[part, n] for part, n in bits.items()] + [["<total>", result.get("bits_total")]]
    fig = Figure(figsize=(7, 0.4 * len(bits) + 1))
    ax = fig.add_subplot()
    ax.barh(list(bits), list(bits.values()), color="#5c6bc0")
    ax.invert_yaxis()
    ax.set_xlabel("bits")
    return _table(["part", "bits"], rows) + _img(fig)


def _quantization(result: dict, Figure) -> str:
    q = result.get("quantization") or {}
    codebook, counts = q.get("codebook") or [], q.get("counts") or []
    if not codebook:
        return "<p>no quantization recorded</p>"
    fig = Figure(figsize=(7, 3))
    ax = fig.add_subplot()
    ax.bar(range(len(counts)), counts, color="#26a69a")
    ax.set_xticks(range(len(codebook)), [f"{v:.3g}" for v in codebook])
    ax.set_xlabel("level value (codebook)")
    ax.set_ylabel("coordinates of z")
    return _img(fig)


def _grid(result: dict) -> str:
    cands = result.get("candidates") or []
    restarts = any("qat_restart" in c for c in cands)  # certificates from before QAT restarts lack it
    keys = ["grid_index", "subspace_dim", "levels"] + ["qat_restart"] * restarts + ["bits_total", "entropy_bits", "train_error", "test_error", "error_bound"]
    rows = [[c.get(k) for k in keys] + ["chosen" if c.get("grid_index") == result.get("grid_index") else ""] for c in cands]
    classes = ["chosen" if r[-1] else "" for r in rows]
    return _table(keys + [""], rows, classes)


def _training_phases(metrics: list[dict]) -> dict[str, list[tuple[float, float, float]]]:
    """(epoch, loss, train_acc) points per training phase. The stages of one incremental QAT
    ("qat d=1000 L=5 frozen 30%", "... frozen 60%", ...) are one phase, laid end to end."""
    phases: dict[str, list[tuple[float, float, float]]] = {}
    offset: dict[str, float] = {}
    stage: dict[str, str] = {}
    for m in metrics:
        tag = str(m.get("tag"))
        if tag == "candidate" or not all(isinstance(m.get(k), (int, float)) for k in ("epoch", "loss", "train_acc")):
            continue
        phase = tag.split(" frozen ")[0]
        points = phases.setdefault(phase, [])
        if stage.get(phase, tag) != tag:  # a new stage starts where the last one ended
            offset[phase] = points[-1][0]
        stage[phase] = tag
        points.append((offset.get(phase, 0.0) + m["epoch"], m["loss"], m["train_acc"]))
    return phases


def _curves(metrics: list[dict], Figure, loss_label: str = "loss", acc_label: str = "train accuracy", loss_scale: float = 1.0) -> str:
    phases = _training_phases(metrics)
    if not phases:
        return "<p>no training metrics recorded</p>"
    fig = Figure(figsize=(10, 3.6))
    loss_ax, acc_ax = fig.subplots(1, 2)
    for phase, points in phases.items():
        epochs, losses, accs = zip(*points)
        loss_ax.plot(epochs, [v * loss_scale for v in losses], marker=".", label=phase)
        acc_ax.plot(epochs, accs, marker=".", label=phase)
    loss_ax.set(xlabel="epoch (of each phase)", ylabel=loss_label, title="training loss")
    acc_ax.set(xlabel="epoch (of each phase)", ylabel=acc_label, title="training accuracy")
    acc_ax.legend(fontsize=7)
    return _img(fig)


def _how_to_check(result: dict) -> str:
    return (
        "<p>Rebuild the model from its code file and recompute the bound with "
        "<code>genlab verify &lt;run folder&gt;</code>. The bound is "
        "<code>error_bound = kl^-1(train_error, (bits_total * ln 2 + ln(1/delta)) / n_bound)</code>, "
        "where kl^-1(q, c) = max{p in [q, 1] : kl(q||p) &le; c} is the upper inverse of the Bernoulli KL "
        "divergence. Here: <code>kl^-1("
        f"{_fmt(result.get('train_error'), 6)}, ({_fmt(result.get('bits_total'))} * ln 2 + ln(1/{_fmt(result.get('delta'), None)})) "
        f"/ {_fmt(result.get('n_bound'))}) = {_fmt(result.get('error_bound'), 6)}</code>.</p>"
    )


def render_certificate_report(result: dict, config: dict, metrics: list[dict]) -> str:
    """The certificate page as one HTML string (plots embedded as base64 PNG, no external files)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    title = f"genlab certificate: {_fmt(result.get('dataset'))} / {_fmt(result.get('model'))}"
    verdict, good = _verdict(result)
    note = ""
    if result.get("prior") == "data-dependent":
        note = (
            f'<div class="note">theta_0 was trained on n_prior = {_fmt(result.get("n_prior"))} held-out training examples; '
            f"the bound uses only the remaining n_bound = {_fmt(result.get('n_bound'))} examples (n shrinks accordingly).</div>"
        )
    env = result.get("environment") or {}
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="verdict {"good" if good else "bad"}">{verdict}</p>',
        "<h2>Summary</h2>", _summary(result), note,
        "<h2>Beside its baselines</h2>", _baselines(result), _errors_plot(result, Figure),
        "<h2>Bits</h2>", _bits(result, Figure),
        "<h2>Quantization levels</h2>", _quantization(result, Figure),
        "<h2>Grid of candidates</h2>", _grid(result),
        "<h2>Training curves</h2>", _curves(metrics, Figure),
        "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>",
        "<h2>Environment</h2>", _table(["key", "value"], [[k, v] for k, v in env.items()]),
        "<h2>How to check this certificate</h2>", _how_to_check(result),
        "</body></html>",
    ]
    return "\n".join(parts)


def _read_metrics(path: Path) -> list[dict]:
    """metrics.jsonl records; a missing file is empty, a line cut by a crash is skipped."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def write_certificate_report(run_folder: str | Path) -> Path:
    """Write ``run_folder/report.html`` (atomically) from the run's JSON files; returns its path."""
    folder = Path(run_folder)
    result, config = read_run(folder)
    return _write_page(folder, render_certificate_report(result, config, _read_metrics(folder / "metrics.jsonl")))


def read_run(folder: Path) -> tuple[dict, dict]:
    """(result.json, config.json) of a completed run folder (config {} if absent)."""
    result_path = folder / "result.json"
    if not result_path.is_file():
        raise FileNotFoundError(f"{result_path} not found: a report needs a completed run folder (see `genlab runs`)")
    config_path = folder / "config.json"
    return json.loads(result_path.read_text()), json.loads(config_path.read_text()) if config_path.is_file() else {}


def page_writer(render, kind: str, *, folder_too: bool = False):
    """``write(run_folder)``: the page ``render(result, config)`` (``render(result, config, folder)``
    with ``folder_too``) of a completed run folder, written atomically to its report.html."""

    def write(run_folder: str | Path) -> Path:
        folder = Path(run_folder)
        result, config = read_run(folder)
        return _write_page(folder, render(result, config, folder) if folder_too else render(result, config))

    write.__doc__ = f"Write ``run_folder/report.html`` of {kind} (atomically); returns its path."
    return write


def _write_page(folder: Path, page: str, name: str = "report.html") -> Path:
    """``folder/name``, written atomically (a temporary file renamed into place)."""
    out = folder / name
    tmp = folder / f".{name}.tmp-{os.getpid()}"
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
