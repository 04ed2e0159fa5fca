"""Round-trip latency and batch speed-up of the ``process`` executor against ``serial``.

    .venv/bin/python benchmarks/bench_executor.py [--samples 50] [--batches 150] [--workers 2]

Latency: one no-op call's round trip through the ``process`` executor, next to the standard
library's ``ProcessPoolExecutor`` (what ``process`` used to be). Speed-up: batches of the ``rtgs``
evaluator (castro_exp2, fresh seeds every batch, as in a run) evaluated through the loop's
``EvaluationService`` on ``serial``, on ``process`` and on a ``ProcessPoolExecutor``, interleaved
batch by batch so that load from elsewhere hits all three alike; one-profile batches (the
incumbent) and two-profile batches (incumbent and candidate on the same seeds). Medians throughout.
Only public tools are used.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import statistics
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from cashloop.host import PluginHost
from cashloop.runner.evaluation import EvaluationService
from cashloop.runner.seeds import sample_seeds

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _noop() -> None:
    return None


def _median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def _round_trip(executor: Executor, calls: int) -> float:
    executor.submit(_noop).result()  # start the worker(s) first
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        executor.submit(_noop).result()
        times.append(time.perf_counter() - started)
    return _median_ms(times)


def _profiles(evaluator: Any) -> list[dict[str, dict[str, Any]]]:
    incumbent = {a: evaluator.initial_policy(a) for a in evaluator.agents()}
    candidate = copy.deepcopy(incumbent)
    for policy in candidate.values():
        policy.setdefault("parameters", {})["initial_liquidity_fraction"] = 0.3
    return [incumbent, candidate]


def _batches(
    services: dict[str, EvaluationService], profiles: list[Any], samples: int, batches: int
) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in services}
    for i in range(batches):
        for j, (name, service) in enumerate(services.items()):
            seeds = sample_seeds(7, f"bench-{len(profiles)}-{i}-{j}", "*", samples)
            started = time.perf_counter()
            service.evaluate_many(profiles, seeds)
            times[name].append(time.perf_counter() - started)
    return {name: _median_ms(t[len(t) // 10 :]) for name, t in times.items()}  # skip warm-up


def _versus(ms: dict[str, float], kind: str) -> str:
    return f"{ms[kind]:.2f} ms ({ms['serial'] / ms[kind]:.2f}x)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--batches", type=int, default=150)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    host = PluginHost.load()
    options = {"scenario": "scenarios/castro_exp2.yaml"}

    def evaluator() -> Any:
        return host.registry.create("evaluator", "rtgs", options, "evaluator", EXAMPLES)

    def executor(kind: str) -> Executor:
        if kind == "stdlib":
            return ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context())
        chosen = {"workers": args.workers} if kind == "process" else {}
        return host.registry.create("executor", kind, chosen, "executor", EXAMPLES)

    executors = {kind: executor(kind) for kind in ("serial", "process", "stdlib")}
    try:
        print(f"castro_exp2, {args.samples}-seed batches, {args.workers} workers, medians")
        for kind in ("stdlib", "process"):
            label = "ProcessPoolExecutor" if kind == "stdlib" else "process executor"
            latency = _round_trip(executors[kind], 300)
            print(f"round trip of a no-op call  {label:<20} {latency:.3f} ms")
        services = {kind: EvaluationService(evaluator(), ex) for kind, ex in executors.items()}
        reference = _profiles(services["serial"].evaluator)
        for count in (1, 2):
            ms = _batches(services, reference[:count], args.samples, args.batches)
            serial = ms["serial"]
            print(
                f"{count}-profile batch             serial {serial:.2f} ms | "
                f"process {_versus(ms, 'process')} | ProcessPoolExecutor {_versus(ms, 'stdlib')}"
            )
            extra = ms["process"] - serial / args.workers
            print(f"  process time above serial/{args.workers}  {extra:.2f} ms per batch")
    finally:
        for ex in executors.values():
            ex.shutdown(wait=True)


if __name__ == "__main__":
    main()
