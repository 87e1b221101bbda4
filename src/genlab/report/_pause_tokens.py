"""The pause-token page: exact-match accuracy of the four arms, one point per seed, and the
published claim checked (from result.json only)."""

from __future__ import annotations

import html
import json

from genlab.report._certificate import CSS, _img, _table, page_writer

PAPER = ("Goyal, Ji, Rawat, Menon, Kumar &amp; Nagarajan (ICLR 2024, &ldquo;Think before you speak: training language models with pause "
         "tokens&rdquo;) append learnable &lt;pause&gt; tokens to the input so that the model computes longer before it answers. With a 1B model "
         "pretrained on C4, pause-pretraining plus pause-finetuning gained on 8 of 9 tasks (SQuAD +18 exact match); pause-finetuning alone did "
         "not help.")


def render_pause_tokens_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c, summary, claim = result["config"], result["summary"], result["claim"]
    title = f"genlab pause tokens: sum of {c['digits']} digits mod 10, {html.escape(c['size'])}"
    arms = list(summary)
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    for k, arm in enumerate(arms):
        acc = [r["accuracy"] for r in result["runs"] if r["arm"] == arm]
        ax.scatter([k] * len(acc), acc, color=f"C{k}", s=30)
        ax.errorbar(k + 0.15, summary[arm]["mean"], yerr=summary[arm]["std"], fmt="_", color="k", capsize=4)
    ax.axhline(0.1, color="grey", ls=":", lw=1, label="chance (0.1)")
    ax.set(xticks=range(len(arms)), xticklabels=arms, xlabel="pretraining / finetuning", ylabel="test exact match")
    ax.legend(fontsize=8)
    if claim:
        verdict = (f"pause/pause minus standard/standard: {claim['pause_gain']:+.4f}; pause-finetuning alone: {claim['finetune_only_gain']:+.4f}; "
                   f"seed spread {claim['spread']:.4f}: the published claim {'holds' if claim['holds'] else 'does not hold'} here")
    else:
        verdict = "the claim needs the arms standard/standard, standard/pause and pause/pause"
    rows = [[arm, s["mean"], s["std"], s["min"], s["max"]] for arm, s in summary.items()]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
             f"<h1>{title}</h1>", f'<p class="verdict {"good" if claim and claim["holds"] else "bad"}">{html.escape(verdict)}</p>', f"<p>{PAPER}</p>",
             f"<p>Pretraining: {c['pretrain_size']:,} digit lists followed by their running sums mod 10 ({c['pretrain_pauses']} pauses inserted at random "
             f"positions when pause-pretrained, no loss on predicting a pause). Downstream: the sum mod 10 right after '=' ({c['finetune_pauses']} pauses "
             f"appended when pause-finetuned), {c['finetune_size']:,} training and {c['test_size']:,} test examples. {result['parameters']:,} parameters; "
             f"{c['seeds']} seed(s); {result['wall_seconds']} s.</p>",
             "<h2>Exact match per arm</h2>", _img(fig), _table(["pretraining / finetuning", "mean", "std", "min", "max"], rows),
             "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


write_pause_tokens_report = page_writer(render_pause_tokens_report, "a pause-token run")
