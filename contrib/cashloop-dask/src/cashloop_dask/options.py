"""Options of the ``dask`` executor: an existing scheduler's ``address``, or the shape of a local
cluster (``workers``, ``threads_per_worker``, ``processes``), never both."""

from __future__ import annotations

import os

import attrs

__all__ = ["DaskOptions"]

_LOCAL_KEYS = ("workers", "threads_per_worker", "processes")


@attrs.frozen(kw_only=True)
class DaskOptions:
    """``address``: an existing scheduler (``tcp://host:8786``); the executor only connects to
    it and disconnects at the end. Without it a local cluster is started at the first batch and
    closed at the end: ``workers`` worker processes (default ``os.cpu_count()``), each with
    ``threads_per_worker`` threads (default 1: the evaluator need not be thread-safe), or
    threads of this process when ``processes`` is false. ``retries``: how often a task that
    raised is run again (a worker that dies is handled by the scheduler, which reruns its tasks
    elsewhere). ``timeout``: seconds to wait for the scheduler and its first worker."""

    address: str | None = None
    workers: int | None = None
    threads_per_worker: int | None = None
    processes: bool | None = None
    retries: int = 0
    timeout: float = 30.0

    def problems(self) -> list[str]:
        """Every invalid option as ``name: message`` (empty when valid)."""
        found = []
        if self.address is not None:
            if "://" not in self.address:
                found.append(
                    f"address: {self.address!r} is not a scheduler address; "
                    "write it as tcp://HOST:PORT"
                )
            given = [key for key in _LOCAL_KEYS if getattr(self, key) is not None]
            if given:
                found.append(
                    f"address: cannot be combined with {', '.join(given)} (those shape a local "
                    "cluster; an existing scheduler has its own workers): remove one or the other"
                )
        if self.workers is not None and self.workers < 1:
            found.append("workers: must be >= 1")
        if self.threads_per_worker is not None and self.threads_per_worker < 1:
            found.append("threads_per_worker: must be >= 1")
        if self.retries < 0:
            found.append("retries: must be >= 0")
        if self.timeout <= 0:
            found.append("timeout: must be > 0")
        return found

    @property
    def local_workers(self) -> int:
        return self.workers if self.workers is not None else (os.cpu_count() or 1)

    @property
    def local_threads(self) -> int:
        return self.threads_per_worker if self.threads_per_worker is not None else 1
