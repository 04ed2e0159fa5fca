"""The built-in executors: same results inline and in worker processes; errors travel in futures;
helpers start lazily, stop at shutdown and ignore Ctrl-C, which still interrupts the run."""

from __future__ import annotations

import asyncio
import copy
import math
import multiprocessing
import operator
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
import yaml

from cashloop.config import ExperimentConfig
from cashloop.errors import ConfigError
from cashloop.host import PluginHost
from cashloop.persistence import ExperimentRepository
from cashloop.plugin import EvaluatorSpec, SampleResult, hookimpl
from cashloop.runner.evaluation import EvaluationService, decode_results, encode_results
from cashloop.runner.experiment_runner import GenericExperimentRunner
from cashloop.runner.seeds import sample_seeds
from cashloop_executors import (
    ProcessOptions,
    SerialExecutor,
    SerialOptions,
    create_process_pool,
    create_serial,
    register_executors,
)
from cashloop_executors.pipe_pool import PipePool

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
def pool() -> Iterator[PipePool]:
    executor = create_process_pool(ProcessOptions(workers=2, min_batch_ms=0))
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


def test_serial_and_process_give_the_same_results(pool: PipePool) -> None:
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


def test_exceptions_propagate_through_futures(pool: PipePool) -> None:
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
        (ProcessOptions(min_batch_ms=-1), "executor.min_batch_ms: must be >= 0"),
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


# -- the process executor under the loop's evaluations ---------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def rtgs_evaluator(host: PluginHost | None = None) -> Any:
    host = host or PluginHost.load()
    options = {"scenario": "scenarios/castro_exp2.yaml"}
    return host.registry.create("evaluator", "rtgs", options, "evaluator", EXAMPLES)


def profiles(evaluator: Any) -> list[dict[str, dict[str, Any]]]:
    incumbent = {a: evaluator.initial_policy(a) for a in evaluator.agents()}
    candidate = copy.deepcopy(incumbent)
    candidate["BANK_A"]["parameters"]["initial_liquidity_fraction"] = 0.3
    return [incumbent, candidate]


def warm_up(service: EvaluationService, profile: dict[str, dict[str, Any]]) -> None:
    """A first batch runs inline while it starts the helpers; give them time to be ready."""
    service.evaluate(profile, [1, 2, 3, 4])
    time.sleep(0.5)


def value_types(results: list[SampleResult]) -> list[list[type]]:
    return [[type(v) for v in [*r.costs.values(), *r.metrics.values()]] for r in results]


@pytest.mark.parametrize(
    ("workers", "start_method"), [(2, "fork"), (3, "fork"), (2, "spawn"), (3, "forkserver")]
)
def test_process_evaluations_equal_serial_ones_in_seed_order(
    workers: int, start_method: str
) -> None:
    """Whatever the start method, helpers claim from the same counter as the caller."""
    evaluator = rtgs_evaluator()
    serial = EvaluationService(evaluator, SerialExecutor())
    options = ProcessOptions(workers=workers, min_batch_ms=0, start_method=start_method)
    pool = create_process_pool(options)
    parallel = EvaluationService(evaluator, pool)
    try:
        warm_up(parallel, profiles(evaluator)[0])
        for count in (50, 7, 1):
            seeds = sample_seeds(3, 1, "*", count)
            for batch in (profiles(evaluator)[:1], profiles(evaluator)):
                expected = serial.evaluate_many(batch, seeds)
                got = parallel.evaluate_many(batch, seeds)
                assert got == expected
                assert [[r.seed for r in results] for results in got] == [seeds] * len(batch)
                assert [value_types(r) for r in got] == [value_types(r) for r in expected]
        # the calling process takes one share of each batch: workers - 1 helper processes
        assert pool.helper_count == workers - 1
    finally:
        pool.shutdown()


@pytest.mark.parametrize(("min_batch_ms", "fans_out"), [(0.0, True), (60_000.0, False)])
def test_batches_cheaper_than_min_batch_ms_run_in_the_caller(
    min_batch_ms: float, fans_out: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service times its own inline batches; a batch expected to cost less CPU than
    ``min_batch_ms`` skips the helpers' round trips. Results are the same either way."""
    evaluator = rtgs_evaluator()
    serial = EvaluationService(evaluator, SerialExecutor())
    pool = create_process_pool(ProcessOptions(workers=2, min_batch_ms=min_batch_ms))
    service = EvaluationService(evaluator, pool)
    fanned: list[int] = []
    real_open = pool.open_batch

    def counting_open(size: int, chunk: int) -> int:
        fanned.append(size)
        return real_open(size, chunk)

    monkeypatch.setattr(pool, "open_batch", counting_open)
    try:
        warm_up(service, profiles(evaluator)[0])
        seeds = sample_seeds(5, 1, "*", 40)
        for _ in range(3):
            assert service.evaluate_many(profiles(evaluator), seeds) == serial.evaluate_many(
                profiles(evaluator), seeds
            )
        assert bool(fanned) is fans_out
    finally:
        pool.shutdown()


def test_compact_transport_rebuilds_identical_results() -> None:
    results = [
        [
            SampleResult(seed=1, costs={"A": 5}, metrics={"x": 1, "y": 0.5}),
            SampleResult(seed=2, costs={"A": 6, "B": 1}, metrics={}),
        ],
        [SampleResult(seed=1, costs={"A": 7}, metrics={"x": 2, "y": 1.5})],
    ]
    decoded = decode_results(pickle.loads(pickle.dumps(encode_results(results))))
    assert decoded == results
    assert [value_types(r) for r in decoded] == [value_types(r) for r in results]

    class Richer(SampleResult):
        pass

    odd = [[Richer(seed=3, costs={"A": 1})]]
    assert decode_results(encode_results(odd)) == odd  # subclasses travel as they are


class BurnsCpu:
    """A picklable evaluator that spends ``seconds`` of CPU per seed before evaluating."""

    def __init__(self, inner: Any, seconds: float) -> None:
        self.inner, self.seconds = inner, seconds

    def evaluate(self, policies: Any, seeds: Sequence[int]) -> Any:
        for _ in seeds:
            until = time.process_time() + self.seconds
            while time.process_time() < until:
                pass
        return self.inner.evaluate(policies, seeds)


def test_a_run_whose_evaluations_are_dear_shares_from_its_first_batch() -> None:
    """The first batch times a few seeds here, then shares the rest: no whole batch is spent
    inline just to learn that sharing pays."""
    evaluator = rtgs_evaluator()
    seeds = sample_seeds(3, 5, "*", 20)
    pool = create_process_pool(ProcessOptions(workers=2, min_batch_ms=10))
    try:
        service = EvaluationService(BurnsCpu(evaluator, 0.002), pool)  # type: ignore[arg-type]
        opened: list[int] = []
        real_open = pool.open_batch
        pool.open_batch = lambda size, chunk: opened.append(size) or real_open(size, chunk)  # type: ignore[method-assign]
        got = service.evaluate_many(profiles(evaluator), seeds)
        assert got == [evaluator.evaluate(p, seeds) for p in profiles(evaluator)]
        assert opened == [len(seeds) - 3] and pool.helper_count == 1
    finally:
        pool.shutdown()


class FailsInHelper:
    """A picklable evaluator that fails in a helper process; in the calling process it takes
    10 ms a call, so that the helper surely claims part of a batch."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.caller = inner, os.getpid()

    def evaluate(self, policies: Any, seeds: Sequence[int]) -> Any:
        if os.getpid() != self.caller:
            raise ValueError(f"cannot evaluate seeds {list(seeds)} in a helper")
        time.sleep(0.01)
        return self.inner.evaluate(policies, seeds)


class NeedsTwo(ValueError):
    """An exception that does not unpickle (its __init__ wants two arguments)."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


def raise_needs_two() -> None:
    raise NeedsTwo("scenario", "has no agents")


def test_a_failing_helper_share_surfaces_with_the_helpers_traceback() -> None:
    evaluator = rtgs_evaluator()
    seeds = sample_seeds(3, 2, "*", 10)
    pool = create_process_pool(ProcessOptions(workers=2, min_batch_ms=0))
    try:
        service = EvaluationService(FailsInHelper(evaluator), pool)  # type: ignore[arg-type]
        pool.submit(abs, 1).result(timeout=60)  # the helper is up
        with pytest.raises(ValueError, match=r"cannot evaluate seeds .* in a helper") as caught:
            service.evaluate(profiles(evaluator)[0], seeds)
        assert "raised in cashloop worker process" in "\n".join(caught.value.__notes__)
        # the helper lives on and the next batch works
        good = EvaluationService(evaluator, pool)
        assert good.evaluate(profiles(evaluator)[0], seeds) == evaluator.evaluate(
            profiles(evaluator)[0], seeds
        )
    finally:
        pool.shutdown()


def test_an_exception_that_does_not_unpickle_arrives_as_its_base_class(pool: PipePool) -> None:
    with pytest.raises(ValueError, match="scenario: has no agents") as caught:
        pool.submit(raise_needs_two).result(timeout=60)
    assert type(caught.value) is ValueError
    assert "NeedsTwo" in "\n".join(caught.value.__notes__)


def test_a_dead_helper_fails_its_call_and_is_replaced() -> None:
    pool = create_process_pool(ProcessOptions(workers=1))
    try:
        with pytest.raises(BrokenProcessPool, match=r"died \(exit code 3\)"):
            pool.submit(os._exit, 3).result(timeout=60)
        assert pool.submit(abs, -2).result(timeout=60) == 2
        assert pool.helper_count == 1
    finally:
        pool.shutdown()


# -- lazy start and shutdown -----------------------------------------------------------------------


def test_no_process_starts_before_the_first_call_and_shutdown_stops_them() -> None:
    before = set(multiprocessing.active_children())
    pool = create_process_pool(ProcessOptions(workers=2, min_batch_ms=0))
    assert pool.helper_count == 0 and set(multiprocessing.active_children()) == before
    pool.shutdown()  # never started: nothing to stop
    pool = create_process_pool(ProcessOptions(workers=2, min_batch_ms=0))
    assert list(pool.map(operator.neg, range(6))) == [0, -1, -2, -3, -4, -5]
    assert pool.helper_count == 2
    pool.shutdown(wait=True)
    pool.shutdown()  # twice is harmless
    assert set(multiprocessing.active_children()) == before


def test_shutdown_waits_for_running_calls_and_can_cancel_queued_ones() -> None:
    pool = create_process_pool(ProcessOptions(workers=1))
    running = pool.submit(time.sleep, 0.2)
    queued = [pool.submit(abs, -n) for n in range(3)]
    pool.shutdown(wait=True, cancel_futures=True)
    assert running.done() and running.result() is None
    assert all(f.cancelled() for f in queued)

    pool = create_process_pool(ProcessOptions(workers=1))
    queued = [pool.submit(abs, -n) for n in range(3)]
    pool.shutdown(wait=True)
    assert [f.result() for f in queued] == [0, 1, 2]


def test_shutdown_without_waiting_does_not_hang_on_a_long_call() -> None:
    pool = create_process_pool(ProcessOptions(workers=1))
    stuck = pool.submit(time.sleep, 60)
    started = time.monotonic()
    pool.shutdown(wait=False)
    assert time.monotonic() - started < 10
    with pytest.raises(BrokenProcessPool, match="interrupted"):
        stuck.result(timeout=1)


# -- Ctrl-C ----------------------------------------------------------------------------------------


def test_helpers_ignore_sigint() -> None:
    pool = create_process_pool(ProcessOptions(workers=1))
    try:
        pid = pool.submit(os.getpid).result(timeout=60)
        os.kill(pid, signal.SIGINT)
        time.sleep(0.1)
        assert pool.submit(os.getpid).result(timeout=60) == pid
    finally:
        pool.shutdown()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_waiting_interrupts_the_caller_and_the_pool_recovers() -> None:
    pool = create_process_pool(ProcessOptions(workers=1))
    try:
        assert pool.submit(abs, -1).result(timeout=60) == 1
        slow = pool.submit(time.sleep, 30)
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            slow.result()
        timer.join()
        assert time.monotonic() - started < 10
        with pytest.raises(BrokenProcessPool, match="interrupted"):
            slow.result(timeout=1)
        assert pool.submit(abs, -5).result(timeout=60) == 5  # a fresh helper
    finally:
        started = time.monotonic()
        pool.shutdown(wait=True, cancel_futures=True)
        assert time.monotonic() - started < 10


class InterruptingEvaluator:
    """rtgs, but the parent process sends itself SIGINT during its ``at``-th evaluation."""

    def __init__(self, inner: Any, at: int) -> None:
        self.inner, self.at, self.calls, self.parent = inner, at, 0, os.getpid()

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # while unpickling, before __dict__ is set
            raise AttributeError(name)
        return getattr(self.inner, name)

    def evaluate(self, policies: Any, seeds: Sequence[int]) -> Any:
        if os.getpid() == self.parent:
            self.calls += 1
            if self.calls == self.at:
                os.kill(self.parent, signal.SIGINT)
        return self.inner.evaluate(policies, seeds)


class InterruptingPlugin:
    def __init__(self, host: PluginHost) -> None:
        self.host = host

    @hookimpl
    def register_evaluators(self) -> list[EvaluatorSpec]:
        def build(options: dict[str, Any]) -> InterruptingEvaluator:
            return InterruptingEvaluator(rtgs_evaluator(self.host), at=4)

        return [EvaluatorSpec(name="interrupting", factory=build)]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_a_process_evaluation_marks_the_run_interrupted(tmp_path: Path) -> None:
    host = PluginHost.load()
    host.pm.register(InterruptingPlugin(host), name="test-interrupting")
    data = yaml.safe_load((EXAMPLES / "castro_exp2.yaml").read_text(encoding="utf-8"))
    data.update(
        evaluator={"type": "interrupting"},
        executor={"type": "process", "workers": 2, "min_batch_ms": 0},
        outputs=["silent"],
        evaluation={**data["evaluation"], "num_samples": 10},
    )
    config = ExperimentConfig.from_dict(data, base_dir=EXAMPLES)
    before = set(multiprocessing.active_children())
    runner = GenericExperimentRunner(config, db_path=tmp_path / "runs.db", host=host)
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(runner.run())
    assert runner.run_id is not None
    with ExperimentRepository(tmp_path / "runs.db") as repo:
        assert repo.get_run(runner.run_id).status == "interrupted"
    assert set(multiprocessing.active_children()) == before  # the helpers were shut down
