"""The hypersphere page: test error and error on S' against m, distance from initialisation, and
the norm-based bound terms against m (from result.json only)."""

from __future__ import annotations

import html
import json

from genlab.report._certificate import CSS, _img, _table, page_writer

PAPER = ("Nagarajan &amp; Kolter (NeurIPS 2019, &ldquo;Uniform convergence may be unable to explain generalization in deep learning&rdquo;): "
         "on two concentric hyperspheres, a ReLU network trained by SGD generalizes better as m grows, yet it misclassifies almost every point of S', "
         "its training set moved onto the other sphere with the labels flipped accordingly. S' is as likely a sample as S, so any bound that holds "
         "uniformly over the networks SGD outputs, even two-sided and algorithm-dependent, must be near 1: vacuous.")

TERMS = {"pac_bayes_init/bound": "PAC-Bayes, from init (Neyshabur et al. 2018)", "pac_bayes_origin/bound": "PAC-Bayes, from origin",
         "covering_init/bound": "covering, from init (Bartlett et al. 2017)", "unilayer/bound": "one hidden layer (Neyshabur et al. 2019)"}


def _errors(rows: list, Figure) -> str:
    fig = Figure(figsize=(9.6, 3.6))
    ax, ax2, ax3 = fig.subplots(1, 3)
    m = [r["m"] for r in rows]
    ax.plot(m, [r["test_error"] for r in rows], "o-", label="test error")
    ax.plot(m, [r["s_prime_error"] for r in rows], "s-", label="error on S'")
    ax.plot(m, [r["train_error"] for r in rows], "^--", label="train error")
    ax.set(xscale="log", xlabel="training points m", ylabel="error", ylim=(-0.02, 1.05))
    ax.legend(fontsize=8)
    ax2.plot(m, [r["distance_from_init"] for r in rows], "o-", color="C3")
    ax2.set(xscale="log", xlabel="training points m", ylabel="distance from initialisation")
    for key, label in TERMS.items():
        ax3.plot(m, [r[key] for r in rows], "o-", label=label)
    ax3.set(xscale="log", yscale="log", xlabel="training points m", ylabel="term / (margin sqrt m)")
    ax3.legend(fontsize=6)
    fig.tight_layout()
    return _img(fig)


def render_uniform_convergence_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c, rows, slopes = result["config"], result["rows"], result["slopes"]
    title = f"genlab uniform convergence: hyperspheres in d = {c['dim']}, width {c['width']}"
    headline = (f"test error {rows[0]['test_error']:.3f} at m = {rows[0]['m']} -> {rows[-1]['test_error']:.3f} at m = {rows[-1]['m']}; "
                f"error on S' {min(r['s_prime_error'] for r in rows):.3f} or more at every m")
    table = [[r["m"], r["epochs"], r["train_margin_error"], r["test_error"], r["s_prime_error"], r["distance_from_init"]] + [r[k] for k in TERMS] for r in rows]
    fmt = lambda v: "n/a" if v is None else f"{v:+.3f}"  # noqa: E731
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
             f"<h1>{title}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>', f"<p>{PAPER}</p>",
             f"<p>Radii {c['radii'][0]:g} and {c['radii'][1]:g}; training stops when at most {c['threshold']:.0%} of the points have a margin below "
             f"{c['margin']:g}; {c['test_size']:,} test points; {result['wall_seconds']} s. The bound terms are numerators over margin x sqrt(m), "
             "without constants or log factors, as in the paper's plots: they show how the bounds move with m, not certificates.</p>",
             "<h2>Error, distance and bound terms against m</h2>", _errors(rows, Figure),
             _table(["m", "epochs", "share below margin", "test error", "error on S'", "distance from init"] + list(TERMS.values()), table),
             "<h2>Slopes in log-log (value ~ m^slope)</h2>", _table(["quantity", "slope"], [[k, fmt(v)] for k, v in slopes.items()]),
             "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


write_uniform_convergence_report = page_writer(render_uniform_convergence_report, "a uniform-convergence run")
