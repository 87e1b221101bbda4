"""The path-star explorable: full-path accuracy over training for every objective, and per path
position the decoded (greedy) and teacher-forced accuracy at the step the slider picks, where the
Clever-Hans signature shows (teacher-forced positions after the first choice near 100%, the first
choice near 1/d). Reads result.json only."""

from __future__ import annotations

import html
import json

from genlab.report._certificate import _table, page_writer
from genlab.report._grokking import _asset, _curves_layout, _page

PAPER = ("Bachmann &amp; Nagarajan (ICML 2024) train GPTs on star graphs G(d, l): with teacher forcing the model learns the Clever-Hans "
         "shortcut (follow the edge from the previous node, exact once the first node after the source is given) and never learns to choose "
         "the arm, so it finds the path about 1/d of the time; targets written goal-first (reverse) are solved almost always. NextLat "
         "(arXiv 2511.05963, Fig. 6, digitized) shows GPT at 49.4% on G(2, 10) and 18.6% on G(5, 5). The paper calls its teacherless results "
         "preliminary; a reproduction thread in the official repository (issue #3) cites near 100% on G(2, 5) at full scale.")
COLORS = {"next-token": "#1f77b4", "reverse": "#2ca02c", "teacherless": "#d62728", "multi-token": "#9467bd"}


def _position_figure(objective: str, point: dict, length: int) -> dict:
    x = [f"{k + 1}" for k in range(length)]
    data = [{"type": "bar", "name": "decoded (greedy)", "x": x, "y": point["per_position"], "marker": {"color": COLORS[objective]}}]
    if point["teacher_forced"] is not None:
        data.append({"type": "bar", "name": "teacher-forced", "x": x, "y": point["teacher_forced"], "marker": {"color": "#bbbbbb"}})
    return {"data": data, "layout": {"title": {"text": objective, "font": {"size": 14}}, "height": 280, "barmode": "group",
                                     "margin": {"l": 50, "r": 10, "t": 40, "b": 70}, "xaxis": {"title": {"text": "path position", "standoff": 5}},
                                     "yaxis": {"range": [0, 1.02], "tickformat": ".0%"}, "legend": {"orientation": "h", "y": -0.35, "x": 0}}}


def render_path_star_page(result: dict, config: dict) -> str:
    """The explorable of one path-star run as one self-contained HTML string."""
    c = result["config"]
    objectives = result["objectives"]
    names = list(objectives)
    steps = max((o["curve"] for o in objectives.values()), key=len)
    steps = [p["step"] for p in steps]
    chance = result["chance"]
    full = {"type": "scatter", "mode": "lines", "x": [steps[0], steps[-1]], "y": [chance, chance], "name": f"chance (1/d = {chance:.0%})",
            "line": {"color": "#888", "dash": "dot", "width": 1}}
    figures = {"full-path": {"data": [{"type": "scatter", "mode": "lines+markers", "name": o, "x": [p["step"] for p in objectives[o]["curve"]],
                                        "y": [p["full_path"] for p in objectives[o]["curve"]], "line": {"color": COLORS[o], "width": 2}} for o in names] + [full],
                             "layout": _curves_layout("full-path accuracy (greedy decoding)", "share of graphs", steps[-1], share=True)}}
    for j, o in enumerate(names):
        figures[f"positions-{j}"] = _position_figure(o, objectives[o]["curve"][-1], c["length"])
    graph = f"G({c['degree']}, {c['length']}), {c['nodes']} node values"
    headline = "; ".join(f"{o}: {objectives[o]['final']['full_path']:.1%}" for o in names) + f" of {c['test_size']} fresh graphs (chance 1/d = {chance:.0%})"
    nt = objectives.get("next-token")
    signature = ""
    if nt is not None:
        tf, first = nt["final"]["teacher_forced"], nt["final"]["per_position"][1]
        signature = (f"<p>The next-token model's Clever-Hans signature: teacher-forced accuracy {min(tf[2:] or [1.0]):.1%} or more on positions 3 to {c['length']} "
                     f"(given the true node before, follow its edge), but {tf[1]:.1%} at position 2, the one choice that needs planning "
                     f"(decoded: {first:.1%}).</p>")
    rows = [[o, objectives[o]["final"]["full_path"], ", ".join(f"{v:.3f}" for v in objectives[o]["final"]["per_position"]),
             "n/a (one parallel pass)" if objectives[o]["final"]["teacher_forced"] is None else ", ".join(f"{v:.3f}" for v in objectives[o]["final"]["teacher_forced"]),
             objectives[o]["train_loss"], objectives[o]["steps"], objectives[o]["wall_seconds"]] for o in names]
    body = [f"<h1>genlab path-star: {html.escape(graph)}</h1>", f'<p class="verdict good">{html.escape(headline)}</p>', f"<p>{PAPER}</p>", signature,
            "<p>Drag the slider to move through training: the curve shows the step as a dotted red line, and the bars show each path position's "
            "accuracy at that step, decoded greedily (colour) and given the true path before it (grey).</p>",
            f'<div class="stepbar"><input type="range" id="step-slider" min="0" max="{len(steps) - 1}" step="1" value="{len(steps) - 1}"><span id="step-text"></span></div>',
            '<div class="row"><div id="full-path"></div></div>', '<div class="stars">' + "".join(f'<div id="positions-{j}" style="height: 280px"></div>' for j in range(len(names))) + "</div>",
            "<h2>Final accuracies</h2>",
            _table(["objective", "full path", "per position (decoded)", "per position (teacher-forced)", "train loss (nats per path token)", "steps", "wall s"], rows),
            f"<p>{result['parameters']:,} parameters per model ({html.escape(c['size'])}); curves on the first {c['eval_size']} test graphs every "
            f"{c['eval_every']} steps; final numbers on all {c['test_size']}; {c['train_size']:,} training graphs.</p>",
            "<h2>Configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=2))}</pre>"]
    data = {"figures": figures, "objectives": names, "steps": steps, "last_step": steps[-1],
            "curves": {o: [{k: p[k] for k in ("step", "full_path", "per_position", "teacher_forced")} for p in objectives[o]["curve"]] for o in names}}
    return _page(f"genlab path-star {graph}", body, data, _asset("stepper.js") + _asset("path-star.js"))


write_path_star_report = page_writer(render_path_star_page, "a path-star run")
