"""Cost and verdicts of the equilibrium report on castro_exp2 (``examples/castro_exp2.yaml``).

For a few symmetric profiles and master seeds, prints each bank's ε (gain of its best unilateral
deviation, cents, with the 95 % interval), the deviation, whether the profile passes at the 2 %
tolerance, and the CPU seconds of the whole report (both banks), with the run's default sample
sizes (num_samples 20: 2,000 search seeds per candidate, 4,000 confirmation seeds).

Each bank's best response is about 0.145 whatever the other plays (the set within noise is
0.135-0.15), so (0.10, 0.10) must fail and (0.145, 0.145) pass.

Run: ``.venv/bin/python benchmarks/bench_equilibrium.py [--seeds 42 7 ...]``.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

from cashloop.config import ExperimentConfig
from cashloop.host import PluginHost
from cashloop.runner.equilibrium import report_for_run
from cashloop.runner.evaluation import EvaluationService

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FRACTION = "initial_liquidity_fraction"
PROFILES = [(0.10, 0.10), (0.125, 0.125), (0.135, 0.135), (0.145, 0.145), (0.15, 0.15), (0.2, 0.2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 1234])
    args = parser.parse_args()
    base = ExperimentConfig.from_yaml(EXAMPLES / "castro_exp2.yaml")
    evaluator = PluginHost.load().registry.create(
        "evaluator", base.evaluator.type, base.evaluator.options, "evaluator", EXAMPLES
    )
    service = EvaluationService(evaluator, None)
    agents = ["BANK_A", "BANK_B"]
    initial = {agent: evaluator.initial_policy(agent) for agent in agents}
    print(
        "seed  profile         passes  cpu_s  per bank: epsilon [lower, upper] (share) -> deviation"
    )
    for seed in args.seeds:
        config = ExperimentConfig.from_dict({**base.to_dict(), "master_seed": seed})
        for a, b in PROFILES:
            profile = copy.deepcopy(initial)
            profile["BANK_A"]["parameters"][FRACTION] = a
            profile["BANK_B"]["parameters"][FRACTION] = b
            started = time.process_time()
            report = report_for_run(config, service.evaluate_many, profile, agents)
            cpu = time.process_time() - started
            assert report is not None
            cells = [
                f"{e['epsilon']} [{e['epsilon_lower']}, {e['epsilon_upper']}] "
                f"({e['relative_epsilon']:.1%}) -> {e['best_deviation'][FRACTION]:g}"
                for e in report["agents"].values()
            ]
            print(
                f"{seed:<5} ({a:.3f}, {b:.3f})  {report['passes']!s:<6}  {cpu:5.2f}  "
                + " | ".join(cells)
            )


if __name__ == "__main__":
    main()
