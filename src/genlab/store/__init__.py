"""The run store: ``RunStore(root).start_run(kind, config)`` -> a ``Run`` folder, indexed in SQLite."""

from genlab.store._store import Run, RunStore, write_json

__all__ = ["Run", "RunStore", "write_json"]
