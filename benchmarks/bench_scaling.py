"""Scale-out of whole runs on 1..N workers: the machine's ceiling, and the speed-up of the
``process`` and ``dask`` executors over ``serial``, with their ratio to that ceiling.

    .venv/bin/python benchmarks/bench_scaling.py [--workers 1,2] [--banks 20] [--ticks 500]
        [--rate 1.0] [--seed 7] [--repeat 1] [--no-dask] [--small-samples 1000]
    .venv/bin/python benchmarks/bench_scaling.py --workers 1,2,4,8,16 --banks 50 --ticks 1000
    .venv/bin/python benchmarks/bench_scaling.py --write-scenario heavy.yaml --banks 50 --ticks 1000

The defaults fit a 2-core machine in a few minutes; the second line is the heavy scenario of
issue 19 (50 banks x 1,000 ticks, about 50,000 payments a day) for a big machine. The scenario is
generated (every bank pays every other at ``--rate`` payments per tick, log-normal amounts) and
written as the YAML file the ``rtgs`` evaluator reads; ``--write-scenario`` only writes it.

Whole runs: 2 optimized agents, local-search, 64 samples, exactly 3 iterations, silent output,
sqlite storage, ``evaluation.min_batch_ms`` at its default; each executor's runs alternate with
the others' ``--repeat`` times and medians are printed. The ``process`` pool starts inside the
timed run, as with ``cashloop run``; each Dask local cluster is started before its timed runs and
closed after them (its runs connect to it by address). The ceiling for k workers is k processes
evaluating the same scenario independently, with no communication (``parallel_ceiling``). Every
run's final cost must be the same: it is printed, and a difference is an error (exit 1).
The small-batch regime: castro_exp2 at ``--small-samples`` samples, ``process`` with the most
workers against ``serial`` (a batch that is cheap to evaluate must not get slower).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
sys.path.insert(0, str(HERE))

import parallel_ceiling  # noqa: E402
from cashloop.config import ExperimentConfig  # noqa: E402
from cashloop.host import PluginHost  # noqa: E402
from cashloop.runner.experiment_runner import GenericExperimentRunner  # noqa: E402

SAMPLES = 64
ITERATIONS = 3
FRACTION = "initial_liquidity_fraction"


# -- the scenario ----------------------------------------------------------------------------------


def heavy_scenario(banks: int, ticks: int, rate: float, seed: int) -> dict[str, Any]:
    """``banks`` banks over one day of ``ticks`` ticks, each sending ``rate`` payments a tick
    (Poisson) to the others alike; costs scaled from Castro's 12-period rates to ``ticks``."""
    ids = [f"BANK_{n:02d}" for n in range(banks)]
    daily_out = rate * ticks * 10_000  # expected cents a bank pays in a day
    return {
        "simulation": {"ticks_per_day": ticks, "num_days": 1, "rng_seed": seed},
        "deferred_crediting": True,
        "deadline_cap_at_eod": True,
        "cost_rates": {
            "liquidity_cost_per_tick_bps": round(83 * 12 / ticks, 4),
            "delay_cost_per_tick_per_cent": round(0.2 * 12 / ticks, 6),
            "overdraft_bps_per_tick": 0,
            "collateral_cost_per_tick_bps": 0,
            "eod_penalty_per_transaction": 100_000,
            "deadline_penalty": 50_000,
            "split_friction_cost": 0,
        },
        "lsm_config": {"enable_bilateral": False, "enable_cycles": False},
        "agents": [
            {
                "id": bank,
                "opening_balance": 0,
                "unsecured_cap": 0,
                "liquidity_pool": int(daily_out),
                "arrival_config": {
                    "rate_per_tick": rate,
                    "amount_distribution": {"type": "LogNormal", "mean": 10_000, "std_dev": 5_000},
                    "counterparty_weights": {other: 1.0 for other in ids if other != bank},
                    "deadline_range": [max(1, ticks // 4), max(2, 2 * ticks // 3)],
                    "priority": 5,
                },
            }
            for bank in ids
        ],
    }


def write_scenario(path: Path, banks: int, ticks: int, rate: float, seed: int) -> Path:
    scenario = heavy_scenario(banks, ticks, rate, seed)
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


# -- runs ----------------------------------------------------------------------------------------


def experiment(scenario: Path, samples: int, executor: dict[str, Any], db: Path) -> dict[str, Any]:
    """A whole run: the scenario's first two banks optimized by local search, exactly
    ``ITERATIONS`` iterations (windows longer than the run)."""
    banks = [a["id"] for a in yaml.safe_load(scenario.read_text(encoding="utf-8"))["agents"]]
    return {
        "name": "bench-scaling",
        "master_seed": 42,
        "evaluator": {"type": "rtgs", "scenario": str(scenario)},
        "optimized_agents": sorted(banks)[:2],
        "evaluation": {"mode": "paired", "num_samples": samples},
        "convergence": {
            "max_iterations": ITERATIONS,
            "stability_window": ITERATIONS + 1,
            "no_change_window": ITERATIONS + 1,
        },
        "llm": {"type": "local-search"},
        "policy_constraints": {
            "allowed_parameters": [{"name": FRACTION, "min_value": 0.0, "max_value": 1.0}]
        },
        "validators": ["bounds"],
        "outputs": ["silent"],
        "storage": {"type": "sqlite", "path": str(db)},
        "executor": executor,
    }


def timed_run(scenario: Path, samples: int, executor: dict[str, Any]) -> tuple[float, int]:
    """(wall seconds, final cost) of one whole run in this process."""
    with tempfile.TemporaryDirectory() as tmp:
        data = experiment(scenario, samples, executor, Path(tmp) / "bench.db")
        config = ExperimentConfig.from_dict(data, base_dir=Path(tmp))
        started = time.perf_counter()
        result = asyncio.run(GenericExperimentRunner(config).run())
        return time.perf_counter() - started, result.final_cost


class Runs:
    """Every timed run's wall time by label, and every final cost seen."""

    def __init__(self) -> None:
        self.walls: dict[str, list[float]] = {}
        self.costs: dict[str, int] = {}

    def time(self, label: str, scenario: Path, samples: int, executor: dict[str, Any]) -> None:
        wall, cost = timed_run(scenario, samples, executor)
        self.walls.setdefault(label, []).append(wall)
        self.costs[label] = cost

    def median(self, label: str) -> float:
        return statistics.median(self.walls[label])


def with_local_cluster(workers: int, body: Callable[[str], None]) -> None:
    """``body(address)`` while a Dask local cluster of ``workers`` single-thread processes runs."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
    try:
        with Client(cluster, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
        body(cluster.scheduler_address)
    finally:
        cluster.close()


# -- the report ----------------------------------------------------------------------------------


def _row(name: str, cells: list[str]) -> str:
    return f"{name:<28}" + "".join(f"{c:>16}" for c in cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--banks", type=int, default=20)
    parser.add_argument("--ticks", type=int, default=500)
    parser.add_argument("--rate", type=float, default=1.0, help="payments per bank and tick")
    parser.add_argument("--seed", type=int, default=7, help="the scenario's rng_seed")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per executor")
    parser.add_argument("--rounds", type=int, default=3, help="ceiling rounds per worker count")
    parser.add_argument("--no-dask", action="store_true", help="skip the dask executor")
    parser.add_argument("--small-samples", type=int, default=1000)
    parser.add_argument("--write-scenario", type=Path, help="only write the scenario there")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    if args.write_scenario:
        write_scenario(args.write_scenario, args.banks, args.ticks, args.rate, args.seed)
        print(f"wrote {args.write_scenario}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        scenario = write_scenario(
            Path(tmp) / "heavy.yaml", args.banks, args.ticks, args.rate, args.seed
        )
        report(args, counts, scenario)


def report(args: argparse.Namespace, counts: list[int], scenario: Path) -> None:
    payments = args.banks * args.ticks * args.rate
    print(
        f"scenario: {args.banks} banks x {args.ticks} ticks, {args.rate:g} payments per bank "
        f"and tick (about {payments:,.0f} a day), rng_seed {args.seed}"
    )
    print(
        f"whole runs: 2 optimized agents, local-search, {SAMPLES} samples, {ITERATIONS} "
        f"iterations, silent, sqlite; medians of {args.repeat}"
    )
    # the ceilings fork: measured before any run starts threads in this process
    evaluator = PluginHost.load().registry.create(
        "evaluator", "rtgs", {"scenario": str(scenario)}, "evaluator", scenario.parent
    )
    ceilings = {
        k: statistics.median(
            parallel_ceiling.measure(
                args.rounds, 1.0, processes=k, evaluator=evaluator, seeds=max(1, SAMPLES // 16)
            )
        )
        for k in counts
    }
    runs = Runs()
    runs.time("warm-up", scenario, SAMPLES, {"type": "serial"})
    for _ in range(args.repeat):
        runs.time("serial", scenario, SAMPLES, {"type": "serial"})
        for k in counts:
            runs.time(f"process-{k}", scenario, SAMPLES, {"type": "process", "workers": k})
    if not args.no_dask:
        for k in counts:

            def timed(address: str, k: int = k) -> None:
                runs.time(f"dask-warm-{k}", scenario, SAMPLES, {"type": "dask", "address": address})
                for _ in range(args.repeat):
                    runs.time(f"dask-{k}", scenario, SAMPLES, {"type": "dask", "address": address})

            with_local_cluster(k, timed)

    serial = runs.median("serial")
    print(f"serial: {serial:.2f} s")
    print(_row("workers", [str(k) for k in counts]))
    print(_row("machine ceiling", [f"{ceilings[k]:.2f}x" for k in counts]))
    kinds = ["process"] + ([] if args.no_dask else ["dask"])
    for kind in kinds:
        cells = []
        for k in counts:
            speedup = serial / runs.median(f"{kind}-{k}")
            cells.append(f"{speedup:.2f}x ({100 * speedup / ceilings[k]:.0f} %)")
        print(_row(f"{kind} vs serial (% ceiling)", cells))
    check_costs(runs.costs)
    small_batches(args, max(counts))


def check_costs(costs: dict[str, int]) -> None:
    if len(set(costs.values())) != 1:
        print(f"final costs differ between executors: {costs}", file=sys.stderr)
        raise SystemExit(1)
    print(f"final cost {next(iter(costs.values())):,} cents on every executor ({len(costs)} kinds)")


def small_batches(args: argparse.Namespace, workers: int) -> None:
    """castro_exp2 at many samples: cheap batches, where shipping must not cost time."""
    scenario = EXAMPLES / "scenarios" / "castro_exp2.yaml"
    runs = Runs()
    runs.time("warm-up", scenario, args.small_samples, {"type": "serial"})
    for _ in range(max(3, args.repeat)):
        runs.time("serial", scenario, args.small_samples, {"type": "serial"})
        runs.time("process", scenario, args.small_samples, {"type": "process", "workers": workers})
    check_costs(runs.costs)
    serial, process = runs.median("serial"), runs.median("process")
    print(
        f"small batches, castro_exp2 at {args.small_samples} samples: serial {serial:.2f} s, "
        f"process ({workers} workers) {process:.2f} s: {serial / process:.2f}x (goal >= 0.95x)"
    )


if __name__ == "__main__":
    main()
