"""The double-descent page: train and test error against model size, the interpolation threshold
marked, and (MLP) test error over epochs per width (from result.json only)."""

from __future__ import annotations

import html
import json

from genlab.report._certificate import CSS, _img, _table, page_writer


def _sweep(result: dict, Figure) -> str:
    c = result["config"]
    fig = Figure(figsize=(6.4, 3.8))
    ax = fig.subplots()
    ax.plot(result["widths"], result["test_error"], "o-", label="test error")
    ax.plot(result["widths"], result["train_error"], "s--", label="train error")
    if c["model"] == "random-features":
        ax.axvline(c["n"], color="k", ls=":", lw=1, label=f"N = n = {c['n']}")
    elif result["interpolation_width"] is not None:
        ax.axvline(result["interpolation_width"], color="k", ls=":", lw=1, label="first zero train error")
    ax.set(xscale="log", xlabel="features N" if c["model"] == "random-features" else "hidden units", ylabel="error")
    ax.legend(fontsize=8)
    return _img(fig)


def _epochs(result: dict, Figure) -> str:
    if not result["curves"]:
        return ""
    fig = Figure(figsize=(6.4, 3.8))
    ax = fig.subplots()
    for width, curve in result["curves"].items():
        ax.plot(result["epochs"][width], curve["test"], label=f"width {width}")
    ax.set(xlabel="epoch", ylabel="test error", title="test error over epochs (seed 0)")
    ax.legend(fontsize=7, ncol=2)
    return "<h2>Over epochs</h2>" + _img(fig)


def render_double_descent_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c = result["config"]
    title = f"genlab double descent: {html.escape(c['dataset'])} / {html.escape(c['model'])}, n = {c['n']}"
    if result["peak"]:
        headline = (f"test error peaks at {result['peak'][1]:.3f} (width {result['peak'][0]}), {result['peak_ratio']:.1f}x its first minimum "
                    f"{result['first_minimum'][1]:.3f} (width {result['first_minimum'][0]}); the widest model: {result['test_error'][-1]:.3f}")
    else:
        headline = "no peak: the test error has no local minimum before the model interpolates"
    rows = [[w, tr, te] for w, tr, te in zip(result["widths"], result["train_error"], result["test_error"])]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
             f"<h1>{title}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>',
             "<p>Belkin, Hsu, Ma &amp; Mandal (PNAS 2019) measured, for random-feature models on MNIST, a test error that peaks where the number of features "
             "equals the number of training examples and falls again beyond; Nakkiran et al. (ICLR 2020) found the same in deep networks, most clearly with label noise.</p>",
             f"<p>label noise {c['label_noise']:.0%}; {c['seeds']} seed(s); {result['wall_seconds']} s.</p>",
             "<h2>Error against model size</h2>", _sweep(result, Figure), _table(["width", "train error", "test error"], rows),
             _epochs(result, Figure),
             "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


write_double_descent_report = page_writer(render_double_descent_report, "a double-descent run")
