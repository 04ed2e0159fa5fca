"""A valid third-party plugin: the output handler ``fake-ok`` (collects events in a list)."""

from __future__ import annotations

from cashloop.plugin import OutputHandlerSpec, hookimpl


class FakeOkOutput:
    def __init__(self, options: dict) -> None:
        self.options = options
        self.events: list[tuple[int, str]] = []

    def record_event(self, iteration: int, event_type: str) -> None:
        self.events.append((iteration, event_type))


@hookimpl
def register_output_handlers() -> list[OutputHandlerSpec]:
    return [
        OutputHandlerSpec(
            name="fake-ok", factory=FakeOkOutput, description="fake output handler (tests)"
        )
    ]
