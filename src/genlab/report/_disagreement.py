"""The disagreement page: the label-free estimate beside the test error it estimates, per source
of randomness, and the vote ensemble's calibration that bounds their difference (from
result.json only)."""

from __future__ import annotations

import html
import json

import numpy as np

from genlab.report._certificate import CSS, _fmt, _img, _table, page_writer

_STATUS = {
    "consistent": ("good", "the estimate agrees with the test error within 3 standard errors"),
    "underestimate": ("bad", "the runs agree more often than they are right: the estimate is too low (the ensemble is over-confident)"),
    "overestimate": ("bad", "the runs disagree more often than they err: the estimate is too high (the ensemble is under-confident)"),
    "unverified": ("note", "no labels were given, so the estimate is unverified: the equality holds only for a calibrated ensemble, "
                   "and calibration needs labels (Kirsch & Gal 2022)"),
}

INIT_HINT = ("The runs start from PyTorch's default initialisation, whose networks compute almost nothing at the start; runs on the same data "
             "then tend to agree more than they err. He et al.'s initialisation (--init he) gives the seed its say: see docs/estimate.md.")


def init_hint(model_init: str | None) -> str:
    """The page's note for an underestimate by runs of PyTorch's default initialisation (``None``:
    a result written before the init option, which had it)."""
    return f'<p class="note">{html.escape(INIT_HINT)}</p>' if model_init in (None, "torch") else ""


def _same_data_underestimates(result: dict) -> bool:
    """A source whose pairs share their training data (diffinit, difforder) underestimates."""
    return isinstance(result.get("model"), dict) and any(d.get("status") == "underestimate" for s, d in result["dis_by_source"].items() if s in ("diffinit", "difforder"))


def _sources_table(result: dict) -> str:
    rows = []
    for source, d in result["dis_by_source"].items():
        rows.append([source, d["dis"], f"[{d['ci'][0]:.4f}, {d['ci'][1]:.4f}]", d.get("test_error"), d.get("gap"), d.get("se"), d.get("cace"), d.get("cwce"), d.get("ece"),
                     d.get("status", "unverified")])
    return _table(["source", "disagreement", "95% interval", "test error", "dis - err", "s.e.", "CACE", "CWCE", "ECE", "status"], rows)


def _scatter(result: dict, Figure) -> str:
    fig = Figure(figsize=(4.6, 4.2))
    ax = fig.subplots()
    top = 0.0
    for source, d in result["dis_by_source"].items():
        if "per_run_error" not in d:
            continue
        err = [(d["per_run_error"][2 * p] + d["per_run_error"][2 * p + 1]) / 2 for p in range(len(d["per_pair"]))]
        ax.scatter(err, d["per_pair"], label=source, s=25)
        top = max(top, *err, *d["per_pair"])
    if top == 0.0:
        return "<p>No labels: nothing to compare the disagreement with.</p>"
    top *= 1.15
    ax.plot([0, top], [0, top], "k--", lw=1, label="y = x")
    ax.fill_between([0, top], [0, 0.9 * top], [0, 1.1 * top], color="0.85", label="y = (1 ± 0.1) x")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("test error (mean of the pair)")
    ax.set_ylabel("disagreement of the pair")
    ax.legend(fontsize=8)
    return _img(fig)


def _reliability(result: dict, Figure) -> str:
    fig = Figure(figsize=(4.6, 4.2))
    ax = fig.subplots()
    drawn = False
    for source, d in result["dis_by_source"].items():
        r = d.get("reliability")
        if r:
            ax.plot(r["confidence"], r["frequency"], "o-", label=f"{source} (CACE {d['cace']:.3f})")
            drawn = True
    if not drawn:
        return ""
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.set_xlabel("vote share h_k(x) (class-aggregated bins)")
    ax.set_ylabel("share of (x, k) with y = k")
    ax.legend(fontsize=8)
    return _img(fig)


def _shift(result: dict, Figure) -> str:
    shifts = result.get("shift") or {}
    if not shifts:
        return ""
    from scipy.stats import norm

    methods = list(next(iter(shifts.values()))["mae"])
    rows = [[spec, a["models"], a["agreement_line"]["slope"], a["agreement_line"]["bias"], a["agreement_line"]["r2"], a["accuracy_line"]["r2"],
             float(np.mean(a["ood_accuracy"])), *[a["mae"][k] for k in methods]] for spec, a in shifts.items()]
    parts = ["<h2>Accuracy under shift (agreement-on-the-line)</h2>",
             "<p>Every run's checkpoints are the models. Agreements of model pairs (no labels needed on the shifted inputs) are fitted by a line in "
             "probit space; ALine-S and ALine-D (Baek, Jiang, Raghunathan &amp; Kolter 2022) turn it into each model's accuracy on the shifted inputs, beside "
             "naive agreement, average confidence (AC) and difference of confidences (DOC). The estimates hold where the accuracies lie on a line too "
             "(R<sup>2</sup> of the accuracy line, measured here with the labels).</p>",
             _table(["shift", "models", "agreement slope", "bias", "R² (agreement)", "R² (accuracy)", "mean OOD accuracy", *[f"MAE {k}" for k in methods]], rows)]
    fig = Figure(figsize=(3.3 * len(shifts), 3.2))
    for ax, (spec, a) in zip(np.atleast_1d(fig.subplots(1, len(shifts))), shifts.items()):
        clip = lambda v: norm.ppf(np.clip(np.asarray(v), 1e-4, 1 - 1e-4))  # noqa: E731
        ax.scatter(clip(a["pair_agreement"]["id"]), clip(a["pair_agreement"]["ood"]), s=6, alpha=0.5, label="agreement (pairs)")
        ax.scatter(clip(a["id_accuracy"]), clip(a["ood_accuracy"]), s=10, marker="x", label="accuracy (models)")
        xs = np.linspace(*ax.get_xlim(), 2)
        ax.plot(xs, a["agreement_line"]["slope"] * xs + a["agreement_line"]["bias"], "k--", lw=1)
        ax.set(title=spec, xlabel="probit ID", ylabel="probit OOD")
    np.atleast_1d(fig.axes)[0].legend(fontsize=7)
    fig.tight_layout()
    parts.append(_img(fig))
    return "\n".join(parts)


def render_disagreement_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c = result["config"]
    model = result.get("model", {})
    title = f"genlab disagreement: {_fmt(result.get('dataset'))} / {_fmt(model.get('name'))}"
    first = result["dis_by_source"][c["source"][0]]
    headline = (f"estimated test error {result['error_estimate']:.4f} (95% interval {result['ci'][0]:.4f} to {result['ci'][1]:.4f}) "
                f"from {c['pairs']} {c['source'][0]} pairs on {result['n_unlabeled']} unlabelled inputs")
    if "test_error" in first:
        headline += f"; measured test error {first['test_error']:.4f}"
    cls, words = _STATUS[result["status"]]
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>", f'<p class="verdict {"good" if cls == "good" else "bad"}">{html.escape(headline)}</p>',
        f'<p class="note">{html.escape(result["status"])}: {html.escape(words)}.</p>',
        init_hint((result.get("model") or {}).get("init")) if _same_data_underestimates(result) else "",
        "<p>Two runs of the same recipe disagree on an input as often, on average, as one run errs, when the ensemble of runs is "
        "class-wise calibrated (Jiang, Nagarajan, Baek &amp; Kolter, ICLR 2022). With labels, their Theorem 4.2 bounds the difference "
        "by the ensemble's class-aggregated calibration error: |E dis - E err| &le; CACE.</p>",
        "<h2>Per source of randomness</h2>", _sources_table(result),
        "<h2>Disagreement against test error</h2>", _scatter(result, Figure),
        "<h2>Calibration of the vote ensemble</h2>", _reliability(result, Figure),
        "<h2>Theorem 4.2, checked</h2>",
        _table(["source", "E dis (two runs drawn from the ensemble)", "E err", "|difference|", "CACE", "holds"],
               [[s, d["expected_dis"], d["expected_err"], abs(d["expected_dis"] - d["expected_err"]), d["cace"], "yes" if abs(d["expected_dis"] - d["expected_err"]) <= d["cace"] + 1e-12 else "NO"]
                for s, d in result["dis_by_source"].items() if "cace" in d]),
        _shift(result, Figure),
        "<h2>Runs</h2>", _table(["run", "train accuracy"], [[k, v] for k, v in result["train_accuracy"].items()]),
        "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts)


write_disagreement_report = page_writer(render_disagreement_report, "a disagree run")
