"""The distillation-deviation page: the student's against the teacher's probability of the true
label (points and bins), the slopes with their intervals, and the test accuracies (from
result.json only)."""

from __future__ import annotations

import html
import json

from genlab.report._certificate import CSS, _img, _table, page_writer

PAPER = ("Nagarajan, Menon, Bhojanapalli, Mobahi &amp; Kumar (NeurIPS 2023, &ldquo;On student-teacher deviations in distillation: does it pay "
         "to disobey?&rdquo;) found that a distilled student does not copy its teacher's probabilities: it exaggerates the teacher's confidence, "
         "lower still where the teacher is unsure, and that switching to distillation mid-training recovers much of its gain.")


def _deviation_plot(result: dict, Figure) -> str:
    fig = Figure(figsize=(9.6, 3.8))
    ax, ax2 = fig.subplots(1, 2)
    first = result["seeds"][0]
    ax.scatter(first["points"]["teacher"], first["points"]["distilled"], s=3, alpha=0.3)
    ax.plot([0, 1], [0, 1], "k:", lw=1)
    ax.set(xlabel="teacher p(true label)", ylabel="distilled student p(true label)", title="training points (seed 0)")
    for k, name in enumerate(("distilled", "switch", "one-hot")):
        bins = first["deviation"][name]["bins"]
        ax2.plot([b["teacher"] for b in bins], [b["student"] for b in bins], "o-", color=f"C{k}", label=name)
    ax2.plot([0, 1], [0, 1], "k:", lw=1)
    ax2.set(xlabel="teacher p(true label), bin mean", ylabel="student p(true label), bin mean", title="binned by teacher confidence (seed 0)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return _img(fig)


def _accuracy_plot(result: dict, Figure) -> str:
    fig = Figure(figsize=(6.4, 3.4))
    ax = fig.subplots()
    names = list(result["summary"])
    for k, name in enumerate(names):
        acc = [r["test_accuracy"][name] for r in result["seeds"]]
        ax.scatter([k] * len(acc), acc, color=f"C{k}")
    ax.set(xticks=range(len(names)), xticklabels=names, ylabel="test accuracy")
    return _img(fig)


def render_distillation_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c, summary = result["config"], result["summary"]
    title = f"genlab distillation deviations: {html.escape(c['dataset'])} / {html.escape(c['model'])}"
    d = summary["distilled"]
    headline = (f"distilled student: slope {d['slope_mean']:.3f} (mean over seeds; above 1 exaggerates the teacher's confidence); test accuracy "
                f"{d['test_accuracy_mean']:.4f} against the one-hot student's {summary['one-hot']['test_accuracy_mean']:.4f} and the teacher's "
                f"{summary['teacher']['test_accuracy_mean']:.4f}")
    slopes = [[r["seed"], name, r["deviation"][name]["slope"], f"[{r['deviation'][name]['slope_ci'][0]:.3f}, {r['deviation'][name]['slope_ci'][1]:.3f}]",
               r["deviation"][name]["intercept"], "yes" if r["deviation"][name]["below_in_lowest_bin"] else "no"]
              for r in result["seeds"] for name in ("distilled", "switch", "one-hot")]
    acc = [[name, s["test_accuracy_mean"], s["test_accuracy_std"]] + [r["test_accuracy"][name] for r in result["seeds"]] for name, s in summary.items()]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
             f"<h1>{title}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>', f"<p>{PAPER}</p>",
             f"<p>{result['n_train']:,} training and {result['n_test']:,} test examples; temperature {c['temperature']:g}; shifts of up to {c['shift']} "
             f"pixels; the switch student trains on one-hot labels for the first {c['switch']:.0%} of its steps; {result['wall_seconds']} s.</p>",
             "<h2>Student against teacher</h2>", _deviation_plot(result, Figure),
             _table(["seed", "student", "slope", "95% interval", "intercept", "below the teacher in the least confident bin"], slopes),
             "<h2>Test accuracy</h2>", _accuracy_plot(result, Figure),
             _table(["model", "mean", "std"] + [f"seed {r['seed']}" for r in result["seeds"]], acc),
             "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


write_distillation_report = page_writer(render_distillation_report, "a distillation-deviation run")
