"""The ResMem page: test accuracy of each base model and of ResMem against model size, the gain,
and each width's validation grid over k and sigma (from result.json only)."""

from __future__ import annotations

import html
import json

from genlab.report._certificate import CSS, _img, _table, page_writer

PAPER = ("Yang, Lukasik, Nagarajan, Li, Rawat, Zaheer, Menon &amp; Kumar (NeurIPS 2023, &ldquo;ResMem: Learn what you can and memorize the "
         "rest&rdquo;) add to a trained classifier a soft k-nearest-neighbour regressor of its training residuals (one-hot label minus softmax) in "
         "its penultimate features; the prediction is their sum. It memorizes the training set exactly and improved test accuracy on CIFAR-100, "
         "ImageNet and language tasks, most for small base models.")


def _sizes(rows: list, Figure) -> str:
    fig = Figure(figsize=(6.4, 3.8))
    ax, ax2 = fig.subplots(1, 2)
    params = [r["n_parameters"] for r in rows]
    ax.plot(params, [r["base_test_accuracy"] for r in rows], "o-", label="base model")
    ax.plot(params, [r["resmem_test_accuracy"] for r in rows], "s-", label="ResMem")
    ax.set(xscale="log", xlabel="base-model parameters", ylabel="test accuracy")
    ax.legend(fontsize=8)
    ax2.bar([str(r["width"]) for r in rows], [100 * r["gain"] for r in rows], color="C2")
    ax2.axhline(0, color="k", lw=0.8)
    ax2.set(xlabel="width", ylabel="gain (points)")
    fig.tight_layout()
    return _img(fig)


def _grid(row: dict, ks: list, sigmas: list) -> str:
    table = [[k] + [row["validation"].get(f"{k},{s:g}") for s in sigmas] for k in ks]
    return f"<h3>width {row['width']}: validation accuracy (base {row['base_validation_accuracy']:.4f})</h3>" + _table(["k \\ sigma"] + [f"{s:g}" for s in sigmas], table)


def render_resmem_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c, rows = result["config"], result["rows"]
    title = f"genlab ResMem: {html.escape(c['dataset'])} / {html.escape(c['model'])}"
    better = sum(r["gain"] > 0 for r in rows)
    headline = f"ResMem beats its base model at {better} of {len(rows)} widths; gains " + ", ".join(f"{100 * r['gain']:+.2f}" for r in rows) + " points"
    table = [[r["width"], r["n_parameters"], r["base_train_accuracy"], r["base_test_accuracy"], r["resmem_test_accuracy"], 100 * r["gain"], r["k"], r["sigma"]] for r in rows]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
             f"<h1>{title}</h1>", f'<p class="verdict {"good" if better == len(rows) else "bad"}">{html.escape(headline)}</p>', f"<p>{PAPER}</p>",
             f"<p>{result['n_train']:,} memorized training examples; k and sigma chosen on {result['n_validation']:,} held-out training examples "
             f"(sigma in units of the median nearest-neighbour distance); {result['n_test']:,} test examples; {result['wall_seconds']} s.</p>",
             "<h2>Accuracy against model size</h2>", _sizes(rows, Figure),
             _table(["width", "parameters", "base train accuracy", "base test accuracy", "ResMem test accuracy", "gain (points)", "k", "sigma"], table),
             "<h2>Choosing k and sigma</h2>", *(_grid(r, list(c["ks"]), list(c["sigmas"])) for r in rows),
             "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


write_resmem_report = page_writer(render_resmem_report, "a ResMem run")
