"""The ``example-jsonl`` output handler: each event it receives, as one JSON line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import attrs

from cashloop.plugin import hookimpl

__all__ = ["JsonLinesOptions", "JsonLinesOutput"]


@attrs.frozen(kw_only=True)
class JsonLinesOptions:
    """``path``: the file events are appended to; relative to the experiment config's folder."""

    path: Path


class JsonLinesOutput:
    """Appends ``{"event_type", "iteration", **event_data}`` per event, flushed at once so a
    reader (``tail -f``) sees each event as it happens."""

    def __init__(self, options: JsonLinesOptions) -> None:
        self.path = options.path
        self._file: IO[str] | None = None

    @hookimpl
    def record_event(self, iteration: int, event_type: str, event_data: Mapping[str, Any]) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        event = {"event_type": event_type, "iteration": iteration, **event_data}
        self._file.write(json.dumps(event, allow_nan=False) + "\n")
        self._file.flush()

    @hookimpl
    def on_experiment_complete(self) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
