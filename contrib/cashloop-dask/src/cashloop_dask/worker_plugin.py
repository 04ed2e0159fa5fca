"""The worker plugin that installs a run's evaluator in every Dask worker: the scheduler keeps it
and gives it to each worker that joins later, a restarted one included, before its first task."""

from __future__ import annotations

from typing import TYPE_CHECKING

from distributed import WorkerPlugin

from cashloop.plugin import load_evaluator

if TYPE_CHECKING:
    from distributed import Worker

__all__ = ["EvaluatorPlugin", "plugin_name"]


def plugin_name(key: str) -> str:
    """The name a run's evaluator plugin is registered under (one per run)."""
    return f"cashloop-evaluator-{key}"


class EvaluatorPlugin(WorkerPlugin):
    """Unpickles the evaluator once per worker process (``cashloop.plugin.load_evaluator``), where
    the run's tasks find it; registering it again is a no-op (``idempotent``)."""

    idempotent = True

    def __init__(self, key: str, payload: bytes) -> None:
        self.key = key
        self.payload = payload

    def setup(self, worker: Worker) -> None:
        load_evaluator(self.key, self.payload)
