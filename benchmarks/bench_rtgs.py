"""Throughput of the rtgs evaluator on Castro experiment 2 (12-tick days), on one core.

Prints simulated days per second through the public ``evaluate`` API:
  * single runs: one ``evaluate`` call per fresh seed;
  * a 50-sample paired comparison: incumbent and candidate on the same 50 fresh seeds
    (100 runs, two ``evaluate`` calls), as the optimisation loop does every iteration.
Run: ``.venv/bin/python benchmarks/bench_rtgs.py [--seconds S]``. Uses public tools only.
"""

from __future__ import annotations

import argparse
import itertools
import time
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


def rate(label: str, days: int, seconds: float) -> None:
    print(f"{label:<46} {days / seconds:>9,.0f} days/s  ({seconds / days * 1e6:,.0f} µs/day)")


def bench_single(ev: RtgsEvaluator, profile: dict, seeds, budget: float) -> None:
    days, start = 0, time.perf_counter()
    while time.perf_counter() - start < budget:
        ev.evaluate(profile, [next(seeds)])
        days += 1
    rate(f"single runs ({profile and 'tree policy' or 'release-all'})", days,
         time.perf_counter() - start)


def bench_paired(ev: RtgsEvaluator, seeds, budget: float, samples: int = 50) -> None:
    incumbent: dict = {}
    candidate = {"BANK_A": HOLD_UNTIL_URGENT}
    days, start = 0, time.perf_counter()
    while time.perf_counter() - start < budget:
        batch = [next(seeds) for _ in range(samples)]
        ev.evaluate(incumbent, batch)
        ev.evaluate(candidate, batch)
        days += 2 * samples
    rate(f"paired comparison, {samples} samples ({2 * samples} runs)", days,
         time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time budget per figure")
    args = parser.parse_args()
    ev = RtgsEvaluator(RtgsOptions(scenario=SCENARIO))
    seeds = itertools.count(1_000_000)  # fresh seeds: no arrival-cache hits across calls
    ev.evaluate({}, [0])  # warm up: load and compile
    print(f"rtgs evaluator, {SCENARIO.name}, one core")
    bench_single(ev, {}, seeds, args.seconds)
    bench_single(ev, {"BANK_A": HOLD_UNTIL_URGENT, "BANK_B": HOLD_UNTIL_URGENT}, seeds,
                 args.seconds)
    bench_paired(ev, seeds, args.seconds)
    boot = RtgsEvaluator(RtgsOptions(scenario=SCENARIO, sampling="bootstrap-sandbox"))
    boot.evaluate({}, [0])
    days, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        boot.evaluate({"BANK_A": HOLD_UNTIL_URGENT}, [next(seeds)])
        days += 1
    rate("bootstrap sandbox samples (2 sandboxes each)", days, time.perf_counter() - start)


if __name__ == "__main__":
    main()
