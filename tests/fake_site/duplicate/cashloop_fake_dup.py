"""A plugin registering an output handler named like a built-in one: ``console``."""

from __future__ import annotations

from cashloop.plugin import OutputHandlerSpec, hookimpl


@hookimpl
def register_output_handlers() -> list[OutputHandlerSpec]:
    return [OutputHandlerSpec(name="console", factory=dict, description="a second console")]
