"""A language-model certificate's run folder -> one self-contained HTML page.

The page reads ``result.json`` (genlab.certify's LMCertifyResult plus ``corpus`` and ``model``),
``config.json`` and ``metrics.jsonl``; the only numbers it derives are differences of recorded
bounds, training losses converted from nats to bits (/ ln 2), and random guessing over the
vocabulary V: log2 |V| bits per token, top-k error 1 - k/|V|. Its first line sets each loss
bound beside the unigram model's bound under the same statement and the same delta, as
docs/bounds.md ("A certificate is read beside its baselines") asks. Losses are in bits per token.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from genlab.report._certificate import CSS, NARROW_MARGIN, _bits, _curves, _fmt, _img, _quantization, _read_metrics, _table, _write_page

LEVELS = ("document", "token")
STATEMENTS = ("loss", "top1", "top10", "top100")
REQUIRED = ("vocab_size", "bits_total", "bits", "delta", "bounds", "baseline")
PRETRAINED_WARNING = "a bound with a pretrained prior is only valid if the evaluation documents were not in its pretraining data"


def _check_lm_result(result, source: str) -> None:
    """A result.json that lacks the language-model fields is refused with what to do instead."""
    if not isinstance(result, dict):
        raise ValueError(f"{source} holds a {type(result).__name__}, not a language-model certificate (a JSON object)")
    missing = [k for k in REQUIRED if k not in result]
    missing += [f"bounds/{level}/loss" for level in LEVELS if f"{level}/loss" not in (result.get("bounds") or {})]
    missing += [f"baseline/bounds/{level}/loss" for level in LEVELS if f"{level}/loss" not in ((result.get("baseline") or {}).get("bounds") or {})]
    if missing:
        raise ValueError(
            f"{source} is not a language-model certificate (missing {', '.join(missing)}); "
            "a classifier certificate's report is written by genlab.report.write_certificate_report"
        )


def _mentions_pretrained(data) -> bool:
    """Whether any key "pretrained", at any depth, has a truthy value."""
    if isinstance(data, dict):
        return any((k == "pretrained" and bool(v)) or _mentions_pretrained(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_mentions_pretrained(v) for v in data)
    return False


def _k(kind: str) -> int:
    return int(kind.removeprefix("top"))


def _random_guess(kind: str, vocab_size: int) -> float:
    """Uniform prediction over V: log2 |V| bits per token, or top-k error 1 - k/|V|."""
    return math.log2(vocab_size) if kind == "loss" else max(0.0, 1 - _k(kind) / vocab_size)


def _baseline_name(result: dict, key: str) -> str:
    """The baseline a statement is read against: the best coded baseline, or (certificates
    written before those existed) the unigram."""
    name = result["baseline"]["bounds"][key].get("name", "unigram")
    return "unigram model" if name == "unigram" else f"best coded baseline ({name})"


def _level_verdict(result: dict, level: str) -> tuple[str, bool]:
    """One sentence on a level's loss bound against the best baseline's; True if it clearly wins."""
    bound = result["bounds"][f"{level}/loss"]["bound"]
    unigram = result["baseline"]["bounds"][f"{level}/loss"]["bound"]
    who = _baseline_name(result, f"{level}/loss")
    random = math.log2(result["vocab_size"])
    units = "bytes" if result.get("tokenizer") == "bytes" else "tokens"
    head = f"{level.capitalize()} level: the loss bound {_fmt(bound)} bits per token"
    if bound >= unigram:
        text = (f"{head} does NOT beat the {who}'s {_fmt(unigram)} under the same statement "
                f"(worse by {_fmt(bound - unigram)} bits per token): the certificate says nothing beyond "
                f"what a coded table of the {units} already guarantees.")
    elif bound < NARROW_MARGIN * unigram:
        text = f"{head} beats the {who}'s {_fmt(unigram)} under the same statement by {_fmt(unigram - bound)} bits per token."
    else:
        text = (f"{head} beats the {who}'s {_fmt(unigram)} under the same statement only narrowly "
                f"(by {_fmt(unigram - bound)} bits per token, less than {1 - NARROW_MARGIN:.0%}).")
    vacuous = bound >= random
    if vacuous:
        text += f" It is vacuous: {_fmt(bound)} &ge; log2 |V| = {_fmt(random)} bits per token, what random guessing achieves."
    return text, bound < NARROW_MARGIN * unigram and not vacuous


def _verdict(result: dict) -> tuple[str, str]:
    """The first line and its CSS class (good: both levels clearly win, note: one, bad: none)."""
    sentences, wins = [], []
    for level in LEVELS:
        text, won = _level_verdict(result, level)
        sentences.append(text)
        if won:
            wins.append(level)
    if len(wins) == len(LEVELS):
        lead, cls = "This certificate clearly beats its baselines at both the document and the token level.", "good"
    elif wins:
        lead, cls = f"This certificate clearly beats its baselines only at the {wins[0]} level.", "note"
    else:
        lead, cls = "This certificate does NOT clearly beat its baselines at any level.", "bad"
    vacuous = [f"{key.replace('/top', ' top-')} ({_fmt(b['bound'])})" for key, b in result["bounds"].items()
               if not key.endswith("/loss") and b.get("bound") is not None and b["bound"] >= 1]
    if vacuous:
        sentences.append(f"Vacuous top-k error bounds (&ge; 1, they say nothing): {', '.join(vacuous)}.")
    return " ".join([lead, *sentences]), cls


def _summary(result: dict) -> str:
    q = result.get("quantization") or {}
    empirical = result.get("empirical") or {}
    rows = [
        ["corpus", result.get("corpus")], ["model", result.get("model")], ["method", result.get("method")],
        ["tokenizer", result.get("tokenizer")], ["vocab_size |V|", result.get("vocab_size")],
        ["n_documents (training)", result.get("n_documents")], ["n_tokens (training)", result.get("n_tokens")],
        ["n_bytes (training)", result.get("n_bytes")], ["train bytes per token", empirical.get("train_bytes_per_token")],
        ["bits_total (model)", result.get("bits_total")], ["bits_total (unigram)", (result.get("baseline") or {}).get("bits_total")],
        ["delta (all statements together)", _fmt(result.get("delta"), None)],
        ["delta_per_statement", _fmt(result.get("delta_per_statement"), None)],
        ["wall_seconds", result.get("wall_seconds")], ["run_id", result.get("run_id")], ["code_sha256", q.get("code_sha256")],
    ]
    return _table(["", "value"], rows)


def _bound_table(result: dict, level: str) -> str:
    """Rows loss, top-1, top-10, top-100 of one level, the unigram's bound and the test value beside each."""
    test = result.get("test") or {}
    uni = result["baseline"]["bounds"]
    rows = []
    for kind in STATEMENTS:
        key = f"{level}/{kind}"
        b = result["bounds"].get(key) or {}
        u = (uni.get(key) or {}).get("bound")
        bound = b.get("bound")
        beats = "n/a" if bound is None or u is None else ("yes" if bound < u else "NO")
        rows.append([
            key, bound, b.get("empirical"), b.get("sampling_term"), b.get("complexity_term"),
            f"{_fmt(b.get('m'))} / {_fmt(b.get('n'))}", b.get("alpha", ""), u, beats,
            test.get("bits_per_token" if kind == "loss" else f"{kind}_error"), _random_guess(kind, result["vocab_size"]),
        ])
    header = ["statement", "bound", "empirical (train sample)", "sampling term", "complexity term", "m / n", "alpha",
              "best baseline bound", "beats it", "test (decoded model)", "random guessing"]
    return _table(header, rows)


def _baselines_table(result: dict) -> str:
    """Each coded baseline: what it is, its bits, and its loss bounds beside the model's."""
    baselines = result.get("baselines") or {}
    if not baselines:
        return "<p>This certificate predates the coded baselines: its unigram was charged a flat 12 bits per vocabulary entry.</p>"
    keys = [k for k in ("document/loss", "token/loss", "document/loss_per_byte") if k in result["bounds"]]
    rows = [["model", "", "", result.get("bits_total")] + [result["bounds"][k]["bound"] for k in keys]]
    for name, b in baselines.items():
        rows.append([name, b.get("order"), b.get("kept_contexts"), b.get("bits_total")] + [b["bounds"][k]["bound"] for k in keys])
    caption = ("<p>Unigram and n-gram tables (the longest kept context predicts; log-probabilities quantized and range-coded, "
               "every bit of their code files counted, a trained tokenizer's bits included), each chosen on the training data "
               f"for one statement and bounded exactly like the model. Taking the best of {len(baselines)} is not paid for here "
               f"({math.ceil(math.log2(len(baselines)))} bits), which favours the baselines.</p>")
    if (result.get("prior") or {}).get("kind") == "data-dependent":
        p = result["prior"]
        caption += (f"<p>Data-dependent prior: theta_0 is the model trained on {p['documents']:,} of the training documents ({p['tokens']:,} tokens, "
                    f"a share of {p['fraction']} drawn by a seeded permutation), and every bound above is on the other {result['n_documents']:,} only. "
                    "The prior-model row is theta_0 itself at zero bits (what the fine-tune's bits bought); the prior-ngram rows are an "
                    "n-gram of the same held documents, as free as theta_0.</p>")
    elif result.get("prior_text"):
        t = result["prior_text"]
        caption += (f"<p>The model's prior was pretrained on {t['documents']:,} other documents ({t['tokens']:,} tokens), free of charge; "
                    "the prior-ngram rows are an interpolated absolute-discounting n-gram of that same text, equally free "
                    "(only their grid point, order and discount, is paid).</p>")
    return caption + _table(["", "order", "kept contexts", "bits"] + [f"{k} bound" for k in keys], rows)


def _test_table(result: dict) -> str:
    test = result.get("test") or {}
    uni = ((result.get("baseline") or {}).get("empirical") or {}).get("test") or {}
    keys = ["bits_per_token", "bits_per_byte", "top1_error", "top10_error", "top100_error", "tokens"]
    vocab = result["vocab_size"]
    rows = [["decoded model"] + [test.get(k) for k in keys], ["unigram"] + [uni.get(k) for k in keys],
            ["random guessing", math.log2(vocab), None] + [_random_guess(f"top{k}", vocab) for k in (1, 10, 100)] + [None]]
    caption = (f"<p>On {_fmt(test.get('m'))} held-out test documents, used by no bound. Random guessing in bits per byte "
               "depends on the bytes per test token, which is not recorded.</p>")
    return caption + _table(["", "bits per token", "bits per byte", "top-1 error", "top-10 error", "top-100 error", "test tokens"], rows)


def _raw_inputs(result: dict) -> str:
    """Every number a bound is recomputed from (genlab.bounds.document_level_bound, token_level_bound, ...)."""
    rows = []
    for key, b in result["bounds"].items():
        a_b = b.get("loss_range") or [None, None]
        rows.append([key, b.get("method"), b.get("bits"), b.get("n_bits", 0), b.get("n"), b.get("m"), b.get("delta"), b.get("delta_bound"),
                     b.get("delta_sample"), b.get("sample_choices", 1), b.get("variance"), f"[{_fmt(a_b[0])}, {_fmt(a_b[1])}]"])
    sample = result.get("sample") or {}
    caption = (f"<p>Subsample seed {sample.get('seed')} (fresh randomness drawn after the code file was written; "
               f"<code>genlab verify</code> replays it).</p>" if sample else "")
    return caption + _table(["statement", "method", "bits (alpha included)", "bits for N", "n", "m", "delta", "delta_bound", "delta_sample",
                             "sampling covers K losses", "variance (Bernstein)", "loss range [a, b]"], rows)


def _bounds_plot(result: dict, Figure) -> str:
    """Per level: loss bound, empirical train loss, test loss, unigram bound, log2 |V|."""
    random = math.log2(result["vocab_size"])
    test = (result.get("test") or {}).get("bits_per_token")
    series = [
        ("loss bound", "#1565c0", lambda lv: result["bounds"][f"{lv}/loss"]["bound"]),
        ("empirical (train, smoothed)", "#66bb6a", lambda lv: result["bounds"][f"{lv}/loss"].get("empirical")),
        ("test loss (decoded model)", "#ffa726", lambda lv: test),
        ("best baseline bound", "#8d6e63", lambda lv: result["baseline"]["bounds"][f"{lv}/loss"]["bound"]),
        ("random guessing log2|V|", "#9e9e9e", lambda lv: random),
    ]
    fig = Figure(figsize=(9, 3.6))
    ax = fig.add_subplot()
    width = 0.8 / len(series)
    top = random
    for i, (label, color, value) in enumerate(series):
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(LEVELS))]
        ys = [value(lv) for lv in LEVELS]
        points = [(x, y) for x, y in zip(xs, ys) if y is not None]
        if not points:
            continue
        ax.bar([p[0] for p in points], [p[1] for p in points], width=width, color=color, label=label)
        for x, y in points:
            ax.text(x, y, f"{y:.2f}", ha="center", va="bottom", fontsize=7)
            top = max(top, y)
    ax.set_xticks(range(len(LEVELS)), [f"{lv} level" for lv in LEVELS])
    ax.set_ylabel("bits per token")
    ax.set_ylim(0, top * 1.15)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    return _img(fig)


def _parameters(result: dict) -> str:
    q = result.get("quantization") or {}
    rows = [
        ["n_parameters (whole model)", result.get("n_parameters")],
        ["n_trained: D, length of the trained vector", result.get("n_trained")],
        ["subspace_dim d", result.get("subspace_dim")],
        ["levels L", result.get("levels")],
        ["entropy of the level indices (bits)", q.get("entropy_bits")],
        ["parameters as coded (bits)", (result.get("bits") or {}).get("parameters")],
    ]
    levels = _table(["level", "codebook value", "count"],
                    [[i, v, c] for i, (v, c) in enumerate(zip(q.get("codebook") or [], q.get("counts") or []))])
    return _table(["", "value"], rows) + levels


def _lm_curves(metrics: list[dict], Figure) -> str:
    """Training curves in bits per token (nats / ln 2), QAT stages laid end to end."""
    return _curves(metrics, Figure, loss_label="bits per token (unsmoothed)", acc_label="next-token accuracy", loss_scale=1 / math.log(2))


def _assumptions(result: dict, pretrained: bool) -> str:
    bounds = result["bounds"]
    doc, tok = bounds["document/loss"], bounds["token/loss"]
    alphas = (result.get("config") or {}).get("alphas")
    grid = f"a grid of {len(alphas)} values {_fmt(alphas)}" if alphas else "a public grid"
    bits = result.get("bits") or {}
    items = [
        f"<b>Document level</b> treats the n = {_fmt(result.get('n_documents'))} training documents as i.i.d. draws from one "
        "distribution over documents, and bounds the expected per-document mean loss (bits per token; top-k error) "
        "of a fresh document drawn from it.",
        f"<b>Token level</b> bounds the mean, over the N = {_fmt(result.get('n_tokens'))} training positions, of the model's "
        "expected next-token loss given the actual preceding context (a martingale over the token sequence, "
        "Azuma-Hoeffding). It is NOT the loss on fresh documents.",
        f"All {len(bounds)} statements hold together with probability &ge; 1 - delta = {1 - result['delta']:g}: "
        f"delta = {_fmt(result['delta'], None)} is split evenly, delta_per_statement = {_fmt(result.get('delta_per_statement'), None)} each, "
        f"and within each a share pays for subsampling (document/loss: delta_sample = {_fmt(doc.get('delta_sample'), None)} "
        f"with m = {_fmt(doc.get('m'))} of n = {_fmt(doc.get('n'))} documents; token/loss: delta_sample = "
        f"{_fmt(tok.get('delta_sample'), None)} with m = {_fmt(tok.get('m'))} of N = {_fmt(tok.get('n'))} positions).",
        f"Predictions are smoothed, p_alpha = (1 - alpha) p + alpha / |V|, so each token's loss lies in a known range "
        f"[a, b] (document/loss: [{_fmt((doc.get('loss_range') or [None])[0])}, {_fmt((doc.get('loss_range') or [None, None])[1])}] bits); "
        f"alpha = {_fmt(doc.get('alpha'), None)} was chosen after seeing the data from {grid}, paid with "
        f"{_fmt(bits.get('alpha_choice'))} bits.",
        f"A BPE tokenizer's merges are paid in bits: this run's {_fmt(result.get('tokenizer'))} tokenizer costs "
        f"{_fmt(bits.get('tokenizer'))} bits of the {_fmt(result.get('bits_total'))}.",
        "The bounds are for the model decoded from model.code, whose code length counts every part listed under Bits.",
    ]
    note = f'<div class="note">Pretrained base: {PRETRAINED_WARNING}.</div>' if pretrained else ""
    if (result.get("prior") or {}).get("kind") == "data-dependent":
        note = (f'<div class="note">Data-dependent prior: theta_0 was trained on {_fmt(result["prior"]["documents"])} training documents that no bound '
                "uses (theta0.safetensors in this folder, its hash in result.json); the bounds are on the rest.</div>")
    elif result.get("prior_text"):
        note = (f'<div class="note">Pretrained base: {PRETRAINED_WARNING}. This one was pretrained on {_fmt(result["prior_text"]["documents"])} '
                "documents recorded by hash in result.json (for genlab's byte-gpt-nano-manuals: the manuals corpus, from which every "
                "document of the english corpus is removed).</div>")
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>" + note


def render_lm_report(result: dict, config: dict, metrics: list[dict]) -> str:
    """The language-model certificate page as one HTML string (plots embedded as base64 PNG)."""
    _check_lm_result(result, "result")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    title = f"genlab language-model certificate: {_fmt(result.get('corpus'))} / {_fmt(result.get('model'))} ({_fmt(result.get('method'))})"
    verdict, cls = _verdict(result)
    env = result.get("environment") or {}
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="verdict {cls}">{verdict}</p>',
        "<h2>Summary</h2>", _summary(result),
        "<h2>Document-level bounds</h2>", _bound_table(result, "document"),
        "<h2>Token-level bounds</h2>", _bound_table(result, "token"),
        "<p>Loss rows are smoothed bits per token; top-k rows are error rates. Each baseline is certified under the "
        "same statement, subsample and delta; the best one is shown.</p>",
        "<h2>Coded baselines</h2>", _baselines_table(result),
        "<h2>Test set</h2>", _test_table(result),
        "<h2>Bounds beside the baselines</h2>", _bounds_plot(result, Figure),
        "<h2>Bits</h2>", _bits(result, Figure), _parameters(result),
        "<h2>Quantization levels</h2>", _quantization(result, Figure),
        "<h2>Training curves</h2>", _lm_curves(metrics, Figure),
        "<h2>Assumptions</h2>", _assumptions(result, _mentions_pretrained(config) or _mentions_pretrained(result)),
        "<h2>Raw inputs of each bound</h2>", _raw_inputs(result),
        "<h2>Configuration</h2>",
        f"<details><summary>config.json</summary><pre>{html.escape(json.dumps(config or result.get('config'), indent=2))}</pre></details>",
        "<h2>Environment</h2>", _table(["key", "value"], [[k, v] for k, v in env.items()]),
        "</body></html>",
    ]
    return "\n".join(parts)


def _comparison_table(results: list[dict], runs: bool = False) -> str:
    rows = []
    for r in results:
        b, u, test = r["bounds"], r["baseline"]["bounds"], r.get("test") or {}
        rows.append([r.get("model"), r.get("method"), r.get("tokenizer"), r.get("n_parameters"), r.get("n_trained"), r.get("subspace_dim"), r.get("bits_total"),
                     b["document/loss"]["bound"], u["document/loss"]["bound"], b["token/loss"]["bound"], u["token/loss"]["bound"],
                     (b.get("document/top1") or {}).get("bound"), (b.get("token/top10") or {}).get("bound"),
                     test.get("bits_per_token"), r.get("wall_seconds")] + ([r.get("run_id")] if runs else []))
    header = ["model", "method", "tokens", "parameters", "trained D", "d", "bits", "document bound", "unigram", "token bound", "unigram",
              "top-1 doc bound", "top-10 token bound", "test bits/token", "wall s"] + (["run"] if runs else [])
    return _table(header, rows)


def _comparison_plot(results: list[dict], Figure, key: str, xlabel: str, log_x: bool) -> str:
    """Document and token loss bounds (and the test loss) against ``key`` of each result, the
    unigram's bounds as dashed lines."""
    fig = Figure(figsize=(9, 3.4))
    ax = fig.add_subplot()
    ordered = sorted(results, key=lambda r: r.get(key) if isinstance(r.get(key), (int, float)) else str(r.get(key)))
    numeric = all(isinstance(r.get(key), (int, float)) for r in ordered)
    xs = [r[key] for r in ordered] if numeric else list(range(len(ordered)))
    style = "-" if numeric else ""  # categories (methods) get no connecting line
    for level, color in (("document", "#1565c0"), ("token", "#6a1b9a")):
        ax.plot(xs, [r["bounds"][f"{level}/loss"]["bound"] for r in ordered], "o" + style, color=color, label=f"{level}-level bound")
        unigram = ordered[0]["baseline"]["bounds"][f"{level}/loss"]["bound"]
        ax.axhline(unigram, color=color, linestyle="--", linewidth=1, label=f"unigram, {level} level ({unigram:.3f})")
    tests = [(x, (r.get("test") or {}).get("bits_per_token")) for x, r in zip(xs, ordered)]
    ax.plot([x for x, t in tests if t is not None], [t for _, t in tests if t is not None], "s" + (":" if numeric else ""), color="#ffa726", label="test loss (decoded model)")
    if log_x and numeric:
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(xs, [f"{r.get('method')}\nd={r.get('subspace_dim')}" for r in ordered], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("bits per token")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    return _img(fig)


def render_lm_comparison(results: list[dict], title: str = "genlab language-model certificates compared") -> str:
    """Several language-model certificates (result.json contents) on one page: the ablation
    (methods on the same model) and the size sweep (one method on several models), each as a
    table and a plot of the loss bounds beside the unigram's. Every number is read from the
    results; the page says which runs it shows."""
    if len(results) < 2:
        raise ValueError(f"a comparison needs at least 2 language-model certificates, got {len(results)}")
    for i, r in enumerate(results):
        _check_lm_result(r, f"certificate {i + 1}")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             "<p>Loss bounds in bits per token of each run's own tokens (a size sweep only groups runs with the same tokens), "
             "each beside the unigram model certified under the same statement and delta; "
             "top-k rows are error-rate bounds. Every number is read from the runs' result.json.</p>",
             "<h2>All certificates</h2>", _comparison_table(results, runs=True)]
    by_model: dict = {}
    by_method: dict = {}
    for r in results:
        by_model.setdefault(r.get("model"), []).append(r)
        by_method.setdefault((r.get("method"), r.get("tokenizer"), r.get("vocab_size")), []).append(r)  # one unit of loss per sweep
    for model, group in by_model.items():
        if len({r.get("method") for r in group}) > 1:
            parts += [f"<h2>Ablation on {_fmt(model)}: which parameters are trained</h2>", _comparison_table(group),
                      _comparison_plot(group, Figure, "method", "method", log_x=False)]
    for (method, tokenizer, vocab), group in by_method.items():
        if len({r.get("model") for r in group}) > 1:
            group = sorted(group, key=lambda r: r.get("n_parameters") or 0)
            parts += [f"<h2>Model size, {_fmt(method)} ({_fmt(tokenizer)} tokens, |V| = {_fmt(vocab)}): how the bound moves with size</h2>", _comparison_table(group),
                      _comparison_plot(group, Figure, "n_parameters", "parameters of the model (log scale)", log_x=True)]
    if any(_mentions_pretrained(r) for r in results):
        parts.append(f'<div class="note">Pretrained base: {PRETRAINED_WARNING}.</div>')
    parts.append("</body></html>")
    return "\n".join(parts)


def write_lm_comparison(run_folders, out: str | Path, title: str = "genlab language-model certificates compared") -> Path:
    """Write one comparison page (``render_lm_comparison``) of the certify-lm runs in
    ``run_folders`` to ``out`` (atomically); returns its path."""
    results = [_read_lm_result(Path(folder)) for folder in run_folders]
    out = Path(out)
    return _write_page(out.parent, render_lm_comparison(results, title), out.name)


def _read_lm_result(folder: Path) -> dict:
    """A completed certify-lm run's result.json; a clear error when it is missing, cut short or
    not a language-model certificate."""
    result_path = folder / "result.json"
    if not result_path.is_file():
        raise FileNotFoundError(f"{result_path} not found: a report needs a completed `genlab certify-lm` run folder (see `genlab runs`)")
    try:
        result = json.loads(result_path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{result_path} is not valid JSON ({e}); was the run interrupted? rerun `genlab certify-lm`") from e
    _check_lm_result(result, str(result_path))
    return result


def write_lm_report(run_folder: str | Path) -> Path:
    """Write ``run_folder/report.html`` (atomically) for a language-model certificate; returns its path.

    Raises FileNotFoundError without result.json, ValueError when result.json is not a
    language-model certificate (``genlab certify-lm`` writes one).
    """
    folder = Path(run_folder)
    result = _read_lm_result(folder)
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    return _write_page(folder, render_lm_report(result, config, _read_metrics(folder / "metrics.jsonl")))
