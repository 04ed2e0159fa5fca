"""What recording an iteration costs on each storage backend.

    .venv/bin/python benchmarks/bench_storage.py [--iterations 200] [--storage URL ...]

Each backend records one run as the loop would: per iteration, 10 events of castro-sized data
(``record_event``) then ``record_iteration``, which commits them; the time of each whole
iteration (hooks and commit) is measured and its median and 90th percentile reported, in
milliseconds. By default ``sqlite`` (deferred and full durability) in a temporary folder;
``--storage`` adds any other location (``postgresql://cashloop@127.0.0.1:5432/bench``,
``example-jsondir:root=/tmp/runs``). Only public tools are used.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cashloop.host import PluginHost
from cashloop.persistence.location import parse_storage_url
from cashloop.runner.components import open_location
from cashloop.types import RunInfo

POLICY = {"parameters": {"initial_liquidity_fraction": 0.25}, "payment_tree": {"action": "Release"}}


def _events(iteration: int) -> list[tuple[str, dict[str, Any]]]:
    costs = {"BANK_A": 123_456 + iteration, "BANK_B": 654_321}
    samples = [{"seed": s, "cost": 1000 + s, "settled": 10, "total": 12} for s in range(50)]
    call = {
        "agent_id": "BANK_A",
        "prompt_tokens": 1200,
        "completion_tokens": 300,
        "system_prompt": "x" * 4000,
        "user_prompt": "y" * 6000,
        "raw_response": "z" * 800,
    }
    return [
        ("iteration_start", {"iteration": iteration, "costs_per_agent": costs}),
        ("bootstrap_evaluation", {"seed_results": samples, "mean_cost": 1, "std_cost": 2}),
        ("llm_call", call),
        ("llm_call", {**call, "agent_id": "BANK_B"}),
        (
            "policy_change",
            {
                "agent_id": "BANK_A",
                "old_policy": POLICY,
                "new_policy": POLICY,
                "deltas": list(range(50)),
                "accepted": True,
            },
        ),
        (
            "policy_change",
            {
                "agent_id": "BANK_B",
                "old_policy": POLICY,
                "new_policy": POLICY,
                "deltas": list(range(50)),
                "accepted": False,
            },
        ),
        (
            "iteration_complete",
            {
                "iteration": iteration,
                "costs_per_agent": costs,
                "policies": {"BANK_A": POLICY, "BANK_B": POLICY},
            },
        ),
    ] + [("policy_rejected", {"agent_id": "BANK_A", "validation_errors": ["e"]})] * 3


def measure(url: str, iterations: int) -> list[float]:
    backend = open_location(PluginHost.load(), parse_storage_url(url))
    run = RunInfo(run_id=f"bench-{time.time_ns()}", experiment_name="bench")
    backend.create_run(run, {"name": "bench"})
    times: list[float] = []
    for iteration in range(1, iterations + 1):
        events = _events(iteration)
        started = time.perf_counter()
        for kind, data in events:
            backend.record_event(iteration=iteration, event_type=kind, event_data=data, run=run)
        backend.record_iteration(
            iteration=iteration - 1,
            costs_per_agent={"BANK_A": 1, "BANK_B": 2},
            accepted_changes={"BANK_A": True, "BANK_B": False},
            policies={"BANK_A": POLICY, "BANK_B": POLICY},
            run=run,
        )
        times.append(time.perf_counter() - started)
    backend.set_status(run.run_id, "completed")
    backend.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--storage", action="append", default=[], metavar="URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        urls = [
            f"sqlite:path={Path(folder) / 'deferred.db'}",
            f"sqlite:path={Path(folder) / 'full.db'},durability=full",
            *args.storage,
        ]
        for url in urls:
            times = sorted(measure(url, args.iterations))
            p90 = times[int(0.9 * (len(times) - 1))]
            print(
                f"{url}: median {statistics.median(times) * 1000:.2f} ms, "
                f"p90 {p90 * 1000:.2f} ms per iteration ({args.iterations} iterations)"
            )


if __name__ == "__main__":
    main()
