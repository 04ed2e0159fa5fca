"""The ``console`` output handler: rich rendering of every event, live.

Importing this package must stay cheap (it is loaded for every ``cashloop`` command): rich and the
display are imported only when a handler is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cashloop.plugin import OutputHandlerSpec, hookimpl
from cashloop_console.options import ConsoleOptions

if TYPE_CHECKING:
    from cashloop_console.handler import ConsoleOutput

__all__ = ["ConsoleOptions", "make_console_output", "register_output_handlers"]


def make_console_output(options: ConsoleOptions) -> ConsoleOutput:
    """Factory of the ``console`` output handler."""
    from cashloop_console.handler import ConsoleOutput

    return ConsoleOutput(options)


@hookimpl
def register_output_handlers() -> list[OutputHandlerSpec]:
    return [
        OutputHandlerSpec(
            name="console",
            factory=make_console_output,
            options=ConsoleOptions,
            description="Rich terminal display of every event (verbosity flags choose the detail).",
        )
    ]
