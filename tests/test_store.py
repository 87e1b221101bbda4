import json

import pytest
import torch

from genlab.store import RunStore


def test_complete_run_is_indexed_with_its_files(tmp_path):
    store = RunStore(tmp_path)
    with store.start_run("demo", {"a": 1}) as run:
        run.log_metrics({"step": 1, "loss": 2.0})
        run.save_tensors("weights", {"w": torch.arange(3.0)})
        run.complete({"answer": 42}, {"error_bound": 0.1})
    (row,) = store.runs()
    assert row["status"] == "complete" and row["summary"] == {"error_bound": 0.1}
    assert run.config == {"a": 1} and run.result == {"answer": 42}
    assert run.metrics() == [{"step": 1, "loss": 2.0}]
    assert torch.equal(run.load_tensors("weights")["w"], torch.arange(3.0))
    assert not [p for p in run.folder.iterdir() if ".tmp-" in p.name]


@pytest.mark.parametrize("exc,status_text", [(KeyboardInterrupt, "interrupted"), (RuntimeError, "RuntimeError")])
def test_exception_marks_run_failed_without_result(tmp_path, exc, status_text):
    store = RunStore(tmp_path)
    with pytest.raises(exc):
        with store.start_run("demo", {}) as run:
            run.log_metrics({"step": 1})
            raise exc("boom")
    (row,) = store.runs()
    assert row["status"] == "failed" and status_text in row["error"]
    assert not (run.folder / "result.json").exists()
    assert status_text in json.loads((run.folder / "error.json").read_text())["error"]


def test_truncated_metrics_line_is_skipped(tmp_path):
    run = RunStore(tmp_path).start_run("demo", {})
    run.log_metrics({"step": 1})
    with open(run.folder / "metrics.jsonl", "a") as f:
        f.write('{"step": 2, "lo')
    assert run.metrics() == [{"step": 1}]


def test_unknown_run_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="genlab runs"):
        RunStore(tmp_path).get("nope")
