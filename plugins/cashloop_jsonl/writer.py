"""Writes every event as one JSON line, appended and flushed as it happens."""

from __future__ import annotations

import pathlib
import sys
from collections.abc import Mapping
from typing import IO, Any

from cashloop.plugin import hookimpl
from cashloop.runner.event_json import event_to_json
from cashloop_jsonl.options import JsonlOptions

__all__ = ["JsonlOutput"]


class JsonlOutput:
    """The ``jsonl`` output handler.

    Each line is written with a single ``write`` and flushed, so a crash can cut at most the
    line being written, never an earlier one. A file left without a final newline by an earlier
    crash gets one before the first new line, so new events never join a cut line.
    """

    def __init__(self, options: JsonlOptions) -> None:
        self._path = options.path
        self._file: IO[str] | None = None

    @hookimpl
    def record_event(self, iteration: int, event_type: str, event_data: Mapping[str, Any]) -> None:
        line = event_to_json({"event_type": event_type, "iteration": iteration, **event_data})
        stream = self._stream()
        stream.write(line + "\n")
        stream.flush()

    @hookimpl
    def on_experiment_complete(self) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (standard output is left open); a later event reopens it."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def _stream(self) -> IO[str]:
        if self._path is None:
            return sys.stdout
        if self._file is None:
            self._file = _open_for_append(self._path)
        return self._file


def _open_for_append(path: pathlib.Path) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    needs_newline = _ends_without_newline(path)
    stream = open(path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115 - kept open for the run
    if needs_newline:
        stream.write("\n")
    return stream


def _ends_without_newline(path: pathlib.Path) -> bool:
    try:
        with open(path, "rb") as existing:
            existing.seek(0, 2)
            if existing.tell() == 0:
                return False
            existing.seek(-1, 2)
            return existing.read(1) != b"\n"
    except FileNotFoundError:
        return False
