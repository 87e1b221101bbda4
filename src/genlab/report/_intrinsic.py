"""The intrinsic-dimension page: the score of every subspace dimension tried, the two targets and
the d found against each (from result.json only)."""

from __future__ import annotations

import html
import json

from genlab.report._certificate import CSS, _fmt, _img, _table, page_writer


def render_intrinsic_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c = result["config"]
    share = c["threshold"]
    title = f"genlab intrinsic dimension: {_fmt(result.get('dataset'))} / {_fmt((result.get('model') or {}).get('name'))} (D = {result['n_parameters']:,})"
    headline = f"d_{round(100 * share)} = {_fmt(result['d_paper'])} against the paper's baseline (score {share:.2f})"
    if result["full_score"] is not None:
        headline += f"; {_fmt(result['d_own'])} against {share:.0%} of the full-space model's {result['full_score']:.4f}"
    fig = Figure(figsize=(6.4, 3.8))
    ax = fig.subplots()
    d, score = zip(*result["curve"])
    ax.plot(d, score, "o-", label="subspace of dimension d")
    ax.axhline(share, color="k", ls=":", lw=1, label=f"{share:.2f} (the paper's baseline)")
    if result["full_score"] is not None:
        ax.axhline(share * result["full_score"], color="C2", ls="--", lw=1, label=f"{share:.0%} of the full space")
    ax.set(xscale="log", xlabel="d", ylabel="test score")
    ax.legend(fontsize=8)
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
             f"<h1>{title}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>',
             "<p>Only z in theta = theta_0 + P z is trained, P a random structured projection (Li, Farkhoor, Liu &amp; Yosinski, ICLR 2018); the intrinsic "
             "dimension is the smallest d reaching the target, from a grid and then bisection.</p>",
             _img(fig), _table(["d", "score"], [list(r) for r in result["curve"]]),
             "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


write_intrinsic_report = page_writer(render_intrinsic_report, "an intrinsic-dimension run")
