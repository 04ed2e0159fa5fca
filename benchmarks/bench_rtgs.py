"""Throughput of the rtgs evaluator on Castro experiment 2 (12-tick days), on one core.

Prints simulated days per second through the public ``evaluate`` API:
  * single runs: one ``evaluate`` call per fresh seed (no cache can help);
  * a 50-sample paired comparison: incumbent and candidate on the same 50 fresh seeds
    (100 runs in two ``evaluate`` calls), as the optimisation loop does every iteration;
  * bootstrap-sandbox samples (one sandbox run per agent per sample).
Times are CPU seconds of this process (best of ``--repeats``), so other load on the machine
distorts them less. A calibration line times a fixed pure-Python loop, to compare machines.
The engine is the compiled fast path (``cashloop_rtgs._native``, built at install time where a C
compiler exists) unless ``CASHLOOP_RTGS_PURE=1`` forces the pure-Python reference (with numpy
installed, its random stream comes from the bit-identical numpy block generator).

Run: ``.venv/bin/python benchmarks/bench_rtgs.py [--rounds N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from pathlib import Path

from cashloop_rtgs.evaluator import RtgsEvaluator
from cashloop_rtgs.options import RtgsOptions

SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "castro_exp2.yaml"

HOLD_UNTIL_URGENT = {
    "version": "2.0",
    "policy_id": "hold_until_urgent",
    "parameters": {"initial_liquidity_fraction": 0.1, "urgency": 2},
    "payment_tree": {
        "type": "condition",
        "node_id": "urgent",
        "condition": {
            "op": "or",
            "conditions": [
                {"op": "<=", "left": {"field": "ticks_to_deadline"}, "right": {"param": "urgency"}},
                {"op": "<=", "left": {"field": "amount"}, "right": {"field": "balance"}},
            ],
        },
        "on_true": {"type": "action", "node_id": "go", "action": "Release"},
        "on_false": {"type": "action", "node_id": "wait", "action": "Hold"},
    },
}
TREES = {"BANK_A": HOLD_UNTIL_URGENT, "BANK_B": HOLD_UNTIL_URGENT}
SEEDS = itertools.count(1_000_000)  # always fresh: no arrival-cache hits across rounds


def best_rate(days_per_round: int, rounds: int, repeats: int, work: Callable[[], None]) -> float:
    """Days per CPU second of the fastest of ``repeats`` batches of ``rounds`` rounds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(rounds):
            work()
        best = min(best, time.process_time() - start)
    return days_per_round * rounds / best


def report(label: str, rate: float) -> None:
    print(f"  {label:<50} {rate:>8,.0f} days/s  ({1e6 / rate:>5,.0f} µs/day)")


def calibration() -> float:
    """Million simple loop iterations per CPU second (machine speed reference)."""
    values = list(range(100_000))
    start = time.process_time()
    total = 0.0
    for v in values:
        total += (v >> 3) * 1.5
    return len(values) / (time.process_time() - start) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300, help="evaluate calls per batch")
    parser.add_argument("--repeats", type=int, default=5, help="batches; the best is kept")
    args = parser.parse_args()
    rounds, repeats = args.rounds, args.repeats

    full = RtgsEvaluator(RtgsOptions(scenario=SCENARIO))
    full.evaluate(TREES, [0])  # load, build and compile once
    if full.native_engine is not None:
        path = "compiled engine (cashloop_rtgs._native)"
    else:
        path = f"pure-Python reference engine, {full.random_stream} random stream"
    print(f"rtgs evaluator, {SCENARIO.name}, one core, {path}")
    print(f"  calibration: {calibration():.1f} M simple loop iterations per CPU second")

    report(
        "single runs, release-all policies",
        best_rate(1, rounds, repeats, lambda: full.evaluate({}, [next(SEEDS)])),
    )
    report(
        "single runs, hold-until-urgent trees",
        best_rate(1, rounds, repeats, lambda: full.evaluate(TREES, [next(SEEDS)])),
    )

    def paired() -> None:
        batch = [next(SEEDS) for _ in range(50)]
        full.evaluate({}, batch)
        full.evaluate({"BANK_A": HOLD_UNTIL_URGENT}, batch)

    report(
        "paired comparison, 50 samples = 100 runs",
        best_rate(100, max(1, rounds // 50), repeats, paired),
    )

    boot = RtgsEvaluator(RtgsOptions(scenario=SCENARIO, sampling="bootstrap-sandbox"))
    boot.evaluate(TREES, [0])
    report(
        "bootstrap-sandbox samples (2 sandboxes each)",
        best_rate(1, rounds, repeats, lambda: boot.evaluate(TREES, [next(SEEDS)])),
    )


if __name__ == "__main__":
    main()
