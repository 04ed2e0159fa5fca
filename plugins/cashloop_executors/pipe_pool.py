"""``PipePool``: a low-latency process executor made of persistent helpers on plain pipes.

``ProcessPoolExecutor`` moves every call through a management thread and a queue's feeder thread;
each hop needs the GIL, so a round trip costs milliseconds when the caller is busy. Here the
calling thread talks to each helper over its own pipe: a call is one write, its answer one read,
and nothing runs in the background (a round trip is ~0.1 ms).

``max_workers`` calls run at once. The loop's evaluations count the calling thread as one of them
(the pool is a :class:`~cashloop.runner.sharing.SharingExecutor`): the caller opens a batch on the
pool's claim board (:class:`~cashloop_executors.claims.ClaimBoard`, shared memory every helper
inherits), sends each of ``max_workers - 1`` helpers one call that claims from it, and claims
from it too, so ``workers: 2`` means the caller plus one helper process. Submitted calls alone
use up to ``max_workers`` helpers.

Helpers are started lazily, at the first call that needs one. Without a background thread, a
submitted call's future is completed by whoever waits for it: ``result()``, ``exception()``,
``Executor.map`` and ``shutdown(wait=True)`` do that; ``concurrent.futures.wait``,
``as_completed`` and done-callbacks alone do not drive the pool. One thread at a time drives it.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait as wait_for_pipes
from multiprocessing.context import BaseContext
from typing import Any, ParamSpec, TypeVar, final

from cashloop_executors.claims import ClaimBoard
from cashloop_executors.helper import Helper
from cashloop_executors.worker import run_claiming

__all__ = ["PipePool"]

P = ParamSpec("P")
T = TypeVar("T")


class _PipeFuture(Future[T]):
    """A future that drives its pool while someone waits for it."""

    def __init__(self, pool: PipePool) -> None:
        super().__init__()
        self._pool = pool

    def result(self, timeout: float | None = None) -> T:
        self._pool._drive(self, timeout)
        return super().result(timeout=0)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._pool._drive(self, timeout)
        return super().exception(timeout=0)


@final
class PipePool(Executor):
    """Persistent helper processes, one pipe each, no background threads (module docstring)."""

    def __init__(self, max_workers: int, context: BaseContext) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be >= 1")
        self.max_workers = max_workers
        #: batches estimated to need less CPU than this run in the caller (EvaluationService)
        self.min_parallel_seconds = 0.0
        self._context = context
        self._helpers: list[Helper] = []
        self._queue: deque[tuple[_PipeFuture[Any], bytes]] = deque()
        self._lock = threading.RLock()
        self._shutdown = False
        self._started = 0
        self._board: ClaimBoard | None = None
        #: the open batch and the thread that opened it
        self._open_batch: tuple[int, int] | None = None

    @property
    def helper_count(self) -> int:
        """How many helper processes are running now (they start at the first call needing one)."""
        return sum(1 for h in self._helpers if h.alive)

    # -- Executor --------------------------------------------------------------------------------
    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new calls after shutdown")
            future: _PipeFuture[T] = _PipeFuture(self)
            try:
                message = pickle.dumps((fn, args, kwargs), pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # an unpicklable call fails in its future, as in a pool
                future.set_running_or_notify_cancel()
                future.set_exception(exc)
                return future
            entry = (future, message)
            self._queue.append(entry)
            try:
                self._dispatch()
            except BaseException:
                if entry in self._queue:  # never sent: the caller gets the error instead
                    self._queue.remove(entry)
                raise
            return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse new calls; with ``wait`` finish queued and running calls first (queued ones
        are cancelled with ``cancel_futures``). Without ``wait`` queued calls are cancelled and
        running ones fail at once. Helpers are then stopped (killed if they do not exit)."""
        with self._lock:
            self._shutdown = True
            if cancel_futures or not wait:
                while self._queue:
                    self._queue.popleft()[0].cancel()
            try:
                while wait and self._busy():
                    self._step(None)
            finally:
                while self._queue:  # only left after an error: nothing will run them now
                    self._queue.popleft()[0].cancel()
                helpers, self._helpers = self._helpers, []
                for helper in helpers:
                    if helper.idle:
                        helper.stop()
                    else:
                        helper.kill(None)
                for helper in helpers:
                    helper.join()

    # -- the caller takes a share (SharingExecutor) --------------------------------------------
    def open_batch(self, size: int, chunk: int) -> int:
        """Open a batch of ``size`` items, claimed ``chunk`` at a time. One batch is open at a
        time (one thread drives a pool): another thread opening one while this one is open is an
        error, not a batch that silently loses items to the other. The same thread opening a
        new one closes its old one (abandoned by an interrupt before it could be closed)."""
        with self._lock:
            me = threading.get_ident()
            if self._open_batch is not None and self._open_batch[1] != me:
                raise RuntimeError(
                    "a shared batch is already open on this process pool in another thread; "
                    "one thread at a time evaluates through it"
                )
            batch = self._claims().open(size, chunk)
            self._open_batch = (batch, me)
            return batch

    def claim(self, batch: int) -> tuple[int, int] | None:
        """The caller's claim: the next ``(start, stop)`` of ``batch``, ``None`` when none left."""
        return self._claims().claim(batch)

    def close_batch(self, batch: int) -> None:
        """No more claims from ``batch`` (helpers stop at their current range); the next batch
        may open."""
        with self._lock:
            if self._open_batch is not None and self._open_batch[0] == batch:
                self._open_batch = None
            self._claims().close(batch)

    def submit_claiming(self, batch: int, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """Run ``fn(claim, *args)`` in a helper, ``claim()`` claiming from ``batch``."""
        return self.submit(run_claiming, batch, fn, args)

    def _claims(self) -> ClaimBoard:
        """The claim board, made before the first helper starts (helpers inherit it)."""
        with self._lock:
            if self._board is None:
                self._board = ClaimBoard(self._context)
            return self._board

    # -- driving the helpers ---------------------------------------------------------------------
    def _drive(self, future: Future[Any], timeout: float | None) -> None:
        """Read answers until ``future`` is done or ``timeout`` seconds have passed."""
        if future.done():
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not future.done():
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                self._dispatch()
                if not self._busy():  # nothing can complete it (cannot happen), but never hang
                    if future.set_running_or_notify_cancel():
                        future.set_exception(BrokenProcessPool("no worker process is running"))
                    return
                self._step(remaining, future)  # timeout 0: one look at the pipes, no waiting
                if remaining == 0:
                    return

    def _step(self, timeout: float | None, wanted: Future[Any] | None = None) -> None:
        """Wait (up to ``timeout``) for answers, complete their futures, send queued calls."""
        self._dispatch()
        busy = self._busy()
        if not busy:
            return
        owner = next((h for h in busy if h.current is wanted), None)
        if owner is not None and not self._queue:
            # the common case: wait on the one pipe that matters, no selector needed
            if timeout is None or owner.conn.poll(timeout):
                owner.receive()
        else:
            ready = wait_for_pipes([h.conn for h in busy], timeout)
            for helper in busy:
                if helper.conn in ready:
                    helper.receive()
        self._dispatch()

    def _busy(self) -> list[Helper]:
        return [h for h in self._helpers if h.alive and h.current is not None]

    def _dispatch(self) -> None:
        """Send queued calls to idle helpers, starting helpers (up to ``max_workers``)."""
        while self._queue:
            helper = self._idle_helper()
            if helper is None:
                return
            future, message = self._queue.popleft()
            if future.set_running_or_notify_cancel():
                helper.send(future, message)

    def _idle_helper(self) -> Helper | None:
        self._helpers = [h for h in self._helpers if h.alive]
        for helper in self._helpers:
            if helper.idle:
                return helper
        if len(self._helpers) >= self.max_workers:
            return None
        helper = Helper(self._context, self._started, self._claims())
        self._started += 1
        self._helpers.append(helper)
        return helper

    def __repr__(self) -> str:
        state = "shut down" if self._shutdown else f"{len(self._helpers)} helper(s) running"
        return f"PipePool(max_workers={self.max_workers}, {state})"
