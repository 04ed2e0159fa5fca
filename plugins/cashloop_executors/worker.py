"""What runs in each worker process of the ``process`` executor before its first task.

A worker ignores Ctrl-C (a terminal sends SIGINT to the whole process group; only the main process
reacts, cancels the run and shuts the pool down), dies with the process that started the pool
(Linux's parent-death signal where it exists, and everywhere a watchdog thread that notices the
parent has gone: a pool's workers otherwise outlive a parent killed with SIGKILL, holding files
open), and loads the run's evaluators once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence

from cashloop.plugin import load_evaluator

__all__ = ["WATCH_SECONDS", "start_worker"]

#: how often a worker checks that the process that started it is still alive
WATCH_SECONDS = 0.25
_PR_SET_PDEATHSIG = 1


def start_worker(parent_pid: int, evaluators: Sequence[tuple[str, bytes]]) -> None:
    """The pool's initializer: see the module docstring."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent_pid)
    for key, payload in evaluators:
        load_evaluator(key, payload)


def _die_with(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        try:  # the kernel kills us when our parent (the pool's owner or its fork server) exits
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    direct_parent = os.getppid()
    threading.Thread(
        target=_watch, args=(parent_pid, direct_parent), name="cashloop-parent-watch", daemon=True
    ).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(parent_pid: int, direct_parent: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != direct_parent or not _alive(parent_pid):
            os._exit(1)
