"""The built-in executors: same results inline and in worker processes; errors travel in futures."""

from __future__ import annotations

import math
import operator
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor

import pytest

from cashloop.errors import ConfigError
from cashloop_executors import (
    ProcessOptions,
    SerialExecutor,
    SerialOptions,
    create_process_pool,
    create_serial,
    register_executors,
)

# Picklable top-level callables from the standard library: importable in any worker process
# regardless of how the test modules themselves were imported.
WORK = [(math.factorial, (n,)) for n in range(12)] + [(operator.mul, (a, 7)) for a in range(5)]


def paired_cost(seed: int, fraction: float) -> tuple[int, int]:
    """A picklable top-level stand-in for an evaluation: deterministic integer cents per seed."""
    return seed, int(10_000 * fraction + 0.5) + (seed * 7919) % 101


def run_all(executor: Executor) -> list[object]:
    futures = [executor.submit(fn, *args) for fn, args in WORK]
    return [f.result(timeout=60) for f in futures]


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    executor = create_process_pool(ProcessOptions(workers=2))
    yield executor
    executor.shutdown(wait=True)


def test_registration_specs() -> None:
    specs = {s.name: s for s in register_executors()}
    assert set(specs) == {"serial", "process"}
    assert specs["process"].options is ProcessOptions
    assert specs["serial"].options is SerialOptions
    serial = specs["serial"].factory(SerialOptions())
    assert isinstance(serial, Executor)
    serial.shutdown()


def test_serial_and_process_give_the_same_results(pool: ProcessPoolExecutor) -> None:
    with create_serial(SerialOptions()) as serial:
        inline = run_all(serial)
    assert inline == run_all(pool)
    assert inline[:3] == [1, 1, 2]
    assert list(pool.map(math.factorial, range(5))) == [1, 1, 2, 6, 24]
    seeds = list(range(8))
    inline_costs = list(SerialExecutor().map(paired_cost, seeds, [0.2] * 8))
    assert list(pool.map(paired_cost, seeds, [0.2] * 8)) == inline_costs


def test_serial_runs_inline_in_the_callers_thread() -> None:
    serial = SerialExecutor()
    future = serial.submit(threading.get_ident)
    assert future.done()
    assert future.result() == threading.get_ident()
    assert list(serial.map(operator.neg, [1, 2])) == [-1, -2]


def test_exceptions_propagate_through_futures(pool: ProcessPoolExecutor) -> None:
    serial = SerialExecutor()
    for executor in (serial, pool):
        future: Future[float] = executor.submit(math.sqrt, -1.0)
        with pytest.raises(ValueError, match="math domain error"):
            future.result(timeout=60)
        assert isinstance(future.exception(timeout=60), ValueError)
        failing = executor.submit(operator.truediv, 1, 0)
        with pytest.raises(ZeroDivisionError):
            failing.result(timeout=60)


def test_submit_after_shutdown_is_refused() -> None:
    serial = SerialExecutor()
    serial.shutdown()
    with pytest.raises(RuntimeError, match="shutdown"):
        serial.submit(abs, -1)
    pool = create_process_pool(ProcessOptions(workers=1, start_method="spawn"))
    assert pool.submit(abs, -3).result(timeout=60) == 3
    pool.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        pool.submit(abs, -1)


def test_process_options_defaults() -> None:
    options = ProcessOptions()
    expected = "fork" if sys.platform.startswith("linux") else "forkserver"
    assert options.start_method == expected
    assert options.workers is None and options.worker_count >= 1


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (ProcessOptions(workers=0), "executor.workers: must be >= 1"),
        (ProcessOptions(workers=-3), "executor.workers: must be >= 1"),
        (
            ProcessOptions(start_method="thread"),
            "executor.start_method: must be one of fork, forkserver, spawn",
        ),
    ],
)
def test_invalid_process_options_are_config_errors(options: ProcessOptions, error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        create_process_pool(options)
    assert caught.value.errors == (error,)
