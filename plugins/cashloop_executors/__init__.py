"""Built-in executors: ``serial`` (inline) and ``process`` (persistent helper processes on pipes,
the calling process taking one share of each batch)."""

from __future__ import annotations

from collections.abc import Iterable

from cashloop.plugin import ExecutorSpec, hookimpl
from cashloop_executors.process import ProcessOptions, create_process_pool
from cashloop_executors.serial import SerialExecutor, SerialOptions

__all__ = [
    "ProcessOptions",
    "SerialExecutor",
    "SerialOptions",
    "create_process_pool",
    "create_serial",
    "register_executors",
]


def create_serial(options: SerialOptions) -> SerialExecutor:
    return SerialExecutor()


@hookimpl
def register_executors() -> Iterable[ExecutorSpec]:
    return [
        ExecutorSpec(
            name="serial",
            factory=create_serial,
            options=SerialOptions,
            description="run evaluations inline in the calling thread",
        ),
        ExecutorSpec(
            name="process",
            factory=create_process_pool,
            options=ProcessOptions,
            description="run evaluations in parallel: the calling process and workers - 1 "
            "persistent helper processes share each batch",
        ),
    ]
