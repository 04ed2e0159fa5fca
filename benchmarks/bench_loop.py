"""Framework overhead and process-pool speed-up of whole optimization runs (castro_exp2).

    .venv/bin/python benchmarks/bench_loop.py [--samples 50] [--iterations 6] [--repeat 3]
                                              [--no-process]

Overhead: wall time of a full run (serial executor, sqlite storage, silent output) against the
time spent inside the evaluator alone. The framework time (wall - evaluate) is split into a cost
per iteration and a fixed run setup cost by also timing one-iteration runs. Speed-up: the same run
on the serial executor against the process executor with 2 workers, the two alternating, as the
median of the --repeat pairs' ratios. Next to it, the machine's own limit: each pair is followed
by a round of ``parallel_ceiling`` (the same evaluator work in one process, then in two at once,
with no communication), and the bound that limit and the serial run's framework share set for
any executor (Amdahl's law, sharing taken as free).
Each run happens in a fresh interpreter (after a warm-up run there), as with ``cashloop run``.
Only public tools are used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
sys.path.insert(0, str(HERE))

import parallel_ceiling  # noqa: E402
import timed_evaluator  # noqa: E402
from cashloop.config import ExperimentConfig  # noqa: E402
from cashloop.host import PluginHost  # noqa: E402
from cashloop.runner.experiment_runner import GenericExperimentRunner  # noqa: E402


def _config(samples: int, iterations: int, executor: dict[str, Any], db: Path) -> ExperimentConfig:
    return ExperimentConfig.from_dict(
        {
            "name": "bench-exp2",
            "master_seed": 1,
            "evaluator": {
                "type": "timed-rtgs",
                "scenario": str(EXAMPLES / "scenarios/castro_exp2.yaml"),
            },
            "evaluation": {"mode": "paired", "num_samples": samples},
            # windows longer than the run, so every run does exactly `iterations` iterations
            "convergence": {
                "max_iterations": iterations,
                "stability_window": iterations + 1,
                "no_change_window": iterations + 1,
            },
            "policy_constraints": {
                "allowed_parameters": [
                    {"name": "initial_liquidity_fraction", "min_value": 0.0, "max_value": 1.0}
                ]
            },
            "validators": ["bounds"],
            "outputs": ["silent"],
            "storage": {"type": "sqlite", "path": str(db)},
            "executor": executor,
            "plugins": {"modules": ["timed_evaluator"]},
        },
        base_dir=EXAMPLES,
    )


def _run(samples: int, iterations: int, executor: dict[str, Any]) -> tuple[float, float]:
    """(wall, seconds inside evaluate) of one run, in a fresh interpreter as ``cashloop run``
    would be: several runs in one process would fork later helpers from an ever larger heap."""
    spec = json.dumps([samples, iterations, executor])
    out = subprocess.run(
        [sys.executable, __file__, "--one-run", spec], check=True, capture_output=True, text=True
    ).stdout
    wall, evaluating = json.loads(out.splitlines()[-1])
    return float(wall), float(evaluating)


def _one_run(samples: int, iterations: int, executor: dict[str, Any]) -> tuple[float, float]:
    """The run itself, after a serial warm-up run of the same length, so that imports and
    first-use costs stay out of the figures. The executor's own modules are imported too (its
    pool is made and shut down, no process started): the timed run forks its helpers for the
    first time, as ``cashloop run`` would, without paying imports the serial run does not."""
    _timed_run(samples, iterations, {"type": "serial"})
    options = {key: value for key, value in executor.items() if key != "type"}
    PluginHost.load().registry.create(
        "executor", executor["type"], options, "executor", EXAMPLES
    ).shutdown()
    return _timed_run(samples, iterations, executor)


def _timed_run(samples: int, iterations: int, executor: dict[str, Any]) -> tuple[float, float]:
    timed_evaluator.SECONDS_IN_EVALUATE[0] = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        cfg = _config(samples, iterations, executor, Path(tmp) / "bench.db")
        started = time.perf_counter()
        asyncio.run(GenericExperimentRunner(cfg).run())
        wall = time.perf_counter() - started
    return wall, timed_evaluator.SECONDS_IN_EVALUATE[0]


def _print_framework_split(args: argparse.Namespace, framework: float) -> None:
    """Framework time = setup + iterations x per-iteration, fitted on one-iteration runs."""
    short = [_run(args.samples, 1, {"type": "serial"}) for _ in range(max(args.repeat, 5))]
    framework_one = statistics.median(w - e for w, e in short)
    per_iteration = (framework - framework_one) / (args.iterations - 1)
    setup = framework_one - per_iteration
    print(f"framework time            median {1000 * framework:.1f} ms")
    print(f"  per iteration           {1000 * per_iteration:.2f} ms (goal <= 1.5 ms)")
    print(f"  run setup and finish    {1000 * setup:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-process", action="store_true", help="skip the process executor")
    parser.add_argument("--one-run", help=argparse.SUPPRESS)  # internal: one run, JSON figures
    args = parser.parse_args()
    if args.one_run:
        print(json.dumps(_one_run(*json.loads(args.one_run))))
        return

    # serial and process runs alternate, so a change in the machine's speed affects both alike
    serial, process, ceilings = [], [], []
    for _ in range(args.repeat):
        serial.append(_run(args.samples, args.iterations, {"type": "serial"}))
        if not args.no_process:
            process.append(_run(args.samples, args.iterations, {"type": "process", "workers": 2}))
            ceilings += parallel_ceiling.measure(rounds=1)
    walls = [w for w, _ in serial]
    overheads = [(w - e) / w for w, e in serial]
    print(f"castro_exp2, {args.samples} samples, {args.iterations} iterations, 2 agents")
    print(f"serial run wall time      median {statistics.median(walls):.3f} s")
    print(f"time inside evaluate      median {statistics.median(e for _, e in serial):.3f} s")
    print(
        f"framework overhead        median {100 * statistics.median(overheads):.1f} % "
        f"(goal <= 10 %)"
    )
    if args.iterations > 1:
        _print_framework_split(args, statistics.median(w - e for w, e in serial))
    if not process:
        return
    process_walls = [w for w, _ in process]
    speedups = [s / p for s, p in zip(walls, process_walls, strict=True)]
    bounds = [
        parallel_ceiling.amdahl_bound((w - e) / w, c)
        for (w, e), c in zip(serial, ceilings, strict=True)
    ]
    print(f"process (2 workers) wall  median {statistics.median(process_walls):.3f} s")
    print(
        f"process speed-up          {statistics.median(speedups):.2f}x median of pairs, "
        f"{min(speedups):.2f}-{max(speedups):.2f}x range (goal >= 1.7x)"
    )
    print(f"machine ceiling           {parallel_ceiling.describe(ceilings)}")
    print(
        f"bound for this run        {statistics.median(bounds):.2f}x median "
        "(framework share serial, the rest at the ceiling)"
    )
    print(
        f"share of the bound        "
        f"{100 * statistics.median(s / b for s, b in zip(speedups, bounds, strict=True)):.0f} %"
    )


if __name__ == "__main__":
    main()
