"""The fact-recall page: fact recall and in-context accuracy against sparsity (pretrained model and
small GPTs) and against model size (from result.json only)."""

from __future__ import annotations

import html
import json

from genlab.report._certificate import CSS, _img, _table, page_writer

PAPER = ("Jin, Clement, Dong, Nagarajan, Carbin, Ragan-Kelley &amp; Dziugaite (2023, &ldquo;The cost of down-scaling language models: fact recall "
         "deteriorates before in-context learning&rdquo;): pruning more than about 30% of the weights of OPT, LLaMA or Pythia (SparseGPT, Wanda) hurts "
         "closed-book fact recall, while answering from information given in the prompt survives 60-70% sparsity; dense scaling shows the same.")


def _curves(curves: dict, title: str, Figure) -> str:
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    for k, (name, curve) in enumerate(curves.items()):
        s = [p["sparsity"] for p in curve]
        base_f, base_i = curve[0]["fact"] or 1, curve[0]["icl"] or 1
        ax.plot(s, [p["fact"] / base_f for p in curve], "o-", color=f"C{k}", label=f"{name}: facts")
        if curve[0]["icl"] is not None:
            ax.plot(s, [p["icl"] / base_i for p in curve], "s--", color=f"C{k}", label=f"{name}: in-context")
    ax.set(xlabel="sparsity", ylabel="accuracy / unpruned accuracy", title=title)
    ax.legend(fontsize=7)
    return _img(fig)


def _sizes(synthetic: dict, Figure) -> str:
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    models = synthetic["models"]
    params = [m["parameters"] for m in models.values()]
    ax.plot(params, [m["fact"] for m in models.values()], "o-", label="fact recall")
    ax.plot(params, [m["icl"] for m in models.values()], "s--", label="in-context")
    ax.set(xscale="log", xlabel="parameters", ylabel="accuracy", title="dense scaling: small GPTs on the synthetic corpus")
    ax.legend(fontsize=8)
    return _img(fig)


def render_fact_recall_report(result: dict, config: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c, pre, syn = result["config"], result["pretrained"], result["synthetic"]
    found = {k: v for k, v in result["contrast"].items() if v}
    headline = ("; ".join(f"{k}: at {v['sparsity']:.0%} fact recall {v['fact_ratio']:.2f}x, in-context {v['icl_ratio']:.2f}x" for k, v in found.items())
                or "no sparsity halves fact recall while in-context accuracy keeps 0.8 of its value")
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>genlab fact recall</title><style>{CSS}</style></head><body>",
             "<h1>genlab fact recall against in-context learning</h1>", f'<p class="verdict {"good" if found else "bad"}">{html.escape(headline)}</p>', f"<p>{PAPER}</p>"]
    if pre:
        rows = [[m, p["sparsity"], p["fact"], *("" if p.get(k) is None else p[k] for k in ("icl", "icl_lookup", "icl_classification"))]
                for m, curve in pre["curves"].items() for p in curve]
        kinds = pre.get("icl_kinds")  # absent from results written before the chance test
        icl = (f"{sum(k['answered'] for k in kinds.values())} answered and kept, {pre['n_icl']} of them of the kinds that count" if kinds
               else f"{pre['n_icl']} answered and kept")
        parts += [f"<h2>{html.escape(pre['model'])} pruned</h2>",
                  f"<p>Of {pre['n_fact_candidates']} fact prompts {pre['n_facts']} are answered by the unpruned model and kept; of {pre['n_icl_candidates']} "
                  f"in-context prompts {icl}. Accuracy is the share of those answered (greedy, {c['max_new_tokens']} tokens).</p>"]
        if kinds:
            parts += [f"<p>A kind of in-context prompt counts only if the unpruned model beats its chance level (a guess among the answers the prompt "
                      f"offers) at one-sided binomial p &le; {c['icl_chance_test']}: prompts answered by luck measure no ability. Both kinds are scored below.</p>",
                      _table(["kind", "candidates", "answered unpruned", "chance", "p", "counts"],
                             [[k, v["candidates"], v["answered"], v["chance"], f"{v['p']:.2g}", "yes" if v["counts"] else "no"] for k, v in kinds.items()])]
        parts += [_curves(pre["curves"], pre["model"], Figure),
                  _table(["method", "sparsity", "fact recall", "in-context (kinds that count)", "key-value lookup", "classification (2 labels)"], rows),
                  "<h3>In-context examples</h3>", "<pre>" + html.escape("\n\n".join(f"{p} -> {a}" for p, a in pre["icl_examples"][:4])) + "</pre>"]
    if syn:
        rows = [[size, m["parameters"], m["train_loss"], m["fact"], m["icl"]] for size, m in syn["models"].items()]
        parts += ["<h2>Small GPTs on synthetic facts</h2>",
                  f"<p>{syn['facts']:,} facts &ldquo;first last lives in city&rdquo; ({syn['cities']} cities: chance {syn['chance_fact']:.3f}) mixed with in-context "
                  f"episodes ({_ICL_TASKS.get(c.get('icl_task', 'lookup'), '')}: chance {syn['chance_icl']:.3f}).</p>",
                  _sizes(syn, Figure), _table(["size", "parameters", "train loss", "fact recall", "in-context"], rows),
                  _curves({f"{size} {m}": cur for size, e in syn["models"].items() for m, cur in e["pruned"].items() if m == c["methods"][0]},
                          f"small GPTs pruned ({c['methods'][0]})", Figure)]
    parts += [f"<p>{result['wall_seconds']} s.</p>", "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)


_ICL_TASKS = {"copy": "eleven random tokens, then the same eleven again", "lookup": "five key=value pairs, then a query"}

write_fact_recall_report = page_writer(render_fact_recall_report, "a fact-recall run")
