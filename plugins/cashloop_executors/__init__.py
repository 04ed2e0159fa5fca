"""Built-in executors, both ``concurrent.futures.Executor``s: ``serial`` (inline) and ``process``
(the standard library's process pool, the evaluator loaded once per worker)."""

from __future__ import annotations

from collections.abc import Iterable

from cashloop.plugin import ExecutorSpec, hookimpl
from cashloop_executors.process import ProcessExecutor, ProcessOptions, create_process_pool
from cashloop_executors.serial import SerialExecutor, SerialOptions

__all__ = [
    "ProcessExecutor",
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
            description="run evaluations in parallel in a standard process pool "
            "(the evaluator loaded once per worker)",
        ),
    ]
