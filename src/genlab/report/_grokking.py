"""The grokking explorable: one self-contained interactive HTML page per ``genlab grok`` run, and
a phase-diagram page per ``genlab grok-sweep`` with one such page per cell.

The page inlines plotly.js once (``plotly.offline.get_plotlyjs()``) and the run's numbers as JSON,
so it opens from disk with no network. A slider over the logged steps (at most ``MAX_FRAMES`` of
them) moves a cursor on every curve and redraws the plots made from the weight snapshots: for
modular tasks the token embedding's "stars" (its projection onto the plane of one key
frequency's Fourier coefficient, Nanda et al. 2023, "Progress measures for grokking via
mechanistic interpretability") and its spectrum; for sparse parity the first layer's |weights|.
Every per-step array is computed here; the browser only switches between them. Bulk arrays
travel quantized to 8 bits (``_pack``: 256 levels between the array's min and max, finer than
the plots' pixels), which keeps a default run's page near the 4.8 MB of plotly.js itself.
"""

from __future__ import annotations

import base64
import html
import json
import math
from importlib import resources
from pathlib import Path

import numpy as np

from genlab.report._certificate import CSS, _fmt, _write_page, read_run

MAX_FRAMES = 60  # slider positions; snapshots beyond this are subsampled evenly (first and last kept)
MAX_UNITS = 64  # parity heatmap rows: the hidden units with the most final first-layer weight
TRAIN, TEST = "#1565c0", "#e65100"
# Liu et al. 2022, "Towards Understanding Grokking: An Effective Theory of Representation Learning"
PHASES = {
    "comprehension": ("#2e7d32", "fits and generalizes together"),
    "grokking": ("#1565c0", "fits first, generalizes much later"),
    "memorization": ("#ef6c00", "fits the training set, never generalizes"),
    "confusion": ("#9e9e9e", "does not even fit the training set"),
}



def _asset(name: str) -> str:
    """A file of genlab/report/assets (the pages' scripts and styles, inlined into each page)."""
    return (resources.files("genlab.report") / "assets" / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- the stars


def fourier_plane(embedding: np.ndarray, frequency: int) -> np.ndarray:
    """The (2, e) orthonormal basis of the plane spanned by Re c_f and Im c_f, where
    c_f = sum_a exp(-2 pi i f a / p) E[a] is the discrete Fourier coefficient of the (p, e) token
    embedding E at frequency f (1 <= f <= (p-1)/2). A network that adds mod p with frequency f
    keeps cos(2 pi f a / p) and sin(2 pi f a / p) in this plane, so the tokens lie on an ellipse."""
    p = embedding.shape[0]
    c = np.exp(-2j * np.pi * frequency * np.arange(p) / p) @ embedding.astype(np.float64)
    basis, _ = np.linalg.qr(np.stack([c.real, c.imag], 1))
    return basis.T


def star_projection(embedding: np.ndarray, plane: np.ndarray) -> np.ndarray:
    """(p, 2): each token's centred embedding E[a] - mean_b E[b] in the coordinates of ``plane``
    (a ``fourier_plane``). Joined in token order 0, 1, ..., p-1, 0, the points of a Fourier
    embedding at frequency f step 2 pi f / p around the circle each time: a star polygon {p/f}."""
    e = embedding.astype(np.float64)
    return (e - e.mean(0)) @ plane.T


# ---------------------------------------------------------------- data for the page


def _frame_indices(count: int, limit: int = MAX_FRAMES) -> list[int]:
    """At most ``limit`` indices into ``count`` items, evenly spread, first and last included."""
    return sorted({round(i) for i in np.linspace(0, count - 1, min(count, limit))})


def _pack(array: np.ndarray) -> dict:
    """An array as 8-bit levels between its min and max, base64-encoded; the page's ``unpack``
    inverts it to within (max - min) / 510."""
    lo, hi = float(array.min()), float(array.max())
    hi = hi if hi > lo else lo + 1.0
    levels = np.round((array - lo) / (hi - lo) * 255).astype(np.uint8)
    return {"shape": list(array.shape), "lo": lo, "hi": hi, "b64": base64.b64encode(levels.tobytes()).decode()}


def _finite(value):
    """NaN and infinities as None (JSON.parse refuses them)."""
    return value if not isinstance(value, float) or math.isfinite(value) else None


def _snapshot_arrays(snapshots) -> tuple[list[int], np.ndarray] | None:
    if not snapshots or "weights" not in snapshots or "steps" not in snapshots:
        return None
    return [int(s) for s in snapshots["steps"]], snapshots["weights"].float().numpy()


def _cursor(step: int) -> dict:
    return {"type": "line", "xref": "x", "yref": "paper", "x0": step, "x1": step, "y0": 0, "y1": 1, "line": {"color": "#c62828", "width": 1.5, "dash": "dot"}}


def _curve(history: list[dict], key: str, name: str, color: str, dash: str = "solid") -> dict:
    return {"type": "scatter", "mode": "lines", "name": name, "x": [h["step"] for h in history], "y": [_finite(h.get(key)) for h in history],
            "line": {"color": color, "dash": dash, "width": 2}}


def _curves_layout(title: str, ytitle: str, step: int, *, log: bool = False, share: bool = False, extra_shapes: tuple = ()) -> dict:
    yaxis = {"title": {"text": ytitle}, "type": "log" if log else "linear"}
    if share:
        yaxis.update(range=[-0.02, 1.02], tickformat=".0%")
    return {"title": {"text": title, "font": {"size": 14}}, "height": 320, "margin": {"l": 60, "r": 15, "t": 40, "b": 85},
            "xaxis": {"title": {"text": "training step", "standoff": 5}}, "yaxis": yaxis, "shapes": [_cursor(step), *extra_shapes],
            "legend": {"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0}, "hovermode": "x unified"}


def _history_figures(result: dict, step: int) -> dict[str, dict]:
    """The curves over all logged steps; shape 0 of each is the slider's cursor."""
    h = result["history"]
    figures = {
        "loss": {"data": [_curve(h, "train_loss", "train", TRAIN), _curve(h, "test_loss", "test", TEST)],
                 "layout": _curves_layout("loss", "cross-entropy (nats)", step, log=True)},
        "accuracy": {"data": [_curve(h, "train_acc", "train", TRAIN), _curve(h, "test_acc", "test", TEST)],
                     "layout": _curves_layout("accuracy", "accuracy", step, share=True)},
        "norm": {"data": [_curve(h, "weight_norm", "weight norm", "#6a1b9a")], "layout": _curves_layout("weight norm", "L2 norm of all weights", step)},
    }
    if "key_energy_share" in h[-1]:
        figures["energy"] = {"data": [_curve(h, "key_energy_share", "energy in the 5 strongest frequencies", "#c62828"), _curve(h, "train_acc", "train accuracy", TRAIN, "dot"),
                                      _curve(h, "test_acc", "test accuracy", TEST, "dot")],
                             "layout": _curves_layout("Fourier structure and generalization", "share", step, share=True)}
    if "restricted_loss" in h[-1]:
        figures["circuit"] = {"data": [_curve(h, "restricted_loss", "restricted loss", "#2e7d32"), _curve(h, "excluded_loss", "excluded loss", "#6d4c41"),
                                       _curve(h, "test_loss", "test loss", TEST, "dot")],
                              "layout": _curves_layout("progress measures (Nanda et al. 2023)", "cross-entropy (nats)", step, log=True)}
    if "relevant_weight_share" in h[-1]:
        config = result["config"]
        chance = {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": config["k_bits"] / config["n_bits"], "y1": config["k_bits"] / config["n_bits"],
                  "line": {"color": "#757575", "width": 1, "dash": "dash"}}
        figures["share"] = {"data": [_curve(h, "relevant_weight_share", "|w| share on the relevant bits", "#c62828"), _curve(h, "test_acc", "test accuracy", TEST, "dot"),
                                     _curve(h, "train_acc", "train accuracy", TRAIN, "dot")],
                            "layout": _curves_layout("relevant bits and generalization", "share", step, share=True, extra_shapes=(chance,))}
    return figures


def _star_data(weights: np.ndarray, frames: list[int], keys: list[int]) -> tuple[list[dict], dict]:
    """Per key frequency: the packed (frames, p, 2) star coordinates in the final snapshot's plane,
    and the figures (p + 1 points: the polygon closes on token 0)."""
    import plotly.colors

    p = weights.shape[1]
    cyclic = plotly.colors.cyclical.Phase
    colorscale = [[i / (len(cyclic) - 1), c] for i, c in enumerate(cyclic)]
    tokens = [*range(p), 0]
    stars, figures = [], {}
    for j, f in enumerate(keys):
        plane = fourier_plane(weights[-1], f)
        xy = np.stack([star_projection(weights[t], plane) for t in frames])
        xy /= np.maximum(np.linalg.norm(xy, axis=2).max(1), 1e-12)[:, None, None]  # each frame zoomed to fit: the shape matters, not the scale
        stars.append({"f": f, "xy": _pack(xy)})
        last = xy[-1]
        trace = {"type": "scatter", "mode": "lines+markers+text" if p <= 31 else "lines+markers", "x": [*last[:, 0], last[0, 0]], "y": [*last[:, 1], last[0, 1]],
                 "text": [str(a) for a in range(p)] + [""], "textposition": "top center", "textfont": {"size": 9},
                 "hovertemplate": "token %{marker.color}<extra></extra>", "line": {"color": "#bdbdbd", "width": 1},
                 "marker": {"color": tokens, "colorscale": colorscale, "cmin": 0, "cmax": p, "size": 7, "line": {"color": "#424242", "width": 0.5}}}
        layout = {"title": {"text": f"f = {f}", "font": {"size": 13}}, "height": 210, "margin": {"l": 5, "r": 5, "t": 30, "b": 5}, "showlegend": False,
                  "xaxis": {"range": [-1.15, 1.15], "visible": False}, "yaxis": {"range": [-1.15, 1.15], "visible": False, "scaleanchor": "x"}}
        figures[f"star-{j}"] = {"data": [trace], "layout": layout}
    return stars, figures


def _spectra(result: dict, records: list[int]) -> list[list[float]] | None:
    """Energy share per frequency at each frame, as the study recorded it in the history."""
    spectra = [result["history"][r].get("spectrum") for r in records]
    return None if any(s is None for s in spectra) else [[round(v, 5) for v in s] for s in spectra]


def _spectrum_figure(spectra: list[list[float]], keys: list[int]) -> dict:
    n = len(spectra[-1])
    colors = ["#c62828" if f in keys else "#90a4ae" for f in range(n)]
    return {"data": [{"type": "bar", "x": list(range(n)), "y": spectra[-1], "marker": {"color": colors}, "hovertemplate": "f = %{x}: %{y:.1%}<extra></extra>"}],
            "layout": {"title": {"text": "embedding energy per frequency (key frequencies in red)", "font": {"size": 14}}, "height": 320,
                       "margin": {"l": 60, "r": 15, "t": 40, "b": 85}, "xaxis": {"title": {"text": "frequency f"}},
                       "yaxis": {"title": {"text": "share of energy"}, "tickformat": ".0%", "range": [0, max(max(s) for s in spectra) * 1.05]}}}


def _parity_weights(weights: np.ndarray, frames: list[int], relevant: list[int]) -> tuple[dict, dict]:
    """|first-layer weights| of the ``MAX_UNITS`` hidden units with the most final weight (rows,
    most first) over the input bits (columns), packed per frame, and the heatmap."""
    magnitude = np.abs(weights)
    units = np.argsort(-magnitude[-1].sum(1))[:MAX_UNITS]
    shown = magnitude[frames][:, units, :]
    n_bits = weights.shape[2]
    ticks = [f"{b}★" if b in relevant else str(b) for b in range(n_bits)]
    outline = [{"type": "rect", "xref": "x", "yref": "paper", "x0": b - 0.5, "x1": b + 0.5, "y0": 0, "y1": 1, "line": {"color": "#c62828", "width": 1.5}} for b in relevant]
    figure = {"data": [{"type": "heatmap", "z": shown[-1].round(4).tolist(), "x": list(range(n_bits)), "y": [str(u) for u in units], "colorscale": "Viridis",
                        "zmin": 0, "zmax": float(shown.max()), "colorbar": {"title": {"text": "|w|"}}, "hovertemplate": "unit %{y}, bit %{x}: |w| = %{z:.3f}<extra></extra>"}],
              "layout": {"title": {"text": f"|first-layer weights|: {len(units)} hidden units × {n_bits} input bits", "font": {"size": 14}}, "height": 420,
                         "margin": {"l": 50, "r": 15, "t": 40, "b": 45}, "shapes": outline,
                         "xaxis": {"title": {"text": "input bit (★ relevant)"}, "tickvals": list(range(n_bits)), "ticktext": ticks, "tickfont": {"size": 9}},
                         "yaxis": {"title": {"text": "hidden unit"}, "type": "category", "autorange": "reversed", "showticklabels": False}}}
    return {"units": len(units), "bits": n_bits, "abs": _pack(shown)}, figure


# ---------------------------------------------------------------- the run page


def _headline(result: dict) -> tuple[str, bool]:
    train99, test99, final = result.get("steps_to_train_99"), result.get("steps_to_test_99"), result["final"]
    steps = result["config"]["steps"]
    if train99 is None:
        return f"The network did not fit its training set in {steps} steps (final train accuracy {final['train_acc']:.1%}): nothing to grok yet.", False
    if test99 is None:
        return (f"Memorization without generalization (yet): train accuracy reached 99% at step {train99}, but test accuracy ended at "
                f"{final['test_acc']:.1%} after {steps} steps. Train longer, or with more weight decay, to see whether it groks."), False
    delay = result.get("grokking_delay") or 0
    if delay > 0:
        return f"Grokked: train accuracy reached 99% at step {train99}, test accuracy only at step {test99}, {delay} steps later.", True
    return f"Generalized as it fitted: train and test accuracy both reached 99% by step {test99}, with no delay between them.", True


def _summary(result: dict, relevant: list[int] | None) -> str:
    final, config = result["final"], result["config"]
    rows = [["steps to 99% train accuracy", _fmt(result.get("steps_to_train_99"))], ["steps to 99% test accuracy", _fmt(result.get("steps_to_test_99"))],
            ["grokking delay (steps)", _fmt(result.get("grokking_delay"))], ["final train accuracy", f"{final['train_acc']:.2%}"],
            ["final test accuracy", f"{final['test_acc']:.2%}"], ["final train / test loss (nats)", f"{_fmt(_finite(final['train_loss']))} / {_fmt(_finite(final['test_loss']))}"],
            ["final weight norm", _fmt(final.get("weight_norm"), 2)]]
    if "key_frequencies" in final:
        rows += [["key frequencies (final)", ", ".join(map(str, final["key_frequencies"]))], ["their share of embedding energy", f"{final['key_energy_share']:.1%}"]]
    if "restricted_loss" in final:
        rows.append(["final restricted / excluded loss (nats)", f"{_fmt(_finite(final['restricted_loss']))} / {_fmt(_finite(final['excluded_loss']))}"])
    if relevant is not None:
        rows += [["relevant bits", ", ".join(map(str, relevant))], ["|w| share on them (final)", f"{final['relevant_weight_share']:.1%} (uniform: {config['k_bits'] / config['n_bits']:.1%})"]]
    if "n_train" in result:
        rows.append(["training / test examples", f"{result['n_train']} / {result['n_test']}"])
    rows += [["steps trained, logged every", f"{config['steps']}, {config['log_every']}"], ["wall time (s)", _fmt(result.get("wall_seconds"), 1)]]
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _task_name(config: dict) -> str:
    if config["task"] == "parity":
        return f"sparse parity ({config['k_bits']} of {config['n_bits']} bits)"
    sign = {"add": "a + b", "sub": "a − b", "mul": "a · b", "div": "a / b", "poly": "a² + ab + b²"}[config["task"]]
    return f"{sign} mod {config['p']}"


def _page(title: str, body: list[str], data: dict, script: str) -> str:
    """The document: CSS, plotly.js inlined once, ``data`` as inline JSON, then ``script``."""
    from plotly.offline import get_plotlyjs

    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return "\n".join([
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{CSS}{_asset('grokking.css')}</style>",
        f"<script>{get_plotlyjs()}</script></head><body>", *body,
        f'<script type="application/json" id="genlab-data">{payload}</script>', f"<script>{script}</script>", "</body></html>",
    ])




def render_grok_page(result: dict, snapshots: dict | None, *, title: str | None = None, back_link: str | None = None) -> str:
    """The explorable of one grokking run as one self-contained HTML string.

    ``result`` is what ``genlab.phenomena.grokking.grok`` returns (config, history, steps to 99%,
    final); ``snapshots`` its {"steps": [T], "weights": [T, ...]} tensors, or None (the page then
    has the curves only). The slider starts at the last step."""
    config, history = result["config"], result["history"]
    parity = config["task"] == "parity"
    snap = _snapshot_arrays(snapshots)
    by_step = {h["step"]: i for i, h in enumerate(history)}
    if snap is not None:
        steps, weights = snap
        frames = _frame_indices(len(steps))
        records = [by_step.get(steps[t], min(range(len(history)), key=lambda r: abs(history[r]["step"] - steps[t]))) for t in frames]
        frame_steps = [steps[t] for t in frames]
    else:
        records = _frame_indices(len(history))
        frame_steps = [history[r]["step"] for r in records]
    figures = _history_figures(result, frame_steps[-1])
    data = {"steps": frame_steps, "records": records, "last_step": history[-1]["step"], "p": config["p"], "stars": [], "spectra": None, "weights": None,
            "history": [{k: _finite(v) for k, v in h.items() if k != "spectrum"} for h in history], "cursor_plots": list(figures)}
    title = title or f"genlab grokking: {_task_name(config)}, {config['model'] if not parity else 'mlp'}"
    headline, good = _headline(result)
    chance = 0.5 if parity else 1 / config["p"]
    body = [f"<h1>{html.escape(title)}</h1>"]
    if back_link:
        body.append(f'<p><a href="{html.escape(back_link)}">← back to the sweep</a></p>')
    body += [
        f'<p class="verdict {"good" if good else "bad"}">{html.escape(headline)}</p>',
        "<p>Grokking (Power et al. 2022): a network trained on a small algorithmic task first memorizes its training set, reaching 100% train accuracy while "
        "test accuracy stays at chance, and only much later finds the rule and generalizes: weight decay speeds this up by slowly shrinking the memorized solution "
        "(without it, generalization can take tens of thousands of steps). "
        "Drag the slider (or press play) to move through training: every curve shows the step as a dotted red line, and the plots made from the weights redraw at that step.</p>",
        '<div class="stepbar"><button id="play">▶ play</button>'
        f'<input type="range" id="step-slider" min="0" max="{len(frame_steps) - 1}" step="1" value="{len(frame_steps) - 1}"><span id="step-text"></span></div>',
        "<h2>Loss and accuracy</h2>",
        f"<p>Train (blue) and test (orange), measured on the full training and test sets. Memorization comes first: train accuracy climbs to 100% "
        f"while test accuracy stays near chance ({chance:.1%}) and test loss stays high or even rises. Generalization comes later, often abruptly: "
        "test loss falls and test accuracy climbs to 100%, long after the training loss was already small. Loss is on a log scale.</p>",
        '<div class="row"><div id="loss"></div><div id="accuracy"></div></div>',
    ]
    relevant = None
    if parity:
        relevant = list(result.get("relevant_bits") or [])
        if snap is not None:
            data["weights"], figures["weights"] = _parity_weights(weights, frames, relevant)
            body += ["<h2>First-layer weights</h2>",
                     "<p>Each row is a hidden unit, each column an input bit; colour is |w| at the slider's step (one scale for all steps). "
                     f"Shown are the {min(MAX_UNITS, weights.shape[1])} units with the most first-layer weight at the end, most first. "
                     "The label is the XOR of the starred, outlined bits. A memorizing network spreads its weight over all bits; "
                     "as it generalizes, the weight concentrates on the relevant columns and weight decay erodes the rest.</p>",
                     '<div class="row" style="height: 420px"><div id="weights" style="height: 420px"></div></div>']
        body += ["<h2>Hidden progress</h2>",
                 "<p>The share of all first-layer |w| that sits on the relevant bits, beside accuracy; uniform weights would give "
                 f"k/n = {config['k_bits'] / config['n_bits']:.1%} (dashed). The share often rises while test accuracy still looks flat at 50%: "
                 "the network finds the relevant bits gradually, long before that shows in its predictions (Barak et al. 2022, \"Hidden progress in deep learning\"). "
                 "The weight norm (right) falls as weight decay removes what the solution does not need.</p>",
                 '<div class="row"><div id="share"></div><div id="norm"></div></div>']
    elif snap is not None and history[-1].get("key_frequencies") and (spectra := _spectra(result, records)) is not None:
        keys = list(history[-1]["key_frequencies"])
        data["stars"], star_figures = _star_data(weights, frames, keys)
        figures.update(star_figures)
        data["spectra"] = spectra
        figures["spectrum"] = _spectrum_figure(data["spectra"], keys)
        body += ["<h2>The embedding's stars</h2>",
                 "<p>Each panel projects the p token embeddings onto one plane: that of the embedding's Fourier coefficient at a key frequency f of the "
                 "final model (computed once from the final weights and held fixed, so you see the tokens move into place; each step is zoomed to fit). Points are the tokens "
                 "0 … p−1, coloured around a colour wheel, and the grey line joins them in order 0 → 1 → … → p−1 → 0. A network that adds mod p puts "
                 "token a at angle 2πfa/p, so the line jumps f/p of a turn each time and draws a regular star polygon; during memorization the same "
                 "points are a tangle.</p>",
                 f'<div class="stars">{"".join(f"<div id=star-{j}></div>" for j in range(len(keys)))}</div>',
                 "<h2>Embedding spectrum</h2>",
                 "<p>Left: the share of the embedding's energy (squared norm, mean removed) at each frequency f = 0 … (p−1)/2, at the slider's step; "
                 "the final key frequencies are red. A memorizing embedding spreads its energy over all frequencies like noise; generalization "
                 "concentrates it in a handful, the ones the network uses to compute cos(w(a + b − c)) (Nanda et al. 2023). Right: the share held by "
                 "each step's five strongest frequencies, beside accuracy; it grows gradually, and test accuracy jumps only once it dominates.</p>",
                 '<div class="row"><div id="spectrum"></div><div id="energy"></div></div>']
        if config["task"] in ("mul", "div"):
            body.append('<p class="note">For multiplication and division the rule is additive in the discrete logarithm of the tokens, '
                        "so a generalizing network's Fourier structure is over log a rather than a, and the stars and spectrum above may stay noisy.</p>")
    else:
        body.append('<p class="note">This run has no weight snapshots and spectra (the fixed circular embedding of mlp-fourier has nothing to learn), so the page shows curves only.</p>')
        if "energy" in figures:
            body.append('<div class="row"><div id="energy"></div></div>')
    if not parity:
        body.append("<h2>Progress measures</h2>")
        if "circuit" in figures:
            body += ["<p>Left: Nanda et al.'s measures on the training pairs. The restricted loss keeps only the logits' components along cos(w(a + b − c)) for the key "
                     "frequencies w: it falls as the Fourier circuit forms, before the test loss (dotted) does. The excluded loss removes those components: it rises "
                     "once the training pairs are solved by the circuit rather than by memorized lookup. Right: the weight norm, which weight decay pulls down once the "
                     "training loss is small; the memorizing solution costs more weight than the Fourier one, and that pressure drives the switch.</p>",
                     '<div class="row"><div id="circuit"></div><div id="norm"></div></div>']
        else:
            body += ["<p>The weight norm, which weight decay pulls down once the training loss is small; the memorizing solution costs more weight than a general "
                     "one, and that pressure drives the switch.</p>", '<div class="row"><div id="norm"></div></div>']
    data["figures"] = figures
    body += ["<h2>Summary</h2>", _summary(result, relevant), "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>"]
    return _page(title, body, data, _asset("stepper.js") + _asset("grokking-run.js"))


def _load_snapshots(path: Path, steps_key: str = "steps", weights_key: str = "weights") -> dict | None:
    """{"steps", "weights"} from a safetensors file, or None where the file or the keys are absent."""
    if not path.is_file():
        return None
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        if steps_key not in f.keys() or weights_key not in f.keys():
            return None
        return {"steps": f.get_tensor(steps_key), "weights": f.get_tensor(weights_key)}


def write_grok_report(run_folder: str | Path) -> Path:
    """Write ``run_folder/report.html``, the explorable of a ``genlab grok`` run (result.json and,
    where present, snapshots.safetensors), atomically; returns its path."""
    folder = Path(run_folder)
    result, _ = read_run(folder)
    return _write_page(folder, render_grok_page(result, _load_snapshots(folder / "snapshots.safetensors")))


# ---------------------------------------------------------------- the sweep page
