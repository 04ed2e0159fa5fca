"""The parent's handle on one helper process: its pipe, and the one call it is running."""

from __future__ import annotations

import contextlib
import pickle
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from cashloop_executors.claims import ClaimBoard
from cashloop_executors.worker import STOP, serve

__all__ = ["Helper"]

_JOIN_SECONDS = 5.0


class Helper:
    """One persistent helper process connected by a duplex pipe; at most one call in flight.

    Any interruption while a message is half written or half read (Ctrl-C, a dead process) leaves
    the pipe unusable, so the helper is then killed and its call failed; the pool starts a fresh
    helper when it next needs one. The helper inherits the pool's claim board; it is killed only
    while the board's lock is held, so it never dies holding it.
    """

    def __init__(self, context: BaseContext, index: int, board: ClaimBoard) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        self.conn: Connection = parent_end
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=serve, args=(child_end, board), name=f"cashloop-worker-{index}", daemon=True
        )
        self.process.start()
        child_end.close()
        self._board = board
        self.current: Future[Any] | None = None
        self.alive = True

    @property
    def idle(self) -> bool:
        return self.alive and self.current is None

    def send(self, future: Future[Any], message: bytes) -> None:
        """Start a call (the helper must be idle, the future running); :meth:`receive` ends it."""
        self.current = future
        try:
            self.conn.send_bytes(message)
        except BaseException as exc:
            self.kill(exc if isinstance(exc, Exception) else None)
            raise

    def receive(self) -> None:
        """Read the answer to the current call (the pipe is readable) and complete its future."""
        future = self.current
        try:
            data = self.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            self.kill(exc)
            return
        except BaseException:
            self.kill(None)
            raise
        self.current = None
        if future is None:
            return
        try:
            ok, value = pickle.loads(data)
        except Exception as exc:
            future.set_exception(exc)
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def kill(self, cause: BaseException | None) -> None:
        """Stop the process now and fail its call, if any, naming what happened."""
        if not self.alive:
            return
        self.alive = False
        self._kill_process()
        self.conn.close()
        future, self.current = self.current, None
        if future is not None and not future.done():
            code = self.process.exitcode
            reason = f"it died (exit code {code})" if cause is not None else "it was interrupted"
            error = BrokenProcessPool(
                f"cashloop worker process {self.process.pid} did not finish its call: {reason}"
            )
            error.__cause__ = cause
            future.set_exception(error)

    def stop(self) -> None:
        """Ask an idle helper to exit (see :meth:`join`)."""
        if self.alive:
            with contextlib.suppress(OSError):  # already gone
                self.conn.send_bytes(STOP)

    def join(self) -> None:
        """Wait for a stopped helper to exit, killing it if it does not go."""
        if not self.alive:
            return
        self.process.join(_JOIN_SECONDS)
        if self.process.is_alive():
            self._kill_process()
        self.alive = False
        self.conn.close()

    def _kill_process(self) -> None:
        with self._board.held():  # not in the middle of a claim
            self.process.kill()
        self.process.join(_JOIN_SECONDS)
