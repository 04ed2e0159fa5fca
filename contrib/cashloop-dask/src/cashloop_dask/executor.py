"""``DaskExecutor``: a ``concurrent.futures.Executor`` whose tasks run on a Dask cluster.

Its futures are the standard library's (``distributed``'s own ``ClientExecutor`` makes them), so
``concurrent.futures.wait`` and ``as_completed`` work on them. The run's evaluator reaches each
worker once, through a worker plugin (:class:`cashloop.plugin.EvaluatorHost`). A worker that dies
is the scheduler's business: it reruns the worker's tasks on the others (up to its
``distributed.scheduler.allowed-failures``), and a nanny restarts the worker, which gets the
plugin again. Shutting down closes what the executor started (a local cluster) and only
disconnects from a scheduler it was given.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, final

from distributed import Client, LocalCluster

from cashloop.plugin import ConfigError
from cashloop_dask.worker_plugin import EvaluatorPlugin, plugin_name

if TYPE_CHECKING:
    from cashloop_dask.options import DaskOptions

__all__ = ["DaskExecutor"]

P = ParamSpec("P")
T = TypeVar("T")


@final
class DaskExecutor(Executor):
    """Submits each call to a Dask cluster (module docstring). ``max_workers`` is the cluster's
    total worker threads, so the evaluation service cuts enough tasks to keep them busy."""

    def __init__(self, options: DaskOptions, client: Client | None = None) -> None:
        self.options = options
        self._client = client
        self._cluster: LocalCluster | None = None
        self._tasks: Any = None  # distributed's ClientExecutor, once connected
        self._plugins: list[str] = []
        self._lock = threading.Lock()
        self._shutdown = False
        if client is None:
            self.max_workers = options.local_workers * options.local_threads
        else:
            self.max_workers = max(1, sum(client.nthreads().values()))  # type: ignore[no-untyped-call]
            self._tasks = client.get_executor(pure=False, retries=options.retries)  # type: ignore[no-untyped-call]

    @classmethod
    def from_options(cls, options: DaskOptions) -> DaskExecutor:
        """Connected to ``options.address`` now (a :class:`ConfigError` naming
        ``executor.address`` when that fails), or ready to start a local cluster on need."""
        if options.address is None:
            return cls(options)
        return cls(options, _connect(options.address, options.timeout))

    @property
    def started(self) -> bool:
        """Whether a cluster is connected (a local one starts at the first batch)."""
        return self._tasks is not None

    @property
    def owns_cluster(self) -> bool:
        return self.options.address is None

    def bind_evaluator(self, key: str, payload: bytes) -> None:
        """Installs the evaluator in every worker, now and on any worker that joins later."""
        client, _ = self._started()
        name = plugin_name(key)
        with self._lock:
            if name in self._plugins:
                return
            self._plugins.append(name)
        client.register_plugin(EvaluatorPlugin(key, payload), name=name)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        _, tasks = self._started()
        future: Future[T] = tasks.submit(fn, *args, **kwargs)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            if self._shutdown:
                return
            self._shutdown = True
            tasks, client, cluster = self._tasks, self._client, self._cluster
            self._tasks = self._client = self._cluster = None
        if tasks is not None:
            tasks.shutdown(wait=wait and not cancel_futures)  # wait=False cancels what is left
        if client is not None:
            if cluster is None:  # a scheduler we were given outlives us: leave it clean
                for name in self._plugins:
                    _quietly(client.unregister_worker_plugin, name)
            client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()

    def _started(self) -> tuple[Client, Any]:
        """The client and its ``ClientExecutor``, a local cluster started first if needed."""
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new calls after shutdown")
            if self._client is None:
                self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=self.options.local_workers,
                    threads_per_worker=self.options.local_threads,
                    processes=self.options.processes is not False,
                    host="127.0.0.1",
                    dashboard_address=None,  # no dashboard; its health endpoint on any port:
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster, set_as_default=False)  # type: ignore[no-untyped-call]
                self._tasks = self._client.get_executor(  # type: ignore[no-untyped-call]
                    pure=False, retries=self.options.retries
                )
            return self._client, self._tasks

    def __repr__(self) -> str:
        where = self.options.address or "local cluster"
        state = "shut down" if self._shutdown else "started" if self.started else "not started"
        return f"DaskExecutor({where}, max_workers={self.max_workers}, {state})"


def _connect(address: str, timeout: float) -> Client:
    try:
        client = Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            [
                f"executor.address: cannot reach a Dask scheduler at {address} within "
                f"{timeout:g} s ({exc}); start one (`dask scheduler`) or correct the address"
            ]
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError):
        client.close()  # type: ignore[no-untyped-call]
        raise ConfigError(
            [
                f"executor.address: the Dask scheduler at {address} has no worker after "
                f"{timeout:g} s; start some with `dask worker {address}`"
            ]
        ) from None
    return client


def _quietly(call: Callable[[str], Any], name: str) -> None:
    try:
        call(name)
    except Exception:  # the scheduler may already be gone; nothing is left to clean then
        logging.getLogger(__name__).debug("could not unregister %s", name, exc_info=True)
