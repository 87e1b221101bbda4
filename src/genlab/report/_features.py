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
             f"<h1>genlab SAM features: Dominoes, p = {c['p']}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>', f"<p>{PAPER}</p>",
             _img(fig), _table(["rho", "in-distribution accuracy", "item probe", "digit probe", "item probe at init", "digit probe at init"], rows),
             f"<p>Means over {c['seeds']} seed(s); spread of the item probe over seeds: "
             + ", ".join(f"rho {r}: {np.std([row['probe_item'] for row in result['runs'] if str(row['rho']) == r]):.3f}" for r in rhos) + ".</p>",
             "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


write_features_report = page_writer(render_features_report, "a sam-features run")
