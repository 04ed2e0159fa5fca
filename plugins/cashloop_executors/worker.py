"""The helper process's side of the pipe: receive a call, run it, send the outcome back.

Wire format (one ``send_bytes`` message each way, pickled with the highest protocol):
the parent sends ``(fn, args, kwargs)`` and the helper answers ``(True, result)`` or
``(False, exception)``; an empty message asks the helper to exit. A helper runs one call at a time
and the parent never sends a second call before the first one's answer is read, so neither side
can block on a full pipe while the other does too. A call that shares a batch is
``run_claiming(batch, fn, args)``: ``fn`` gets a function claiming that batch's items from the
claim board the helper was started with; when ``fn`` fails, the batch is closed for everyone.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import signal
import traceback
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from multiprocessing.connection import Connection

    from cashloop_executors.claims import ClaimBoard

__all__ = ["STOP", "WorkerError", "ignore_interrupts", "run_claiming", "serve"]

STOP = b""

#: the claim board of the pool this helper belongs to (set when the helper starts)
_BOARD: ClaimBoard | None = None


class WorkerError(RuntimeError):
    """A call failed in a helper process with an exception that could travel back neither as it
    was nor as one of its base classes; the message keeps its type, text and traceback."""


def ignore_interrupts() -> None:
    """Helpers ignore Ctrl-C: a terminal sends SIGINT to the whole process group, and only the
    main process should react (it cancels the run, marks it interrupted and shuts the pool down)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def serve(conn: Connection, board: ClaimBoard | None = None) -> None:
    """The helper's whole life: run calls until the parent says stop or goes away."""
    global _BOARD
    _BOARD = board
    ignore_interrupts()
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the parent closed its end (or died): nothing left to do
        if message == STOP:
            return
        conn.send_bytes(_answer(message))


def run_claiming(batch: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """In a helper: ``fn(claim, *args)``, where ``claim()`` claims the next range of ``batch``
    from the pool's claim board (``None`` once none is left)."""
    board = _BOARD
    if board is None:
        raise RuntimeError("this process is not a cashloop worker with a claim board")
    try:
        return fn(functools.partial(board.claim, batch), *args)
    except BaseException:
        # the batch fails anyway: stop everyone claiming, so the caller learns of it soon
        with contextlib.suppress(Exception):
            board.close(batch)
        raise


def _answer(message: bytes) -> bytes:
    try:
        fn, args, kwargs = pickle.loads(message)
        reply: tuple[bool, object] = (True, fn(*args, **kwargs))
    except BaseException as exc:  # everything travels back; the helper itself lives on
        return _failure(exc)
    try:
        return pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        return _failure(exc, "its result could not be sent back to the calling process")


def _failure(exc: BaseException, context: str = "") -> bytes:
    """The exception, with the helper's traceback as a note, in a form the parent can rebuild."""
    where = f"raised in cashloop worker process {os.getpid()}"
    if context:
        where = f"{where} ({context})"
    remote = "".join(traceback.format_exception(exc)).rstrip()
    note = f"{where}:\n{remote}"
    for candidate in _travelling_forms(exc):
        candidate.add_note(note)
        try:
            data = pickle.dumps((False, candidate), pickle.HIGHEST_PROTOCOL)
            pickle.loads(data)  # the parent must be able to rebuild it
        except Exception:
            continue
        return data
    error = WorkerError(f"{type(exc).__qualname__}: {exc} ({where})\n{remote}")
    return pickle.dumps((False, error), pickle.HIGHEST_PROTOCOL)


def _travelling_forms(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` itself, then the same message as its nearest base classes (an exception whose
    ``__init__`` takes other arguments than its message does not unpickle; its base may)."""
    yield exc
    for base in type(exc).__mro__[1:]:
        if base in (Exception, BaseException) or not issubclass(base, BaseException):
            break
        try:
            yield base(str(exc))
        except Exception:
            continue
