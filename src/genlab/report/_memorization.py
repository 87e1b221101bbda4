"""The report page of a memorization run (``genlab memorize``): score histogram, the most and
least memorized training images with their labels, split-half stability over K, the canaries'
ROC. Every number and figure comes from result.json; the gallery's pixels from the run's
``gallery.safetensors`` (written by the recipe)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from genlab.report._certificate import CSS, _fmt, _img, _table, _write_page, read_run


def _histogram(result: dict, Figure) -> str:
    h = result["histogram"]
    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    ax.stairs(h["counts"], h["edges"], fill=True, alpha=0.7)
    ax.set_yscale("log")
    ax.set_xlabel(f"memorization score ({result['score']})")
    ax.set_ylabel("training examples")
    return _img(fig)


def _stability(result: dict, Figure) -> str:
    rows = result["stability"]
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    ks = [r["models"] for r in rows]
    ax.plot(ks, [r["spearman_all"] for r in rows], "o-", label="all examples")
    ax.plot(ks, [r["spearman_top"] for r in rows], "s-", label=f"top {rows[0]['top_share']:.0%}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("models K")
    ax.set_ylabel("split-half Spearman")
    ax.set_ylim(min(0, *(r["spearman_top"] for r in rows)), 1)
    ax.legend()
    table = _table(["K", "Spearman, all", "Spearman, top"], [[r["models"], _fmt(r["spearman_all"], 3), _fmt(r["spearman_top"], 3)] for r in rows])
    return _img(fig) + table


def _roc(result: dict, Figure) -> str:
    c = result.get("canaries")
    if not c:
        return "<p>No canaries were planted.</p>"
    fig = Figure(figsize=(4, 4))
    ax = fig.subplots()
    ax.plot(c["fpr"], c["tpr"])
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(f"{c['count']} {c['kind']} canaries: AUC {c['auc']:.3f}")
    return _img(fig) + f"<p>TPR at 1% FPR: {_fmt(c['tpr_at_1pct_fpr'], 3)}; at 0.1% FPR: {_fmt(c['tpr_at_0.1pct_fpr'], 3)}.</p>"


def _trajectories(result: dict, Figure) -> str:
    t = result.get("trajectories")
    if not t:
        return ""
    fig = Figure(figsize=(6, 3.2))
    ax = fig.subplots()
    for name, c in t["classes"].items():
        if c["mean_score_per_size"] is not None:
            ax.plot(t["sizes"], c["mean_score_per_size"], "o-", label=f"{name} ({c['share']:.1%})")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("model width")
    ax.set_ylabel("mean memorization score")
    ax.legend(fontsize=8)
    rows = [[name, f"{c['share']:.1%}", c["count"], c["canaries"]] for name, c in t["classes"].items()]
    per_size = [[p["width"], _fmt(p["mean_score"], 3), _fmt(p["train_accuracy_in_subset"]), _fmt(p["test_accuracy"]), _fmt((p.get("canaries") or {}).get("auc"), 3)] for p in result["per_size"]]
    return ("<h2>Trajectories across model sizes</h2>"
            f"<p>Each example's score at widths {t['sizes']}, classified with tolerance {t['tolerance']}: cap-shaped if an inner size scores more than that above both ends, "
            "else increasing / decreasing by the change from the smallest to the largest model.</p>"
            + _img(fig) + _table(["trajectory", "share", "examples", "canaries"], rows)
            + _table(["width", "mean score", "train accuracy (in subset)", "test accuracy", "canary AUC"], per_size))


def _gallery(result: dict, entries: list[dict], Figure, images) -> str:
    if images is None or any(e["index"] not in images for e in entries):
        return _table(["index", "label", "original", "score", "95% interval"], [[e["index"], e["label"], e["original_label"], _fmt(e["score"], 3), f"[{e['low']:.2f}, {e['high']:.2f}]"] for e in entries])
    cols = 8
    rows = (len(entries) + cols - 1) // cols
    fig = Figure(figsize=(cols * 1.2, rows * 1.45))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, e in zip(axes.flat, entries):
        img = images[e["index"]]
        ax.imshow(img.reshape(img.shape[-2], img.shape[-1]) if img.ndim > 1 else img[None, :], cmap="gray_r", aspect="auto" if img.ndim == 1 else "equal")
        flag = "*" if e["canary"] else ""
        ax.set_title(f"{e['score']:.2f} y={e['label']}{flag}", fontsize=8, color="#c62828" if e["canary"] else "black")
    return _img(fig) + "<p>Title: score and training label; * marks a planted canary (its original label differs).</p>"


def _images(folder: Path) -> dict | None:
    """Training index -> image, for the examples the gallery shows (None: tables instead)."""
    path = folder / "gallery.safetensors"
    if not path.is_file():
        return None
    from safetensors.numpy import load_file

    saved = load_file(str(path))
    return dict(zip(saved["index"].tolist(), saved["images"]))


def render_memorization_report(result: dict, config: dict, images=None) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    title = f"genlab memorization: {_fmt(result.get('dataset'))} / {_fmt(result['model'].get('name'))}"
    c = result.get("canaries")
    top = result["stability"][-1]
    headline = (f"{result['config']['models']} models on subsets of {result['config']['subset']:.0%}: mean score {result['mean_score']:.3f}; "
                f"split-half Spearman {top['spearman_all']:.3f} (all) / {top['spearman_top']:.3f} (top {top['top_share']:.0%})")
    if c:
        headline += f"; canary ROC AUC {c['auc']:.3f}"
    summary = _table(["quantity", "value"], [
        ["training examples", result["n_train"]], ["test examples", result["n_test"]],
        ["train accuracy of models that saw the example", _fmt(result["train_accuracy_in_subset"])],
        ["train accuracy of models that did not", _fmt(result["train_accuracy_out_of_subset"])],
        ["test accuracy", _fmt(result["test_accuracy"])],
        *[[f"share of scores > {t}", _fmt(v)] for t, v in result["share_above"].items()],
        ["wall time (s)", _fmt(result["wall_seconds"], 1)],
    ])
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>',
        "<p>mem(i) = mean outcome on i of the models that trained on i - mean of those that did not "
        f"(Feldman &amp; Zhang 2020); outcome: {html.escape(result['score'])}.</p>",
        "<h2>Summary</h2>", summary,
        "<h2>Scores</h2>", _histogram(result, Figure),
        "<h2>Most memorized</h2>", _gallery(result, result["most_memorized"], Figure, images),
        "<h2>Least memorized</h2>", _gallery(result, result["least_memorized"], Figure, images),
        "<h2>Stability of the ranking</h2>", _stability(result, Figure),
        "<h2>Canaries</h2>", _roc(result, Figure),
        _trajectories(result, Figure),
        "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_memorization_report(run_folder: str | Path) -> Path:
    folder = Path(run_folder)
    result, config = read_run(folder)
    return _write_page(folder, render_memorization_report(result, config, _images(folder)))


def _counterfactual(result: dict) -> str:
    cf = result.get("counterfactual")
    if not cf:
        return ""
    rows = [[e["text"], "yes" if e["canary"] else "", _fmt(e["score"], 3), f"[{e['low']:.2f}, {e['high']:.2f}]"] for e in cf["top"]]
    return (f"<h2>Counterfactual memorization</h2><p>{cf['models']} models, each trained on a random half of the documents; score = bits per token "
            f"of the models that did not train on the document - of those that did. Planted canaries against the other documents: ROC AUC {cf['canary_roc_auc']:.3f}.</p>"
            + _table(["document (first 200 characters)", "canary", "score", "95% interval"], rows))


def _text_roc(result: dict, Figure) -> str:
    controls = [r for r in result["rows"] if "roc" in r]
    if not controls:
        return ""
    fig = Figure(figsize=(4 * len(controls), 3.6))
    axes = fig.subplots(1, len(controls), squeeze=False)[0]
    for ax, row in zip(axes, controls):
        for attack, curve in row["roc"].items():
            ax.plot(curve["fpr"], curve["tpr"], label=f"{attack} (AUC {row[f'mia_{attack}_auc']:.3f})")
        ax.plot([0, 1], [0, 1], ":", color="grey")
        ax.set_title(f"members vs {row['set']}", fontsize=9)
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        ax.legend(fontsize=7)
    return "<h2>Membership ROC curves</h2>" + _img(fig)


def render_text_report(result: dict, config: dict) -> str:
    """The page of a ``genlab memorize-text`` run: extraction and membership inference per set."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    title = f"genlab text memorization: {html.escape(str(result.get('pretrained') or result.get('model')))} on {html.escape(result['corpus'])}"
    members = result["rows"][0]
    headline = (f"{members['extracted_exact']:.1%} of {members['scored_for_extraction']} {members['set']} extracted exactly "
                f"({result['prefix']}-token prompt, {result['suffix']} tokens to match)")

    rows = [[r["set"], r["documents"], f"{r['extracted_exact']:.1%} ({r['extracted_count']})", f"{r['near_match_90']:.1%}", _fmt(r["token_match"], 3), _fmt(r["bits_per_token"], 3),
             attack_summary(r), attack_summary(r, "tpr_at_1pct_fpr")] for r in result["rows"]]
    table = _table(["text", "documents", "extracted exactly", "near match (>= 90%)", "mean token match", "bits per token",
                    "ROC AUC loss / zlib / extraction", "TPR at 1% FPR loss / zlib / extraction"], rows)
    shown = _table(["prompt", "model's continuation", "the text goes on", "exact", "edit similarity"],
                   [[e["prompt"], e["continuation"], e["truth"], "yes" if e["exact"] else "no", _fmt(e["edit_similarity"], 2)] for e in result["examples"]])
    return "\n".join([
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>',
        "<p>Extraction: the model continues the document's first tokens greedily; exact = every one of the next tokens reproduced. "
        "Membership inference: the corpus's documents are the positives against each control the model cannot have seen "
        "(loss and zlib-ratio attacks). Shuffled words make ungrammatical text, so that control flatters the attacks; a fresh control in the same register does not.</p>",
        "<h2>Extraction and membership</h2>", table, _text_roc(result, Figure), "<h2>Examples</h2>", shown, _counterfactual(result),
        "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>", "</body></html>",
    ])


def write_text_report(run_folder: str | Path) -> Path:
    folder = Path(run_folder)
    result, config = read_run(folder)
    return _write_page(folder, render_text_report(result, config))


ATTACKS = ("loss", "zlib", "extraction")


def attack_summary(row: dict, measure: str = "auc") -> str:
    """``loss / zlib / extraction`` values of a control row (``auc`` or ``tpr_at_1pct_fpr``), '' for the members' row."""
    return " / ".join(f"{row[f'mia_{a}_{measure}']:.3f}" for a in ATTACKS if f"mia_{a}_{measure}" in row)
