"""The ``silent`` output handler: the core's seed ``SilentOutput``, registered as a plugin."""

from __future__ import annotations

import attrs

from cashloop.plugin import OutputHandlerSpec, hookimpl
from cashloop.runner.output import SilentOutput

__all__ = ["SilentOptions", "make_silent_output", "register_output_handlers"]


@attrs.frozen(kw_only=True)
class SilentOptions:
    """``silent`` takes no options; declaring the empty class makes any given key an error."""


def make_silent_output(options: SilentOptions) -> SilentOutput:
    """Factory of the ``silent`` output handler."""
    return SilentOutput()


@hookimpl
def register_output_handlers() -> list[OutputHandlerSpec]:
    return [
        OutputHandlerSpec(
            name="silent",
            factory=make_silent_output,
            options=SilentOptions,
            description="Shows nothing (the run is still stored and can be replayed).",
        )
    ]
