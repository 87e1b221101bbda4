"""The zoo page: disagreement against test error over the configurations, the measures ranked
(tau, Psi, CMI) with a per-axis heatmap and scatter plots, and the weights' spectra (from
result.json and spectra.json only)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from genlab.report._certificate import CSS, _fmt, _img, _table, page_writer
from genlab.report._disagreement import init_hint


def _gde_plot(result: dict, Figure) -> str:
    fig = Figure(figsize=(5.2, 4.6))
    ax = fig.subplots()
    top = 0.0
    for name, label in (("seeds", "same data, two seeds"), ("alldiff", "AllDiff (disjoint data)")):
        pts = [(c[f"err_{name}"], c[f"dis_{name}"]) for c in result["configs"] if c["converged"] and f"dis_{name}" in c]
        if pts:
            err, dis = np.array(pts).T
            ax.scatter(err, dis, s=14, label=label)
            top = max(top, err.max(), dis.max())
    if top == 0:
        return ""
    top *= 1.1
    ax.plot([0, top], [0, top], "k--", lw=1, label="y = x")
    ax.fill_between([0, top], [0, 0.9 * top], [0, 1.1 * top], color="0.88", label="y = (1 ± 0.1) x")
    ax.set(xlim=(0, top), ylim=(0, top), xlabel="test error", ylabel="disagreement")
    ax.legend(fontsize=8)
    return _img(fig)


def _gde_table(result: dict) -> str:
    rows = [[name, g["n"], g["mean_abs_gap"], g["tau"], g["mean_ratio"], g["min_ratio"]] for name, g in result.get("gde", {}).items()]
    table = _table(["pairing", "configurations", "mean |dis - err|", "Kendall tau(dis, err)", "mean dis / err", "min dis / err"], rows)
    seeds = result.get("gde", {}).get("seeds")
    if seeds and seeds["mean_ratio"] < 1 / 1.3:  # below Jiang et al.'s band for same-data runs, x <= y <= 1.3 x
        table += (f'<p class="verdict bad">Same-data seeds underestimate the test error: their mean dis / err is {seeds["mean_ratio"]:.2f}, below '
                  "Jiang et al.'s band for them (err at most 1.3 x dis). Read their disagreement as a lower bound on the test error.</p>" + init_hint(result.get("init")))
    return table


def _ranking(result: dict) -> str:
    rows = sorted(result["ranking"], key=lambda r: -r["psi"] if r["psi"] == r["psi"] else 1e9)
    strata = next((k for k in rows[0] if k.startswith("tau_by_")), None) if rows else None
    header = ["measure", "tau", "95% interval", "Psi", "CMI x 100", "95% interval"] + ([f"tau at {strata[7:]}={v}" for v in rows[0][strata]] if strata else [])
    body = [[r["measure"], r["tau"], f"[{r['tau_ci'][0]:+.3f}, {r['tau_ci'][1]:+.3f}]", r["psi"], r.get("cmi"),
             f"[{r['cmi_ci'][0]:.2f}, {r['cmi_ci'][1]:.2f}]" if "cmi_ci" in r else "n/a"] + ([r[strata].get(v) for v in rows[0][strata]] if strata else []) for r in rows]
    return _table(header, body)


def _heatmap(result: dict, Figure) -> str:
    rows = sorted(result["ranking"], key=lambda r: -r["psi"] if r["psi"] == r["psi"] else 1e9)
    if not rows:
        return ""
    axes = list(rows[0]["per_axis"])
    values = np.array([[r["per_axis"][a] for a in axes] for r in rows], dtype=float)
    fig = Figure(figsize=(1.2 + 1.1 * len(axes), 0.28 * len(rows) + 1.2))
    ax = fig.subplots()
    im = ax.imshow(values, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(len(axes)), axes)
    ax.set_yticks(range(len(rows)), [r["measure"] for r in rows], fontsize=7)
    for i in range(len(rows)):
        for j in range(len(axes)):
            if np.isfinite(values[i, j]):
                ax.text(j, i, f"{values[i, j]:+.2f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, label="tau within the axis")
    return _img(fig)


def _scatters(result: dict, Figure, count: int = 4) -> str:
    target = result.get("ranking_target", "gap")
    best = sorted((r for r in result["ranking"] if r["measure"] != "disagreement"), key=lambda r: -abs(r["psi"]) if r["psi"] == r["psi"] else 0)[:count]
    if not best:
        return ""
    rows = [c for c in result["configs"] if c["converged"]]
    fig = Figure(figsize=(3.2 * len(best), 3.0))
    for ax, r in zip(np.atleast_1d(fig.subplots(1, len(best))), best):
        m = [np.mean([np.nan if run["measures"].get(r["measure"]) is None else run["measures"][r["measure"]] for run in c["runs"] if run["data"] == 0]) for c in rows]
        ax.scatter(m, [c[target] for c in rows], s=10, c=[c["hparams"].get("depth", 1) for c in rows], cmap="viridis")
        ax.set(xlabel=r["measure"], ylabel=target, title=f"Psi {r['psi']:+.2f}")
    fig.tight_layout()
    return _img(fig)


def _spectra(folder: Path, Figure) -> str:
    path = folder / "spectra.json"
    if not path.is_file():
        return f"<p>Not computed yet: <code>genlab weightwatch {html.escape(str(folder))}</code> adds them.</p>"
    spectra = json.loads(path.read_text())
    shown = [r for r in spectra["runs"] if any("eigenvalues" in layer for layer in r["layers"])][:3]
    parts = [f"<p>{len(spectra['runs'])} runs in {spectra['wall_seconds']} s. Log-log histograms of the eigenvalues of W<sup>T</sup>W, "
             "the fitted tail's start x<sub>min</sub> dashed.</p>"]
    for r in shown:
        layers = [layer for layer in r["layers"] if "eigenvalues" in layer]
        fig = Figure(figsize=(3.0 * len(layers), 2.6))
        for ax, layer in zip(np.atleast_1d(fig.subplots(1, len(layers))), layers):
            ev = np.asarray(layer["eigenvalues"])
            ev = ev[ev > 1e-5]
            ax.hist(ev, bins=np.logspace(np.log10(ev.min()), np.log10(ev.max()), 30), density=True)
            ax.set(xscale="log", yscale="log", title=f"layer {layer['layer']}: alpha {layer['alpha']:.2f}")
            ax.axvline(layer["xmin"], color="k", ls="--", lw=1)
        fig.tight_layout()
        parts += [f"<p>{html.escape(' '.join(f'{k}={v}' for k, v in r['hparams'].items()))}, seed {r['seed']}</p>", _img(fig)]
    return "\n".join(parts)


def render_zoo_report(result: dict, config: dict, folder: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    title = f"genlab zoo: {_fmt(result.get('dataset'))} / {_fmt(result.get('model'))}"
    configs = result["configs"]
    dropped = len(configs) - result["n_converged"]
    headline = f"{len(configs)} configurations, {result['n_converged']} converged to training cross-entropy {result['config']['stop_ce']}"
    if result.get("init"):  # results written before the init option had PyTorch's default
        headline += "; weights initialised as " + {"he": "He et al. (2015) do", "torch": "PyTorch does by default"}.get(result["init"], result["init"])
    runs = [[" ".join(f"{k}={v}" for k, v in c["hparams"].items()), c["gap"], c["test_error"], c.get("dis_seeds"), c.get("dis_alldiff"),
             max(r["epochs"] for r in c["runs"]), "yes" if c["converged"] else "NO"] for c in configs]
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>',
        f'<p class="note">{dropped} configuration(s) did not reach the target within {result["config"]["max_epochs"]} epochs and are left out of every statistic.</p>' if dropped else "",
        "<h2>Disagreement against test error</h2>",
        "<p>Per configuration, the disagreement of two runs on the test inputs (no labels) against their mean test error "
        "(Jiang, Nagarajan, Baek &amp; Kolter 2022).</p>", _gde_table(result), _gde_plot(result, Figure),
        f"<h2>Measures ranked by how they order the {html.escape(result.get('ranking_target', 'gap'))}, over "
        f"{'the converged configurations' if result.get('ranking_converged_only', True) else 'every configuration'}</h2>",
        "<p>tau: Kendall's rank correlation over configurations (the interval bootstraps the configurations); Psi: the mean over axes of tau "
        "within groups where only that axis varies (Jiang et al. 2020); CMI: the PGDL competition's conditional mutual information "
        "(x 100; an unrelated measure scores about 2 on 81 configurations, not 0).</p>", _ranking(result),
        "<h2>Per axis</h2>", _heatmap(result, Figure),
        "<h2>The best measures against the target</h2>", _scatters(result, Figure),
        "<h2>Spectra of the weights</h2>", _spectra(folder, Figure),
        "<h2>Configurations</h2>", _table(["configuration", "gap", "test error", "dis (seeds)", "dis (AllDiff)", "epochs (max over runs)", "converged"], runs),
        "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts)


write_zoo_report = page_writer(render_zoo_report, "a zoo run", folder_too=True)
