"""Whether the process recorded as a run's writer is still alive."""

from __future__ import annotations

import os
import socket
import sys
from typing import Literal

__all__ = ["writer_state"]


def writer_state(pid: int, host: str | None) -> Literal["alive", "dead", "unknown"]:
    """``alive`` or ``dead`` for a process of this machine; ``unknown`` for another machine's, or
    where the platform cannot tell (``os.kill(pid, 0)`` would terminate it on Windows)."""
    if host != socket.gethostname() or sys.platform == "win32":
        return "unknown"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "dead"
    except PermissionError:
        return "alive"
    return "alive"
