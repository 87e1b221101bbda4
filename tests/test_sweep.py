"""The sweep engine: results in config order, skipping finished tasks, no duplicates after a kill,
and the Ray path (embedded, 2 workers)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from genlab.sweep import load_results, run_sweep, task_key


def square(config, shared):
    return {"y": torch.tensor(float(config["x"] ** 2 + shared)), "threads": torch.tensor(torch.get_num_threads())}


def refuse(config, shared):
    raise AssertionError("a finished task was run again")


def broken(config, shared):
    if config["x"] == 2:
        raise ValueError("bad config")
    return {"y": torch.tensor(1.0)}


def test_task_key_is_content_based():
    assert task_key({"a": 1, "b": [2, 3]}) == task_key({"b": [2, 3], "a": 1})
    assert task_key({"a": 1}) != task_key({"a": 2})
    with pytest.raises(TypeError, match="JSON"):
        task_key({"a": object()})


def test_serial_sweep_returns_results_in_order_and_skips_finished_tasks(tmp_path):
    configs = [{"x": i} for i in range(5)]
    results = run_sweep(square, configs, tmp_path, shared=1, workers=0, progress=False)
    assert [float(r["y"]) for r in results] == [1, 2, 5, 10, 17]
    assert len(list((tmp_path / "tasks").glob("*.safetensors"))) == 5
    again = run_sweep(refuse, configs, tmp_path, shared=1, workers=0, progress=False)  # everything is stored
    assert [float(r["y"]) for r in again] == [1, 2, 5, 10, 17]


def test_a_failing_task_stops_the_sweep_and_keeps_the_finished_ones(tmp_path):
    configs = [{"x": i} for i in range(4)]
    with pytest.raises(ValueError, match="bad config"):
        run_sweep(broken, configs, tmp_path, workers=0, progress=False)
    assert [r is not None for r in load_results(tmp_path, configs)] == [True, True, False, False]


def test_sweep_rejects_duplicate_configs(tmp_path):
    with pytest.raises(ValueError, match="distinct"):
        run_sweep(square, [{"x": 1}, {"x": 1}], tmp_path, workers=0)


SCRIPT = """
import sys, time, torch
from genlab.sweep import run_sweep

def slow(config, shared):
    time.sleep(0.5)
    return {"x": torch.tensor(config["x"])}

if __name__ == "__main__":
    out = run_sweep(slow, [{"x": i} for i in range(12)], sys.argv[1], workers=2, progress=False)
    print("order", [int(r["x"]) for r in out])
"""


def test_ray_sweep_killed_part_way_resumes_with_exactly_k_results(tmp_path):
    script = tmp_path / "sweep_script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    folder = tmp_path / "sweep"
    env = dict(os.environ, RAY_AUTH_MODE="disabled")
    proc = subprocess.Popen([sys.executable, str(script), str(folder)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((folder / "tasks").glob("*.safetensors"))) < 3 if (folder / "tasks").exists() else time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its Ray workers die mid-sweep
    proc.wait()
    done = len(list((folder / "tasks").glob("*.safetensors")))
    assert 3 <= done < 12
    finished = subprocess.run([sys.executable, str(script), str(folder)], env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"order {list(range(12))}" in finished.stdout  # results in configuration order, whatever order they finished in
    files = sorted(p.name for p in (folder / "tasks").iterdir())
    assert len(files) == 12 and all(f.endswith(".safetensors") for f in files)  # no duplicates, no temporary leftovers


DYING = """
import os, signal, sys, torch
from pathlib import Path
from genlab.sweep import run_sweep

def task(config, shared):
    marker = Path(shared) / f"died-{config['x']}"
    if config["x"] == 2 and not marker.exists():  # the first attempt's worker process dies mid-task
        marker.write_text("x")
        os.kill(os.getpid(), signal.SIGKILL)
    return {"x": torch.tensor(config["x"])}

if __name__ == "__main__":
    out = run_sweep(task, [{"x": i} for i in range(4)], sys.argv[1], shared=sys.argv[1], workers=2, progress=False)
    print("order", [int(r["x"]) for r in out])
"""


def test_ray_retries_the_task_of_a_worker_that_died(tmp_path):
    script = tmp_path / "dying.py"
    script.write_text(textwrap.dedent(DYING))
    folder = tmp_path / "sweep"
    folder.mkdir()
    done = subprocess.run([sys.executable, str(script), str(folder)], env=dict(os.environ, RAY_AUTH_MODE="disabled"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "order [0, 1, 2, 3]" in done.stdout and (folder / "died-2").exists()
    assert len(list((folder / "tasks").glob("*.safetensors"))) == 4
