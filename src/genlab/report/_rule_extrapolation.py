"""The rule-extrapolation page: test loss against OOD R1 accuracy, one point per run, beside the
entropy floor and the published numbers (from result.json only)."""

from __future__ import annotations

import html
import json

from genlab.report._certificate import CSS, _img, _table, page_writer

PAPER = ("Meszaros, Ujvary, Brendel, Reizinger &amp; Huszar (NeurIPS 2024) train models on formal languages that are the conjunction of two "
         "rules and prompt them with prefixes no grammatical word starts with. Rule extrapolation: the completion still obeys the rule the prompt "
         "left satisfiable (R1). Models with the same test loss can extrapolate very differently.")


def render_rule_extrapolation_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c = result["config"]
    summary, published, floor = result["summary"], result["published"], result["floor"]
    names = list(summary)
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    for k, name in enumerate(names):
        rows = [r for r in result["runs"] if r["model"] == name and r["ood_r1"] is not None]
        ax.scatter([r["test_loss"] for r in rows], [r["ood_r1"] for r in rows], color=f"C{k}", label=name, s=28)
    if floor:
        ax.axvline(floor, color="#555", ls=":", lw=1, label=f"entropy floor {floor:.4f}")
    if "chance" in published:
        ax.axhline(published["chance"], color="#999", ls="--", lw=1, label=f"chance (published) {published['chance']}")
    ax.set(xlabel="test loss (nats per token)", ylabel="OOD R1 accuracy (finished completions)", ylim=(-0.02, 1.02), title="one point per run")
    ax.legend(fontsize=8)
    headline = "; ".join(f"{n}: OOD R1 {s['ood_r1_mean']:.3f} +- {s['ood_r1_std']:.3f}" if s["ood_r1_mean"] is not None else f"{n}: no finished OOD completion"
                         for n, s in summary.items())
    rows = [[n, s["ood_r1_mean"], s["ood_r1_std"], f"{s['ood_r1_min']} - {s['ood_r1_max']}", s["test_loss_mean"],
             "n/a" if s["worst_loss_ratio"] is None else f"{s['worst_loss_ratio']:.3f}", published.get(n, "")] for n, s in summary.items()]
    run_rows = [[r["model"], r["seed"], r["parameters"], r["test_loss"], r["ood_finished"], r["ood_r1"], r["ood_r2"], r["id_grammatical"], r["wall_seconds"]]
                for r in result["runs"]]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>genlab rule extrapolation</title><style>{CSS}</style></head><body>",
             f"<h1>genlab rule extrapolation: {html.escape(c['language'])}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>', f"<p>{PAPER}</p>",
             f"<p>{result['prompts']['out_of_distribution']} out-of-distribution and {result['prompts']['in_distribution']} in-distribution prompts of "
             f"{c['prompt_length']} symbols; words up to {c['max_length']} symbols; entropy floor "
             f"{'n/a (sampled language)' if floor is None else f'{floor:.4f} nats per token'}.</p>", _img(fig),
             _table(["model", "OOD R1 mean", "std", "range", "test loss mean", "worst test loss / floor", "published OOD R1"], rows),
             "<h2>Every run</h2>", _table(["model", "seed", "parameters", "test loss", "OOD finished", "OOD R1", "OOD R2", "ID grammatical", "wall s"], run_rows),
             "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


write_rule_extrapolation_report = page_writer(render_rule_extrapolation_report, "a rule-extrapolation run")
