"""Example cashloop plugins from a separate distribution.

``example-jsonl`` (output handler) writes every event it receives as one JSON line;
``example-jsondir`` (storage backend) keeps each run in a directory (``run.json``,
``events.jsonl``, ``iterations.jsonl``). Select them in an experiment config::

    outputs: [{type: example-jsonl, path: results/events.jsonl}]
    storage: {type: example-jsondir, root: results/runs}
"""

from __future__ import annotations

from cashloop.plugin import OutputHandlerSpec, StorageBackendSpec, hookimpl
from cashloop_example.jsondir_storage import JsonDirOptions, JsonDirStorage
from cashloop_example.jsonl_output import JsonLinesOptions, JsonLinesOutput

__all__ = [
    "JsonDirOptions",
    "JsonDirStorage",
    "JsonLinesOptions",
    "JsonLinesOutput",
    "register_output_handlers",
    "register_storage_backends",
]


@hookimpl
def register_output_handlers() -> list[OutputHandlerSpec]:
    return [
        OutputHandlerSpec(
            name="example-jsonl",
            factory=JsonLinesOutput,
            options=JsonLinesOptions,
            description="every event as one JSON line in `path` (cashloop-example)",
        )
    ]


@hookimpl
def register_storage_backends() -> list[StorageBackendSpec]:
    return [
        StorageBackendSpec(
            name="example-jsondir",
            factory=JsonDirStorage,
            options=JsonDirOptions,
            description="one directory per run under `root`: run.json + events.jsonl",
        )
    ]
