"""The machine's own limit for any k-process executor: the same evaluator work run by one process,
then by k processes at once, with no communication between them at all.

    .venv/bin/python benchmarks/parallel_ceiling.py [--rounds 7] [--seconds 0.3] [--processes 2]

Each process evaluates castro_exp2 batches (50 fresh seeds each, the initial profile; another
evaluator and batch size can be given to :func:`measure`) with the ``rtgs`` evaluator it inherited
at fork, for about ``--seconds``; nothing is sent back but the exit status. Throughput of k
processes against one (k x one's wall / k's wall) is what an executor would reach if sharing a
batch cost nothing. Two vCPUs of a virtual machine may give
less than 2x: the host may not run both at once, or may run them on one physical core. One and
k processes alternate, so a change in the machine's speed hits both alike; the median and
range of the rounds are printed. The engine is the compiled one unless ``CASHLOOP_RTGS_PURE=1``.
Only public tools are used.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from pathlib import Path
from typing import Any

from cashloop.host import PluginHost
from cashloop.runner.seeds import sample_seeds

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _evaluator() -> Any:
    return PluginHost.load().registry.create(
        "evaluator", "rtgs", {"scenario": "scenarios/castro_exp2.yaml"}, "evaluator", EXAMPLES
    )


def _work(evaluator: Any, batches: int, tag: str, seeds: int = 50) -> None:
    profile = {a: evaluator.initial_policy(a) for a in evaluator.agents()}
    for i in range(batches):
        evaluator.evaluate(profile, sample_seeds(11, f"{tag}-{i}", "*", seeds))


def _processes(evaluator: Any, count: int, batches: int, tag: str, seeds: int) -> float:
    """Wall seconds for ``count`` forked processes each doing ``batches`` batches."""
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    workers = [
        context.Process(target=_work, args=(evaluator, batches, f"{tag}-{n}", seeds))
        for n in range(count)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise RuntimeError(f"a ceiling process failed (exit code {worker.exitcode})")
    return time.perf_counter() - started


def measure(
    rounds: int = 7,
    seconds: float = 0.3,
    *,
    processes: int = 2,
    evaluator: Any = None,
    seeds: int = 50,
) -> list[float]:
    """Throughput ratio of ``processes`` processes against one, per round: each evaluates
    batches of ``seeds`` seeds with ``evaluator`` (default: castro_exp2's) for about
    ``seconds``. Call it before the process starts threads of its own (it forks)."""
    evaluator = evaluator if evaluator is not None else _evaluator()
    _work(evaluator, 3, "warm", seeds)  # compile, caches: the children inherit them at fork
    started = time.perf_counter()
    _work(evaluator, 2, "calibrate", seeds)
    batches = max(2, round(seconds / ((time.perf_counter() - started) / 2)))
    ratios = []
    for r in range(rounds):
        one = _processes(evaluator, 1, batches, f"one-{r}", seeds)
        many = _processes(evaluator, processes, batches, f"many-{r}", seeds)
        ratios.append(processes * one / many)
    return ratios


def describe(ratios: list[float]) -> str:
    return (
        f"{statistics.median(ratios):.2f}x median, "
        f"{min(ratios):.2f}-{max(ratios):.2f}x range of {len(ratios)} rounds"
    )


def amdahl_bound(serial_share: float, ceiling: float) -> float:
    """The most a run can speed up when ``serial_share`` of its time cannot be shared and the
    rest runs at the machine's ``ceiling`` (sharing itself taken as free)."""
    return 1.0 / (serial_share + (1.0 - serial_share) / ceiling)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.3, help="work per process and round")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    ratios = measure(args.rounds, args.seconds, processes=args.processes)
    print(f"{args.processes} processes against one, no communication: {describe(ratios)}")


if __name__ == "__main__":
    main()
