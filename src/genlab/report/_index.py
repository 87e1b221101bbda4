"""A run store -> one self-contained HTML page listing every run in it.

    path = genlab.report.write_run_index("runs")  # runs/index.html

One row per run of the store's index: kind, status, created and finished dates, run id, its
headline numbers (the ``summary`` the run recorded when it completed, or a failed run's error) and
a relative link to its ``report.html``, so the page still works when the folder is copied. Clicking
a column header sorts the table; a text box and kind and status selectors filter it. The rows are
HTML (readable without JavaScript); the script sorts and filters them using the runs' values,
embedded as JSON.
"""

from __future__ import annotations

import html
import json
import math
import os
import time
from pathlib import Path
from urllib.parse import quote

from genlab.report._certificate import CSS, _write_page

COLUMNS = [("kind", "kind"), ("status", "status"), ("created", "created"), ("finished", "finished"), ("id", "run id"), ("headline", "headline numbers"), ("report", "report")]

EXTRA_CSS = """
body { max-width: 1280px; }
.filters { display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: center; margin: 1em 0; }
.filters input { flex: 1; min-width: 14em; padding: .3em; }
table.runs { width: 100%; font-size: .92em; } table.runs td { vertical-align: top; }
table.runs th { cursor: pointer; user-select: none; white-space: nowrap; }
table.runs th[aria-sort="ascending"]::after { content: " \\25B2"; } table.runs th[aria-sort="descending"]::after { content: " \\25BC"; }
td.status-complete { color: #2e7d32; } td.status-failed { color: #c62828; } td.status-running { color: #ef6c00; }
td.date, td.id, td.report { white-space: nowrap; } .kv { display: inline-block; white-space: nowrap; margin-right: .8em; } .kv b { font-weight: 600; }
.error { color: #c62828; } .muted { color: #888; }
"""

SCRIPT = """
const D = JSON.parse(document.getElementById("genlab-data").textContent);
const body = document.querySelector("table.runs tbody");
const rows = Array.from(body.rows);
const text = document.getElementById("filter-text"), kind = document.getElementById("filter-kind"), status = document.getElementById("filter-status");
const count = document.getElementById("shown-count");
function filter() {
  const terms = text.value.toLowerCase().split(/\\s+/).filter(t => t);
  let shown = 0;
  for (const row of rows) {
    const run = D.runs[row.dataset.i], words = row.textContent.toLowerCase();
    const keep = (!kind.value || run.kind === kind.value) && (!status.value || run.status === status.value) && terms.every(t => words.includes(t));
    row.hidden = !keep;
    shown += keep;
  }
  count.textContent = `${shown} of ${rows.length} runs shown`;
}
function compare(a, b) {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return typeof a === "number" && typeof b === "number" ? a - b : (String(a) < String(b) ? -1 : 1);
}
function sortBy(th) {
  const key = th.dataset.key, direction = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
  for (const other of document.querySelectorAll("table.runs th")) other.removeAttribute("aria-sort");
  th.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
  const value = row => D.runs[row.dataset.i][key];
  const sorted = rows.slice().sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    if (x === null || y === null) return compare(x, y) || a.dataset.i - b.dataset.i;
    return direction * compare(x, y) || a.dataset.i - b.dataset.i;
  });
  for (const row of sorted) body.appendChild(row);
}
for (const th of document.querySelectorAll("table.runs th")) th.addEventListener("click", () => sortBy(th));
for (const control of [text, kind, status]) for (const event of ["input", "change"]) control.addEventListener(event, filter);
filter();
"""


def _value(value) -> str:
    """A summary value as short plain text: floats to 4 significant digits, integers exact."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value
    text = json.dumps(_finite(value), separators=(",", ":"))
    return text if len(text) <= 80 else text[:79] + "…"


def _finite(value):
    """``value`` with NaN and infinities as None (JSON.parse refuses them), in nested lists and dicts too."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _headline(run: dict) -> list[tuple[str, str]]:
    summary = run.get("summary") or {}
    items = summary.items() if isinstance(summary, dict) else [("summary", summary)]
    return [(str(k), _value(v)) for k, v in items]


def _first_line(error: str | None) -> str:
    lines = (error or "").strip().splitlines()
    return lines[0] if lines else ""


def _date(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp)) if timestamp else "—"


def _report_href(root: Path, run_id: str, page_dir: Path) -> str | None:
    """The run's report.html relative to the page's folder, URL-quoted; None if there is none yet."""
    report = root / run_id / "report.html"
    if not report.is_file():
        return None
    return quote(Path(os.path.relpath(report.resolve(), page_dir.resolve())).as_posix())


def _record(run: dict, root: Path, page_dir: Path) -> dict:
    """What the page shows of a run and what its script sorts and filters on."""
    headline = _headline(run)
    error = _first_line(run.get("error"))
    return {"id": str(run["id"]), "kind": str(run["kind"]), "status": str(run["status"]), "created": _finite(run.get("created")), "finished": _finite(run.get("finished")),
            "headline": "; ".join(f"{k} {v}" for k, v in headline) or error or None, "items": headline, "error": error or None,
            "summary": _finite(run.get("summary") or {}), "report": _report_href(root, str(run["id"]), page_dir)}


def _headline_cell(record: dict) -> str:
    parts = [f'<span class="kv"><b>{html.escape(k)}</b> {html.escape(v)}</span>' for k, v in record["items"]]
    if record["error"]:
        parts.append(f'<span class="error">{html.escape(record["error"])}</span>')
    return "".join(parts) or '<span class="muted">—</span>'


def _row(i: int, record: dict) -> str:
    link = f'<a href="{html.escape(record["report"])}">report</a>' if record["report"] else '<span class="muted">no report</span>'
    cells = [f'<td class="kind">{html.escape(record["kind"])}</td>',
             f'<td class="status status-{html.escape(record["status"])}">{html.escape(record["status"])}</td>',
             f'<td class="date">{_date(record["created"])}</td>', f'<td class="date">{_date(record["finished"])}</td>',
             f'<td class="id"><code>{html.escape(record["id"])}</code></td>', f'<td class="headline">{_headline_cell(record)}</td>',
             f'<td class="report">{link}</td>']
    return f'<tr data-i="{i}">{"".join(cells)}</tr>'


def _select(name: str, label: str, values: list[str]) -> str:
    options = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in sorted(set(values)))
    return f'<label>{label} <select id="filter-{name}"><option value="">all</option>{options}</select></label>'


def _table(records: list[dict]) -> list[str]:
    head = "".join(f'<th data-key="{key}" title="sort by {label}">{label}</th>' for key, label in COLUMNS)
    filters = ('<div class="filters"><input id="filter-text" type="search" placeholder="filter: words every shown row contains" aria-label="filter rows">'
               + _select("kind", "kind", [r["kind"] for r in records]) + _select("status", "status", [r["status"] for r in records])
               + '<span id="shown-count"></span></div>')
    body = "".join(_row(i, record) for i, record in enumerate(records))
    return [filters, f'<table class="runs"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>']


NO_RUNS = ("<p class=\"note\">There are no runs in {root} yet. A study (<code>genlab certify</code>, <code>genlab grok</code>, ...) run with this "
           "folder as <code>--out</code> adds one; rewrite this page with <code>genlab report --index</code> afterwards.</p>")
HOW_TO_READ = ("<p>{runs}, newest first. Click a column header to sort by it (again to reverse); the box and the selectors filter the rows. "
               "Headline numbers are each run's recorded summary; a failed run shows the first line of its error.</p>")


def render_run_index(rows: list[dict], root: Path, *, page_dir: Path | None = None) -> str:
    """The index page of the runs ``rows`` (``RunStore(root).runs()``) as one HTML string.

    A run's report link is relative to ``page_dir`` (default ``root``, where the page normally
    goes) and appears only where ``root/<id>/report.html`` exists."""
    root = Path(root)
    title = html.escape(f"genlab runs in {root}")
    head = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}{EXTRA_CSS}</style></head><body>\n<h1>{title}</h1>"
    if not rows:
        return "\n".join([head, NO_RUNS.format(root=html.escape(str(root))), "</body></html>"])
    records = [_record(run, root, Path(page_dir or root)) for run in rows]
    payload = json.dumps({"runs": records}, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")  # no "</script>" nor "<!--" in the data
    return "\n".join([head, HOW_TO_READ.format(runs=f"{len(rows)} run" + "s" * (len(rows) != 1)), *_table(records),
                      f'<script type="application/json" id="genlab-data">{payload}</script>', f"<script>{SCRIPT}</script>", "</body></html>"])


def write_run_index(root: str | Path, out: Path | None = None) -> Path:
    """Write the index page of the run store ``root`` (default ``root/index.html``, atomically); returns its path."""
    root = Path(root)
    hint = "`genlab runs --out <folder>` lists a store"
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a run store: no such folder ({hint})")
    if not (root / "index.sqlite").is_file():
        raise FileNotFoundError(f"{root} is not a run store: it has no index.sqlite ({hint})")
    from genlab.store import RunStore

    out = Path(out) if out is not None else root / "index.html"
    return _write_page(out.parent, render_run_index(RunStore(root).runs(), root, page_dir=out.parent), out.name)
