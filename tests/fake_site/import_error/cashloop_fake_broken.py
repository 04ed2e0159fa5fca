"""A plugin whose import fails: it needs a dependency that is not installed."""

from __future__ import annotations

import cashloop_fake_missing_dependency  # noqa: F401 - deliberately missing

from cashloop.plugin import hookimpl


@hookimpl
def register_output_handlers() -> list:
    return []
