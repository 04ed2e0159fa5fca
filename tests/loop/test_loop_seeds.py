"""Sample seeds derive from master_seed by hashing (iteration, agent, sample); a candidate and
its incumbent share them; the same config gives the same event log, on any executor."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from loop_helpers import (
    EXAMPLES,
    SpecProvider,
    example_config,
    fraction,
    host_with,
    of_type,
    run_experiment,
    strip_run_id,
)

from cashloop import events as ev
from cashloop.host import PluginHost
from cashloop.plugin import EvaluatorSpec
from cashloop.runner.seeds import derive_seed, sample_seeds


def test_seeds_are_stable_across_processes() -> None:
    code = "from cashloop.runner.seeds import sample_seeds;print(sample_seeds(42, 3, 'BANK_A', 4))"
    for hash_seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
        ).stdout
        assert out.strip() == str(sample_seeds(42, 3, "BANK_A", 4))


def test_seeds_differ_per_iteration_agent_and_sample() -> None:
    seeds = [
        seed
        for iteration in range(1, 26)
        for agent in ("*", "BANK_A", "BANK_B")
        for seed in sample_seeds(42, iteration, agent, 50)
    ]
    assert len(set(seeds)) == len(seeds) == 25 * 3 * 50
    assert all(0 <= s < 2**63 for s in seeds)


def test_seeds_follow_the_master_seed() -> None:
    assert sample_seeds(42, 1, "BANK_A", 5) == sample_seeds(42, 1, "BANK_A", 5)
    assert not set(sample_seeds(42, 1, "BANK_A", 5)) & set(sample_seeds(43, 1, "BANK_A", 5))
    # hashed, not master_seed + i: neighbouring master seeds share no stream
    assert derive_seed(42, 1, "BANK_A", 1) != derive_seed(43, 1, "BANK_A", 0)


class _RecordingEvaluator:
    """The real rtgs evaluator, remembering which profile was evaluated on which seeds."""

    def __init__(self, inner: Any, calls: list[tuple[dict[str, float], list[int]]]) -> None:
        self.inner = inner
        self.calls = calls

    def agents(self) -> Sequence[str]:
        return self.inner.agents()

    def initial_policy(self, agent_id: str) -> dict[str, Any]:
        return self.inner.initial_policy(agent_id)

    def policy_schema(self) -> str:
        return self.inner.policy_schema()

    def describe(self) -> str:
        return self.inner.describe()

    def evaluate(self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]) -> Any:
        self.calls.append(({a: fraction(p) for a, p in policies.items()}, list(seeds)))
        return self.inner.evaluate(policies, seeds)


def _recording_host(calls: list[tuple[dict[str, float], list[int]]]) -> PluginHost:
    def factory(options: Mapping[str, Any]) -> _RecordingEvaluator:
        inner = PluginHost.load().registry.create(
            "evaluator", "rtgs", options, "evaluator", EXAMPLES
        )
        return _RecordingEvaluator(inner, calls)

    spec = EvaluatorSpec(name="recording-rtgs", factory=factory)
    return host_with(("test-recording-rtgs", SpecProvider("register_evaluators", spec)))


async def test_candidate_and_incumbent_are_evaluated_on_the_same_seeds(tmp_path: Path) -> None:
    calls: list[tuple[dict[str, float], list[int]]] = []
    config = example_config(
        "castro_exp2",
        evaluator={"type": "recording-rtgs"},
        evaluation={"num_samples": 4, "acceptance": {"rule": "paired-t"}},
        convergence={"max_iterations": 3},
    )
    _, events, _ = await run_experiment(config, tmp_path / "runs.db", host=_recording_host(calls))
    seeds_by_iteration = []
    for iteration in (1, 2, 3):
        (boot,) = of_type(events, ev.BOOTSTRAP_EVALUATION, iteration=iteration)
        boot_seeds = [r["seed"] for r in boot["seed_results"]]
        assert boot_seeds == sample_seeds(42, iteration, "*", 4)
        seeds_by_iteration.append(set(boot_seeds))
        for change in of_type(events, ev.POLICY_CHANGE, iteration=iteration):
            agent = change["agent_id"]
            seeds = sample_seeds(42, iteration, agent, 4)
            on_these = [profile for profile, used in calls if used == seeds]
            old, new = fraction(change["old_policy"]), fraction(change["new_policy"])
            # the incumbent profile and the profile with the candidate, on the same seeds
            assert [p[agent] for p in on_these] == [old, new]
            others = [{a: f for a, f in p.items() if a != agent} for p in on_these]
            assert others[0] == others[1]
    assert not seeds_by_iteration[0] & seeds_by_iteration[1]
    assert not seeds_by_iteration[1] & seeds_by_iteration[2]


async def test_the_same_config_gives_the_same_event_log(tmp_path: Path) -> None:
    config = example_config(
        "castro_exp2", evaluation={"num_samples": 5}, convergence={"max_iterations": 4}
    )
    _, first, _ = await run_experiment(config, tmp_path / "a.db")
    _, second, _ = await run_experiment(config, tmp_path / "b.db")
    assert strip_run_id(first) == strip_run_id(second)

    other = example_config(
        "castro_exp2",
        master_seed=43,
        evaluation={"num_samples": 5},
        convergence={"max_iterations": 4},
    )
    _, third, _ = await run_experiment(other, tmp_path / "c.db")
    assert of_type(third, ev.BOOTSTRAP_EVALUATION) != of_type(first, ev.BOOTSTRAP_EVALUATION)


async def test_serial_and_process_executors_give_identical_event_logs(tmp_path: Path) -> None:
    changes = {"evaluation": {"num_samples": 6}, "convergence": {"max_iterations": 3}}
    serial = example_config("castro_exp2", executor={"type": "serial"}, **changes)
    process = example_config("castro_exp2", executor={"type": "process", "workers": 2}, **changes)
    serial_result, serial_events, _ = await run_experiment(serial, tmp_path / "serial.db")
    process_result, process_events, _ = await run_experiment(process, tmp_path / "process.db")
    assert strip_run_id(serial_events) == strip_run_id(process_events)
    assert serial_result.final_costs == process_result.final_costs
    assert serial_result.final_policies == process_result.final_policies
