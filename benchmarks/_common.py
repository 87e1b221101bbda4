"""Shared by the benchmarks: the machine line, and writing results (JSON, Markdown, the table in benchmarks/README.md)."""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{os.cpu_count()} cores, {cpu}, torch {torch.__version__} ({torch.get_num_threads()} threads){gpu}"


def previous_rows(name: str, key) -> dict:
    """Rows of an earlier run of benchmark ``name``, by ``key(row)`` (for --only reruns)."""
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return {}
    return {key(r): r for r in json.loads(path.read_text())["rows"]}


def write_results(name: str, rows: list[dict], markdown, note: str) -> str:
    """Write benchmarks/results/<name>.json and .md and the block of benchmarks/README.md between
    ``<!-- bench:<name> -->`` markers; returns the Markdown table."""
    command = f"python benchmarks/{Path(sys.argv[0]).name} " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    meta = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(), "command": command.strip()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps({**meta, "rows": rows}, indent=2) + "\n")
    header = f"Measured {meta['date']} on {meta['machine']}; command: `{meta['command']}` (per-row dates in {name}.json). {note}"
    table = markdown(rows, header)
    (RESULTS / f"{name}.md").write_text(f"# {meta['command'].split()[1]}\n\n" + table)
    readme = ROOT / "benchmarks" / "README.md"  # the measurements live there; the top-level README links to it
    text = readme.read_text()
    block = f"<!-- bench:{name} -->\n{table}<!-- /bench:{name} -->"
    if f"<!-- bench:{name} -->" in text:
        text = re.sub(rf"<!-- bench:{name} -->.*<!-- /bench:{name} -->", lambda _: block, text, flags=re.S)
        readme.write_text(text)
    return table


def case_table(rows: list[dict], header: str) -> str:
    """The table of a benchmark whose rows are cases measured against a published number."""
    lines = [header, "", "| case | measured | published | target | met | wall s |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['case']} | {r['measured']} | {r['published']} | {r['target']} | {'yes' if r['met'] else 'no'} | {r['wall_s']} |" for r in rows]
    return "\n".join(lines) + "\n"


def run_cases(name: str, cases: dict, doc: str, note: str = "One torch thread.") -> None:
    """The command line of a benchmark of cases (``--only`` reruns some, the others keep their rows):
    each case is a function returning its row; the results are written after every case."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--only", choices=list(cases), action="append", help="run only these cases (the others keep their earlier rows)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = previous_rows(name, lambda r: r["case"])
    written = ""
    for case in args.only or cases:
        rows[case] = cases[case]()
        print(rows[case], flush=True)
        written = write_results(name, [rows[c] for c in cases if c in rows], case_table, note)  # after every case: a later case may read it
    print(written)
