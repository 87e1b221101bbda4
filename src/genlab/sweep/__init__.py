"""Map a function over configurations, in parallel with Ray, into a run folder.

``run_sweep(fn, configs, folder, shared=data)`` calls ``fn(config, shared)`` once per
configuration and returns the results (dicts of tensors) in the order of ``configs``.

- Each configuration is a task named by the hash of its canonical JSON (``task_key``). Its result
  is written by the driver, atomically, to ``folder/tasks/<key>.safetensors`` (with the
  configuration in the file's metadata) as soon as it arrives; a task whose file exists is skipped. An interrupted sweep (Ctrl-C, a killed process)
  therefore resumes where it stopped when run again, and since only the driver writes, once per
  key, no result is ever duplicated.
- A worker that dies mid-task (killed, out of memory) is retried by Ray (``max_retries``); an
  exception raised by ``fn`` itself is not retried: the sweep stops with it, the finished tasks kept.
- ``workers=0`` runs the tasks one by one in this process (no Ray: for debugging or one GPU).
  Otherwise Ray is started embedded on this machine with ``workers`` CPUs (default: all), or joins
  the cluster at ``address`` (e.g. ``ray://head:10001``). ``shared`` (the dataset) is put into
  Ray's object store once, not shipped with every task (numpy arrays in it are read without
  copies; torch tensors are unpickled once per task).
- Each task runs with ``threads_per_worker`` torch threads, so ``workers`` tasks share the cores
  instead of fighting over them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from safetensors.torch import load_file, save_file

from genlab._lazy import require
from genlab.train import progress_bar

TASKS_DIR = "tasks"


def task_key(config: dict) -> str:
    """16 hex digits of the SHA-256 of ``config``'s canonical JSON: the task's name on disk."""
    try:
        text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    except TypeError as e:
        raise TypeError(f"sweep configurations must be JSON-serialisable dicts (numbers, strings, lists): {e}") from None
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def describe_callable(fn) -> str:
    """A stable name for a task's model factory in a sweep manifest: a function's or class's
    qualified name (not its address); an instance's own ``repr`` when its class defines one."""
    if hasattr(fn, "__qualname__"):
        return f"{getattr(fn, '__module__', '')}.{fn.__qualname__}"
    if type(fn).__repr__ is not object.__repr__:
        return repr(fn)
    return f"{type(fn).__module__}.{type(fn).__qualname__}"


def fingerprint(*tensors) -> str:
    """16 hex digits identifying the given tensors' shapes and contents (None entries skipped):
    the data a sweep's manifest names."""
    digest = hashlib.sha256()
    for t in tensors:
        if t is not None:
            digest.update(str(tuple(t.shape)).encode())
            digest.update(t.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _path(folder: Path, key: str) -> Path:
    return folder / TASKS_DIR / f"{key}.safetensors"


def _save(folder: Path, key: str, result: dict[str, torch.Tensor], config: dict) -> None:
    if not isinstance(result, dict) or not all(isinstance(v, torch.Tensor) for v in result.values()):
        raise TypeError(f"a sweep task must return a dict of torch tensors, got {type(result).__name__}")
    path = _path(folder, key)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    save_file({k: v.detach().cpu().contiguous() for k, v in result.items()}, str(tmp), metadata={"config": json.dumps(config, sort_keys=True)})
    os.replace(tmp, path)


def _check_manifest(folder: Path, manifest: dict) -> None:
    path = folder / "sweep.json"
    text = json.dumps(manifest, sort_keys=True, indent=1)
    if path.exists():
        if json.loads(path.read_text()) != json.loads(text):
            raise ValueError(f"{folder} holds a sweep of another setting ({path} differs from this one: other data, model or shared settings); use a new folder")
        return
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def load_results(folder: str | os.PathLike, configs: Sequence[dict]) -> list[dict[str, torch.Tensor] | None]:
    """The stored result of each configuration (None where it has not finished)."""
    folder = Path(folder)
    return [load_file(str(p)) if (p := _path(folder, task_key(c))).exists() else None for c in configs]


def _call(fn: Callable, config: dict, shared: Any, threads: int) -> dict[str, torch.Tensor]:
    torch.set_num_threads(threads)
    return fn(config, shared)


def _start_ray(address: str | None, workers: int | None) -> bool:
    """Start (or join) Ray unless it is already up; True if this call started it."""
    ray = require("ray", "running tasks in parallel (workers > 0, or a cluster address; workers=0 runs them one by one here without Ray)")

    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    kwargs = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR, configure_logging=False)
    if address is None:
        kwargs["num_cpus"] = workers or os.cpu_count()
        # Embedded workers import what the driver imports (a function from a script or test module too).
        paths = [p for p in sys.path if p] + os.environ.get("PYTHONPATH", "").split(os.pathsep)
        previous = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in paths if p))  # the raylet, started now, passes its environment on
    try:
        ray.init(address=address, **kwargs)
    except (ConnectionError, ValueError, RuntimeError) as e:
        where = f"the Ray cluster at {address}" if address else "an embedded Ray instance"
        raise RuntimeError(f"could not start {where}: {e}. Check the address (ray://host:10001 for a remote head) or run without --address.") from e
    finally:
        if address is None:
            if previous is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = previous
    return True


def run_sweep(
    fn: Callable[[dict, Any], dict[str, torch.Tensor]],
    configs: Sequence[dict],
    folder: str | os.PathLike,
    *,
    shared: Any = None,
    workers: int | None = None,
    address: str | None = None,
    threads_per_worker: int = 1,
    max_retries: int = 3,
    progress: bool = True,
    description: str = "tasks",
    manifest: dict | None = None,
) -> list[dict[str, torch.Tensor]]:
    """Run ``fn(config, shared)`` for every configuration not yet stored in ``folder``; return
    all results in the order of ``configs``.

    Args:
        fn: a module-level function (Ray ships it to the workers) returning a dict of tensors.
        configs: JSON-serialisable dicts, pairwise distinct.
        folder: the sweep's folder (a store run's folder); results go to ``folder/tasks/``.
        shared: one read-only object every task receives (e.g. the dataset).
        workers: parallel tasks on this machine (None: all CPUs; 0: serially in this process).
        address: a Ray cluster to join instead of starting one here.
        threads_per_worker: torch threads per task.
        max_retries: retries of a task whose worker process died.
        manifest: what the tasks' results also depend on beyond their configurations (the data,
            the model, settings shared by all tasks), JSON-serialisable. It is written to
            ``folder/sweep.json`` on the first run; a later run with a different manifest is
            refused, so results of another setting are never mixed in.
    """
    folder = Path(folder)
    keys = [task_key(c) for c in configs]
    if len(set(keys)) != len(keys):
        raise ValueError("sweep configurations must be distinct (two have the same content)")
    if workers is not None and workers < 0:
        raise ValueError(f"workers must be >= 0 (0 runs in this process), got {workers}")
    if threads_per_worker < 1:
        raise ValueError(f"threads_per_worker must be >= 1, got {threads_per_worker}")
    (folder / TASKS_DIR).mkdir(parents=True, exist_ok=True)
    if manifest is not None:
        _check_manifest(folder, manifest)
    for stale in (folder / TASKS_DIR).glob(".*.tmp-*"):  # a write cut short by a kill
        stale.unlink(missing_ok=True)
    todo = [(k, c) for k, c in zip(keys, configs) if not _path(folder, k).exists()]

    with progress_bar(description, enabled=progress) as bar:
        task = bar.add_task(description, total=len(configs), completed=len(configs) - len(todo))
        if todo and (workers == 0):
            threads = torch.get_num_threads()
            try:
                for key, config in todo:
                    _save(folder, key, _call(fn, config, shared, threads_per_worker), config)
                    bar.advance(task)
            finally:
                torch.set_num_threads(threads)
        elif todo:
            _run_ray(fn, todo, folder, shared, workers, address, threads_per_worker, max_retries, lambda: bar.advance(task))

    results = load_results(folder, configs)
    missing = sum(r is None for r in results)
    if missing:
        raise RuntimeError(f"{missing} sweep tasks have no result in {folder / TASKS_DIR}; run the sweep again to finish them")
    return results


def _run_ray(fn, todo, folder, shared, workers, address, threads, max_retries, advance) -> None:
    ray = require("ray", "running tasks in parallel (workers > 0, or a cluster address; workers=0 runs them one by one here without Ray)")

    started = _start_ray(address, workers)
    pending: dict = {}
    try:
        remote = ray.remote(num_cpus=1, max_retries=max_retries, retry_exceptions=False)(_call)
        shared_ref = ray.put(shared)
        fn_ref = ray.put(fn)
        window = 2 * max(1, workers or int(ray.cluster_resources().get("CPU", 1)))  # bounded in flight: results land as they finish
        queue = list(todo)
        while queue or pending:
            while queue and len(pending) < window:
                key, config = queue.pop(0)
                pending[remote.remote(fn_ref, config, shared_ref, threads)] = (key, config)
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                key, config = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as e:
                    raise RuntimeError(f"sweep task {key} failed: {e.cause!r}") from e.cause
                _save(folder, key, result, config)
                advance()
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()
