"""The ``jsonl`` output handler: every event as one JSON line, for tools and scripts."""

from __future__ import annotations

from cashloop.plugin import OutputHandlerSpec, hookimpl
from cashloop_jsonl.options import JsonlOptions
from cashloop_jsonl.writer import JsonlOutput

__all__ = ["JsonlOptions", "JsonlOutput", "make_jsonl_output", "register_output_handlers"]


def make_jsonl_output(options: JsonlOptions) -> JsonlOutput:
    """Factory of the ``jsonl`` output handler."""
    return JsonlOutput(options)


@hookimpl
def register_output_handlers() -> list[OutputHandlerSpec]:
    return [
        OutputHandlerSpec(
            name="jsonl",
            factory=make_jsonl_output,
            options=JsonlOptions,
            description="Every event as one JSON line, appended to `path` or written to stdout.",
        )
    ]
