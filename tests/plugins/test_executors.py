"""The built-in executors are ``concurrent.futures.Executor``s; the evaluation service runs the
loop's evaluations on them (or on any other executor) with results identical to inline ones."""

from __future__ import annotations

import asyncio
import copy
import math
import multiprocessing
import operator
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed, wait
from pathlib import Path
from typing import Any

import pytest
import yaml

from cashloop.config import ExperimentConfig
from cashloop.errors import ConfigError
from cashloop.host import PluginHost
from cashloop.persistence import ExperimentRepository
from cashloop.plugin import EvaluatorHost, EvaluatorSpec, SampleResult, hookimpl
from cashloop.runner.evaluation import (
    EvaluationService,
    Job,
    decode_results,
    encode_results,
    evaluate_task,
)
from cashloop.runner.experiment_runner import GenericExperimentRunner
from cashloop.runner.seeds import sample_seeds
from cashloop_executors import (
    ProcessExecutor,
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


def run_all(executor: Executor) -> list[object]:
    futures = [executor.submit(fn, *args) for fn, args in WORK]
    return [f.result(timeout=60) for f in futures]


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessExecutor]:
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


def test_every_builtin_executor_is_a_standard_executor_whose_futures_as_completed_drives(
    pool: ProcessExecutor,
) -> None:
    for executor in (SerialExecutor(), pool):
        assert isinstance(executor, Executor)
        futures = [executor.submit(operator.mul, n, 3) for n in range(6)]
        assert sorted(f.result() for f in as_completed(futures, timeout=60)) == [
            0,
            3,
            6,
            9,
            12,
            15,
        ]
        done, not_done = wait([executor.submit(abs, -4)], timeout=60)
        assert not not_done and done.pop().result() == 4
    assert isinstance(pool, EvaluatorHost)


def test_serial_and_process_give_the_same_results(pool: ProcessExecutor) -> None:
    with create_serial(SerialOptions()) as serial:
        inline = run_all(serial)
    assert inline == run_all(pool)
    assert inline[:3] == [1, 1, 2]
    assert list(pool.map(math.factorial, range(5))) == [1, 1, 2, 6, 24]


def test_serial_runs_inline_in_the_callers_thread() -> None:
    serial = SerialExecutor()
    future = serial.submit(threading.get_ident)
    assert future.done()
    assert future.result() == threading.get_ident()
    assert list(serial.map(operator.neg, [1, 2])) == [-1, -2]


def test_exceptions_propagate_through_futures(pool: ProcessExecutor) -> None:
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
    with pytest.raises(RuntimeError, match="shutdown"):
        pool.submit(abs, -1)


def test_process_options_defaults() -> None:
    options = ProcessOptions()
    available = multiprocessing.get_all_start_methods()
    assert options.start_method == ("forkserver" if "forkserver" in available else "spawn")
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


# -- the executors under the loop's evaluations ----------------------------------------------------

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


def value_types(results: list[SampleResult]) -> list[list[type]]:
    return [[type(v) for v in [*r.costs.values(), *r.metrics.values()]] for r in results]


class CountingSubmits(Executor):
    """Wraps an executor and records every task's arguments."""

    def __init__(self, inner: Executor) -> None:
        self.inner, self.tasks = inner, []  # type: ignore[var-annotated]
        self.max_workers = getattr(inner, "max_workers", None) or inner._max_workers  # type: ignore[attr-defined]

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.tasks.append(args)
        return self.inner.submit(fn, *args, **kwargs)


class CountingHost(CountingSubmits):
    """The same for an executor that installs the evaluator in its workers."""

    def bind_evaluator(self, key: str, payload: bytes) -> None:
        self.inner.bind_evaluator(key, payload)  # type: ignore[attr-defined]


def counting(inner: Executor) -> CountingSubmits:
    return CountingHost(inner) if isinstance(inner, EvaluatorHost) else CountingSubmits(inner)


@pytest.mark.parametrize(
    ("workers", "start_method"), [(2, "fork"), (3, "spawn"), (2, "forkserver")]
)
def test_process_evaluations_equal_serial_ones_in_seed_order(
    workers: int, start_method: str
) -> None:
    evaluator = rtgs_evaluator()
    serial = EvaluationService(evaluator, SerialExecutor())
    pool = create_process_pool(ProcessOptions(workers=workers, start_method=start_method))
    parallel = EvaluationService(evaluator, pool, min_batch_seconds=0.0)
    try:
        for count in (50, 7, 1):
            seeds = sample_seeds(3, 1, "*", count)
            for batch in (profiles(evaluator)[:1], profiles(evaluator)):
                expected = serial.evaluate_many(batch, seeds)
                got = parallel.evaluate_many(batch, seeds)
                assert got == expected
                assert [[r.seed for r in results] for results in got] == [seeds] * len(batch)
                assert [value_types(r) for r in got] == [value_types(r) for r in expected]
        assert pool.started
    finally:
        pool.shutdown()


def test_many_jobs_in_one_batch_come_back_per_job_per_profile_in_seed_order() -> None:
    evaluator = rtgs_evaluator()
    incumbent, candidate = profiles(evaluator)
    jobs = [
        Job((incumbent, candidate), tuple(sample_seeds(1, 1, "BANK_A", 13))),
        Job((incumbent,), tuple(sample_seeds(1, 1, "BANK_B", 5))),
        Job((candidate, incumbent), ()),
        Job((candidate,), tuple(sample_seeds(1, 2, "*", 21))),
    ]
    expected = [[evaluator.evaluate(p, j.seeds) for p in j.profiles] for j in jobs]
    pool = create_process_pool(ProcessOptions(workers=2))
    try:
        spy = counting(pool)
        service = EvaluationService(evaluator, spy, min_batch_seconds=0.0)
        assert service.evaluate_jobs(jobs) == expected
        assert service.evaluate_jobs(jobs) == expected
        assert len(spy.tasks) > 4  # the work was cut into tasks for both workers
    finally:
        pool.shutdown()


def test_the_evaluator_travels_once_per_worker_to_the_builtin_pool_and_with_tasks_elsewhere() -> (
    None
):
    """The built-in pool installs the evaluator in each worker's initializer (tasks carry none);
    any other executor, here the bare standard pool, gets it pickled with each task, and the
    results are the same."""
    evaluator = rtgs_evaluator()
    seeds = sample_seeds(9, 1, "*", 12)
    expected = [evaluator.evaluate(p, seeds) for p in profiles(evaluator)]
    builtin = create_process_pool(ProcessOptions(workers=2))
    bare = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
    try:
        for executor, carries in ((builtin, False), (bare, True)):
            spy = counting(executor)
            service = EvaluationService(evaluator, spy, min_batch_seconds=0.0)
            assert service.evaluate_many(profiles(evaluator), seeds) == expected
            payloads = [task[1] for task in spy.tasks]
            assert payloads and all((p is not None) is carries for p in payloads)
    finally:
        builtin.shutdown()
        bare.shutdown()


def test_a_task_without_its_evaluator_says_what_is_missing() -> None:
    with pytest.raises(RuntimeError, match="did not install the run's evaluator"):
        evaluate_task("never-bound", None, [{}], [1])


@pytest.mark.parametrize(("min_batch_seconds", "ships"), [(0.0, True), (60.0, False)])
def test_batches_cheaper_than_min_batch_run_in_the_caller_on_any_executor(
    min_batch_seconds: float, ships: bool
) -> None:
    """The service times its own inline batches; a batch expected to cost less CPU than the
    minimum is never shipped. Results are the same either way."""
    evaluator = rtgs_evaluator()
    serial = EvaluationService(evaluator, SerialExecutor())
    for inner in (create_process_pool(ProcessOptions(workers=2)), ProcessPoolExecutor(2)):
        spy = counting(inner)
        service = EvaluationService(evaluator, spy, min_batch_seconds=min_batch_seconds)
        try:
            seeds = sample_seeds(5, 1, "*", 40)
            for _ in range(3):
                got = service.evaluate_many(profiles(evaluator), seeds)
                assert got == serial.evaluate_many(profiles(evaluator), seeds)
            assert bool(spy.tasks) is ships
        finally:
            inner.shutdown()


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


def test_a_run_whose_evaluations_are_dear_ships_from_its_first_batch() -> None:
    """The first batch times two seeds here, then ships the rest: no whole batch is spent
    inline just to learn that shipping pays."""
    evaluator = rtgs_evaluator()
    seeds = sample_seeds(3, 5, "*", 20)
    pool = create_process_pool(ProcessOptions(workers=2))
    try:
        spy = counting(pool)
        service = EvaluationService(BurnsCpu(evaluator, 0.002), spy)  # type: ignore[arg-type]
        got = service.evaluate_many(profiles(evaluator), seeds)
        assert got == [evaluator.evaluate(p, seeds) for p in profiles(evaluator)]
        shipped = [seed for task in spy.tasks for seed in task[3]]
        assert sorted(shipped) == sorted(seeds[2:])
    finally:
        pool.shutdown()


class FailsInWorker:
    """A picklable evaluator that fails in a worker process."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.caller = inner, os.getpid()

    def evaluate(self, policies: Any, seeds: Sequence[int]) -> Any:
        if os.getpid() != self.caller:
            raise ValueError(f"cannot evaluate seeds {list(seeds)} in a worker")
        return self.inner.evaluate(policies, seeds)


def test_a_failing_task_surfaces_with_the_workers_traceback_and_the_pool_lives_on() -> None:
    evaluator = rtgs_evaluator()
    seeds = sample_seeds(3, 2, "*", 10)
    pool = create_process_pool(ProcessOptions(workers=2))
    try:
        service = EvaluationService(FailsInWorker(evaluator), pool, min_batch_seconds=0.0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"cannot evaluate seeds .* in a worker") as caught:
            service.evaluate_many(profiles(evaluator), seeds)
        assert "Traceback" in str(caught.value.__cause__)  # the worker's own traceback
        good = EvaluationService(evaluator, pool, min_batch_seconds=0.0)
        assert good.evaluate(profiles(evaluator)[0], seeds) == evaluator.evaluate(
            profiles(evaluator)[0], seeds
        )
    finally:
        pool.shutdown()


def test_no_process_starts_before_the_first_call_and_shutdown_stops_them() -> None:
    before = set(multiprocessing.active_children())
    pool = create_process_pool(ProcessOptions(workers=2))
    assert not pool.started and set(multiprocessing.active_children()) == before
    pool.shutdown()  # never started: nothing to stop
    pool = create_process_pool(ProcessOptions(workers=2))
    assert list(pool.map(operator.neg, range(6))) == [0, -1, -2, -3, -4, -5]
    pool.shutdown(wait=True)
    pool.shutdown()  # twice is harmless
    assert not pool.started


# -- signals and the parent's death ----------------------------------------------------------------


def test_workers_ignore_sigint() -> None:
    pool = create_process_pool(ProcessOptions(workers=1))
    try:
        pid = pool.submit(os.getpid).result(timeout=60)
        os.kill(pid, signal.SIGINT)
        time.sleep(0.1)
        assert pool.submit(os.getpid).result(timeout=60) == pid
    finally:
        pool.shutdown()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its reaper is dead too
        return stat.read().split(") ")[1][0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("start_method", ["forkserver", "fork", "spawn"])
def test_workers_die_within_two_seconds_of_a_parent_killed_with_sigkill(
    start_method: str,
) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from cashloop_executors import ProcessOptions, create_process_pool
        pool = create_process_pool(ProcessOptions(workers=2, start_method={start_method!r}))
        pids = set()
        while len(pids) < 2:
            pids.update(f.result() for f in [pool.submit(os.getpid) for _ in range(8)])
        print(" ".join(map(str, sorted(pids))), flush=True)
        time.sleep(60)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    workers = [int(pid) for pid in process.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    process.kill()
    process.wait(timeout=10)
    deadline = time.monotonic() + 2.0
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)]


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
            return InterruptingEvaluator(rtgs_evaluator(self.host), at=2)

        return [EvaluatorSpec(name="interrupting", factory=build)]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_a_process_evaluation_marks_the_run_interrupted(tmp_path: Path) -> None:
    host = PluginHost.load()
    host.pm.register(InterruptingPlugin(host), name="test-interrupting")
    data = yaml.safe_load((EXAMPLES / "castro_exp2.yaml").read_text(encoding="utf-8"))
    data.update(
        evaluator={"type": "interrupting"},
        executor={"type": "process", "workers": 2},
        outputs=["silent"],
        evaluation={**data["evaluation"], "num_samples": 10, "min_batch_ms": 0},
    )
    config = ExperimentConfig.from_dict(data, base_dir=EXAMPLES)
    before = set(multiprocessing.active_children())
    runner = GenericExperimentRunner(config, db_path=tmp_path / "runs.db", host=host)
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(runner.run())
    assert runner.run_id is not None
    with ExperimentRepository(tmp_path / "runs.db") as repo:
        assert repo.get_run(runner.run_id).status == "interrupted"
    assert set(multiprocessing.active_children()) == before  # the workers were shut down
