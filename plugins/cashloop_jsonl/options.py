"""Options of the ``jsonl`` output handler."""

from __future__ import annotations

import pathlib

import attrs

__all__ = ["JsonlOptions"]


@attrs.frozen(kw_only=True)
class JsonlOptions:
    """``path``: the file events are appended to (relative to the config's folder); ``None`` is
    standard output."""

    path: pathlib.Path | None = None
