"""The machine's own limit for any 2-process executor: the same evaluator work run by one process,
then by two processes at once, with no communication between them at all.

    .venv/bin/python benchmarks/parallel_ceiling.py [--rounds 7] [--seconds 0.3]

Each process evaluates castro_exp2 batches (50 fresh seeds each, the initial profile) with the
``rtgs`` evaluator it inherited at fork, for about ``--seconds``; nothing is sent back but the exit
status. Throughput of two processes against one (2 x one's wall / two's wall) is what an
executor would reach if sharing a batch cost nothing. Two vCPUs of a virtual machine may give
less than 2x: the host may not run both at once, or may run them on one physical core. One and
two processes alternate, so a change in the machine's speed hits both alike; the median and
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


def _work(evaluator: Any, batches: int, tag: str) -> None:
    profile = {a: evaluator.initial_policy(a) for a in evaluator.agents()}
    for i in range(batches):
        evaluator.evaluate(profile, sample_seeds(11, f"{tag}-{i}", "*", 50))


def _processes(evaluator: Any, count: int, batches: int, tag: str) -> float:
    """Wall seconds for ``count`` forked processes each doing ``batches`` batches."""
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    workers = [
        context.Process(target=_work, args=(evaluator, batches, f"{tag}-{n}")) for n in range(count)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise RuntimeError(f"a ceiling process failed (exit code {worker.exitcode})")
    return time.perf_counter() - started


def measure(rounds: int = 7, seconds: float = 0.3) -> list[float]:
    """Throughput ratio of two processes against one, per round."""
    evaluator = _evaluator()
    _work(evaluator, 3, "warm")  # compile, caches: the children inherit them at fork
    started = time.perf_counter()
    _work(evaluator, 5, "calibrate")
    batches = max(5, round(seconds / ((time.perf_counter() - started) / 5)))
    ratios = []
    for r in range(rounds):
        one = _processes(evaluator, 1, batches, f"one-{r}")
        two = _processes(evaluator, 2, batches, f"two-{r}")
        ratios.append(2 * one / two)
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
    args = parser.parse_args()
    ratios = measure(args.rounds, args.seconds)
    print(f"two processes against one, no communication: {describe(ratios)}")


if __name__ == "__main__":
    main()
