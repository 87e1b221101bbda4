"""The phase diagram of a grokking sweep (``genlab grok-sweep``): one self-contained page with a
heatmap of the phases and a link per cell to that cell's own explorable."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from genlab.report._certificate import _fmt, _write_page, read_run
from genlab.report._grokking import PHASES, _asset, _load_snapshots, _page, _task_name, render_grok_page


def _cell_key(cell: dict) -> str:
    key = str(cell["key"])
    if not re.fullmatch(r"[0-9A-Za-z_-]+", key):
        raise ValueError(f"sweep cell key {key!r} is not a plain file name (letters, digits, _ and -): is result.json a grok-sweep's?")
    return key


def _sweep_figure(result: dict) -> tuple[dict, list[list[str | None]]]:
    """The phase diagram (rows x cols; colour: phase, text: steps to 99% test) and each cell's link."""
    rows, cols = result["rows"], result["cols"]
    names = list(PHASES)
    z = [[None] * len(cols["values"]) for _ in rows["values"]]
    text = [[""] * len(cols["values"]) for _ in rows["values"]]
    hover = [[""] * len(cols["values"]) for _ in rows["values"]]
    links = [[None] * len(cols["values"]) for _ in rows["values"]]
    for cell in result["cells"]:
        r, c, final = cell["row"], cell["col"], cell.get("final") or {}
        z[r][c] = names.index(cell["phase"])
        text[r][c] = "—" if cell.get("steps_to_test_99") is None else str(cell["steps_to_test_99"])
        hover[r][c] = (f"{cell['phase']}<br>train {final.get('train_acc', float('nan')):.1%}, test {final.get('test_acc', float('nan')):.1%}"
                       f"<br>99% test at step {text[r][c]}<br>click to open")
        links[r][c] = f"cells/{_cell_key(cell)}.html"
    colorscale = []
    for i, name in enumerate(names):
        colorscale += [[i / len(names), PHASES[name][0]], [(i + 1) / len(names), PHASES[name][0]]]
    figure = {"data": [{"type": "heatmap", "z": z, "text": text, "customdata": hover, "texttemplate": "%{text}", "textfont": {"color": "white", "size": 14},
                        "x": [str(v) for v in cols["values"]], "y": [str(v) for v in rows["values"]], "colorscale": colorscale, "zmin": -0.5,
                        "zmax": len(names) - 0.5, "showscale": False, "xgap": 2, "ygap": 2,
                        "hovertemplate": f"{rows['name']} = %{{y}}, {cols['name']} = %{{x}}<br>%{{customdata}}<extra></extra>"}],
              "layout": {"title": {"text": "phase per cell; number: steps to 99% test accuracy", "font": {"size": 14}}, "height": 120 + 70 * len(rows["values"]),
                         "margin": {"l": 80, "r": 20, "t": 40, "b": 50},
                         "xaxis": {"title": {"text": cols["name"]}, "type": "category"},
                         "yaxis": {"title": {"text": rows["name"]}, "type": "category", "autorange": "reversed"}}}
    return figure, links


def _cells_table(result: dict) -> str:
    rows, cols = result["rows"], result["cols"]
    head = [rows["name"], cols["name"], "phase", "steps to 99% train", "steps to 99% test", "delay", "final train acc", "final test acc", "wall time (s)", ""]
    body = []
    for cell in sorted(result["cells"], key=lambda c: (c["row"], c["col"])):
        final = cell.get("final") or {}
        values = [rows["values"][cell["row"]], cols["values"][cell["col"]]]
        color = PHASES[cell["phase"]][0]
        numbers = [cell.get("steps_to_train_99"), cell.get("steps_to_test_99"), cell.get("grokking_delay")]
        accuracies = [final.get("train_acc"), final.get("test_acc")]
        cells = ([f'<td class="num">{_fmt(v, None)}</td>' for v in values] + [f'<td style="white-space: nowrap"><span class="swatch" style="background:{color}"></span>{html.escape(cell["phase"])}</td>']
                 + [f'<td class="num">{_fmt(v)}</td>' for v in numbers] + [f'<td class="num">{"n/a" if v is None else f"{v:.1%}"}</td>' for v in accuracies]
                 + [f'<td class="num">{_fmt(cell.get("wall_seconds"), 1)}</td>', f'<td><a href="cells/{_cell_key(cell)}.html">explorable</a></td>'])
        body.append(f"<tr>{''.join(cells)}</tr>")
    return "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" + "".join(body) + "</table>"


def render_grok_sweep_page(result: dict) -> str:
    """The phase diagram of a grokking sweep (result.json of kind "grok-sweep": base config, the
    two swept parameters, and per cell its phase, steps to 99% and history) as one
    self-contained HTML string. Each cell links to ``cells/<key>.html``."""
    rows, cols, base = result["rows"], result["cols"], result["base"]
    figure, links = _sweep_figure(result)
    counts = {name: sum(c["phase"] == name for c in result["cells"]) for name in PHASES}
    title = f"genlab grokking phase diagram: {_task_name(base)}, {rows['name']} × {cols['name']}"
    headline = (f"{len(result['cells'])} cells: " + ", ".join(f"{n} {name}" for name, n in counts.items() if n)
                + f"; {_fmt(result.get('wall_seconds'), 0)} s in all.")
    legend = "".join(f'<li><span class="swatch" style="background:{color}"></span><b>{name}</b>: {meaning}</li>' for name, (color, meaning) in PHASES.items())
    fixed = {k: v for k, v in base.items() if k not in (rows["name"], cols["name"])}
    body = [
        f"<h1>{html.escape(title)}</h1>", f'<p class="note"><b>{html.escape(headline)}</b></p>',
        "<p>Each cell is one full grokking run with the base configuration below, except for the two swept parameters. Whether a network groks depends "
        "on them: with little data or no weight decay it may memorize for ever; with much data it generalizes as it fits; in between lies the grokking "
        "band, where generalization arrives long after memorization (Liu et al. 2022, \"Towards Understanding Grokking\"). Click a cell, or a row of the "
        "table, to open that run's explorable.</p>",
        "<h2>Phase diagram</h2>", '<div id="phase"></div>',
        f"<ul>{legend}</ul>", f"<p>Phase rule: {html.escape(str(result.get('phase_rule', 'n/a')))}</p>",
        "<h2>Cells</h2>", _cells_table(result),
        "<h2>Base configuration</h2>", f"<pre>{html.escape(json.dumps(fixed, indent=2))}</pre>",
    ]
    return _page(title, body, {"figure": figure, "links": links}, _asset("grokking-sweep.js"))


def write_grok_sweep_report(run_folder: str | Path) -> Path:
    """Write ``run_folder/report.html`` (the phase diagram) and ``run_folder/cells/<key>.html``
    (each cell's explorable, from its history in result.json and its snapshots in
    ``tasks/<key>.safetensors``), all atomically; returns the report's path."""
    folder = Path(run_folder)
    result, _ = read_run(folder)
    rows, cols = result["rows"], result["cols"]
    (folder / "cells").mkdir(exist_ok=True)
    for cell in result["cells"]:
        key = _cell_key(cell)
        snapshots = _load_snapshots(folder / "tasks" / f"{key}.safetensors", "snapshot_steps", "snapshot_weights")
        title = f"grokking sweep cell: {rows['name']} = {rows['values'][cell['row']]}, {cols['name']} = {cols['values'][cell['col']]} ({cell['phase']})"
        _write_page(folder / "cells", render_grok_page(cell, snapshots, title=title, back_link="../report.html"), f"{key}.html")
    return _write_page(folder, render_grok_sweep_page(result))
