"""The SAM-features page: per rho, the probes of the item (hard) and digit (simple) features
against the same probes at initialisation, and in-distribution accuracy (from result.json only)."""

from __future__ import annotations

import html
import json

import numpy as np

from genlab.report._certificate import CSS, _img, _table, page_writer

PAPER = ("Springer, Nagarajan &amp; Raghunathan (ICLR 2024) report, on the FMNIST-MNIST Dominoes, that SAM's penultimate layer decodes the harder "
         "feature better than SGD's at the same in-distribution accuracy (their Table 1).")


def render_features_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c = result["config"]
    summary = result["summary"]
    rhos = list(summary)
    base = summary.get("0.0")
    best = max(rhos, key=lambda r: summary[r]["probe_item"])
    headline = "item (hard feature) probe: " + ", ".join(f"rho {r}: {summary[r]['probe_item']:.3f}" for r in rhos) + f"; at initialisation {summary[rhos[0]]['init_item']:.3f}"
    if base is not None and best != "0.0":
        headline += f"; best rho {best} is {100 * (summary[best]['probe_item'] - base['probe_item']):+.1f} points over SGD"
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    for k, (key, label) in enumerate((("probe_item", "item (hard)"), ("probe_digit", "digit (simple)"))):
        for r in rhos:
            pts = [row[key] for row in result["runs"] if str(row["rho"]) == r]
            ax.scatter([float(r) + 0.002 * k] * len(pts), pts, s=14, color=f"C{k}")
        ax.plot([float(r) for r in rhos], [summary[r][key] for r in rhos], "-o", color=f"C{k}", label=label)
        ax.axhline(summary[rhos[0]]["init_item" if k == 0 else "init_digit"], color=f"C{k}", ls=":", lw=1)
    ax.set(xlabel="SAM rho (0: SGD)", ylabel="linear-probe accuracy (decorrelated data)", title="dotted: the same probe at initialisation")
    ax.legend(fontsize=8)
    rows = [[r, summary[r]["test_accuracy"], summary[r]["probe_item"], summary[r]["probe_digit"], summary[r]["init_item"], summary[r]["init_digit"]] for r in rhos]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>genlab SAM features</title><style>{CSS}</style></head><body>",
             f"<h1>genlab SAM features: Dominoes, p = {c['p']}</h1>", f'<p class="verdict {"good" if base is not None and best != "0.0" else "bad"}">{html.escape(headline)}</p>', f"<p>{PAPER}</p>",
             _img(fig), _table(["rho", "in-distribution accuracy", "item probe", "digit probe", "item probe at init", "digit probe at init"], rows),
             f"<p>Means over {c['seeds']} seed(s); spread of the item probe over seeds: "
             + ", ".join(f"rho {r}: {np.std([row['probe_item'] for row in result['runs'] if str(row['rho']) == r]):.3f}" for r in rhos) + ".</p>",
             *_paired(result["runs"], rhos),
             "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


def _paired(runs: list, rhos: list) -> list[str]:
    """Per SAM radius, the item probe minus SGD's from the same initialisation, seed by seed (every
    rho of a seed starts from that seed's initialisation, so the pairing removes its variance)."""
    sgd = {row["seed"]: row["probe_item"] for row in runs if float(row["rho"]) == 0}
    if not sgd or len(rhos) < 2:
        return []
    rows = []
    for r in rhos:
        if float(r) == 0:
            continue
        d = [row["probe_item"] - sgd[row["seed"]] for row in runs if str(row["rho"]) == r and row["seed"] in sgd]
        rows.append([r, " ".join(f"{100 * v:+.2f}" for v in d), f"{100 * np.mean(d):+.2f}", f"{sum(v > 0 for v in d)} of {len(d)}"])
    return ["<h2>SAM against SGD, seed by seed</h2>",
            _table(["rho", "item probe minus SGD's, per seed (points)", "mean (points)", "seeds above SGD"], rows)]


write_features_report = page_writer(render_features_report, "a sam-features run")
