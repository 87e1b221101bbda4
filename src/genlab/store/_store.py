"""The run store: one folder per run plus an embedded SQLite index of all runs.

Layout of a store rooted at ``root``::

    root/index.sqlite            one row per run: id, kind, status, created, finished, summary
    root/<run_id>/config.json    the resolved configuration (written when the run starts)
    root/<run_id>/metrics.jsonl  one JSON object per line, appended as training goes
    root/<run_id>/result.json    written once, atomically, when the run completes
    root/<run_id>/<artifact>     safetensors / binary artifacts, each written atomically

A run's status is ``running`` while it works, then ``complete`` (result.json present) or
``failed`` (with the error; an interrupted run says ``interrupted``). Every file is written to a
temporary name and renamed into place, so no file is ever half-written.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
import traceback
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    finished REAL,
    summary TEXT,
    error TEXT
)
"""


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    _atomic_write(Path(path), (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode())


class RunStore:
    """A folder of runs with an SQLite index (created on first use)."""

    def __init__(self, root: str | os.PathLike = "runs"):
        self.root = Path(root)

    def _db(self) -> sqlite3.Connection:
        self.root.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.root / "index.sqlite", timeout=30)
        con.execute(_SCHEMA)
        return con

    def _execute(self, sql: str, args: tuple = ()) -> list[tuple]:
        with closing(self._db()) as con, con:
            return con.execute(sql, args).fetchall()

    def start_run(self, kind: str, config: dict, run_id: str | None = None) -> "Run":
        """Create a run folder with its config and register it as ``running``."""
        run_id = run_id or f"{time.strftime('%Y%m%d-%H%M%S')}-{kind}-{secrets.token_hex(3)}"
        folder = self.root / run_id
        folder.mkdir(parents=True, exist_ok=False)
        write_json(folder / "config.json", config)
        self._execute("INSERT INTO runs (id, kind, status, created) VALUES (?, ?, 'running', ?)", (run_id, kind, time.time()))
        return Run(self, run_id, folder)

    def resume_run(self, run_id: str) -> "Run":
        """Reopen a failed or interrupted run so that a study can finish it (it keeps its files)."""
        run = self.get(run_id)
        if run.status == "complete":
            raise ValueError(f"run {run_id} is already complete; nothing to resume")
        self._execute("UPDATE runs SET status = 'running', finished = NULL, error = NULL WHERE id = ?", (run_id,))
        (run.folder / "error.json").unlink(missing_ok=True)
        return run

    def runs(self) -> list[dict]:
        """All runs, newest first, as dicts with id, kind, status, created, finished, summary."""
        if not (self.root / "index.sqlite").exists():
            return []
        rows = self._execute("SELECT id, kind, status, created, finished, summary, error FROM runs ORDER BY created DESC")
        keys = ("id", "kind", "status", "created", "finished", "summary", "error")
        return [dict(zip(keys, r), summary=json.loads(r[5]) if r[5] else {}) for r in rows]

    def get(self, run_id: str) -> "Run":
        folder = self.root / run_id
        if not folder.is_dir():
            raise FileNotFoundError(f"no run {run_id!r} in {self.root}; `genlab runs --out {self.root}` lists them")
        return Run(self, run_id, folder)


@dataclass
class Run:
    """One run's folder. Use as a context manager: an exception (Ctrl-C included) marks it failed."""

    store: RunStore
    id: str
    folder: Path

    @property
    def config(self) -> dict:
        return json.loads((self.folder / "config.json").read_text())

    @property
    def result(self) -> dict:
        path = self.folder / "result.json"
        if not path.exists():
            raise FileNotFoundError(f"run {self.id} has no result.json (status: {self.status})")
        return json.loads(path.read_text())

    @property
    def status(self) -> str:
        rows = self.store._execute("SELECT status FROM runs WHERE id = ?", (self.id,))
        return rows[0][0] if rows else "unknown"

    def log_metrics(self, record: dict) -> None:
        """Append one JSON line to metrics.jsonl (flushed, so a crash loses at most that line)."""
        with open(self.folder / "metrics.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()

    def metrics(self) -> list[dict]:
        path = self.folder / "metrics.jsonl"
        if not path.exists():
            return []
        out = []
        for line in path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut by a crash
                break
        return out

    def save_tensors(self, name: str, tensors: dict[str, torch.Tensor]) -> Path:
        path = self.folder / f"{name}.safetensors"
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(tmp))
        os.replace(tmp, path)
        return path

    def load_tensors(self, name: str) -> dict[str, torch.Tensor]:
        return load_file(str(self.folder / f"{name}.safetensors"))

    def save_bytes(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        _atomic_write(path, data)
        return path

    def complete(self, result: dict, summary: dict | None = None) -> None:
        """Write result.json and mark the run complete (the last thing a run does)."""
        write_json(self.folder / "result.json", result)
        self.store._execute(
            "UPDATE runs SET status = 'complete', finished = ?, summary = ? WHERE id = ?",
            (time.time(), json.dumps(summary or {}), self.id),
        )

    def fail(self, error: str) -> None:
        self.store._execute("UPDATE runs SET status = 'failed', finished = ?, error = ? WHERE id = ?", (time.time(), error, self.id))
        write_json(self.folder / "error.json", {"error": error})

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            if issubclass(exc_type, KeyboardInterrupt):
                self.fail("interrupted (KeyboardInterrupt)")
            else:
                self.fail(f"{exc_type.__name__}: {exc}\n" + "".join(traceback.format_tb(tb)))
        return False
