"""Decision quality, measured on the real evaluator's cost distributions (issue: decisions).

    .venv/bin/python benchmarks/decision_quality.py moves [--reps 100]
    .venv/bin/python benchmarks/decision_quality.py null [--runs 100]
    .venv/bin/python benchmarks/decision_quality.py runs [--seeds 1-10]

``moves``: how often the default acceptance rule (``sequential`` at the per-decision level a
castro_exp2 run gives it: alpha / planned decisions) accepts each of seven exp2 moves whose truth
is known (the other bank at 0.15; truly worse and truly better moves, judged on 40,000 common
seeds), each decision on fresh seeds. Goal: truly worse <= 5 %, truly better >= 80 %.

``null``: 40-iteration two-agent runs of an evaluator under which every candidate is truly as good
as the incumbent (each sample's cost is the same skewed draw whatever the policy, plus policy-
dependent noise of mean zero), with a proposer that proposes a fresh nearby value every iteration;
the share of runs that accept any candidate. Goal: <= 10 % on default settings.

``runs``: ``cashloop run examples/castro_exp2.yaml --seed K`` as a user runs it, for each K: wall
time, the final profile, each bank's exploitability (its best unilateral deviation over a grid of
liquidity fractions on fresh common seeds) relative to its cost, and the final profile's true total
cost next to the equilibrium's (each bank's best response is about 0.145 whatever the other plays).
Goal: in 9 of 10 runs an epsilon-equilibrium within 2 % of each bank's cost; mean true cost within
3 % of the equilibrium's; each run under 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cashloop.config import ExperimentConfig
from cashloop.host import PluginHost
from cashloop.plugin import EvaluatorSpec, PolicyProposal, PolicyRequest, SampleResult, hookimpl
from cashloop.runner.acceptance import SequentialRule
from cashloop.runner.experiment_runner import GenericExperimentRunner
from cashloop.runner.seeds import sample_seeds
from cashloop.runner.sequential import SequentialPlan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FRACTION = "initial_liquidity_fraction"

#: (agent, (A, B) before, (A, B) after, truth)
MOVES = [
    ("BANK_B", (0.15, 0.20), (0.15, 0.10), "worse"),
    ("BANK_A", (0.15, 0.15), (0.10, 0.15), "worse"),
    ("BANK_A", (0.15, 0.15), (0.125, 0.15), "worse"),
    ("BANK_B", (0.15, 0.20), (0.15, 0.15), "better"),
    ("BANK_A", (0.10, 0.15), (0.15, 0.15), "better"),
    ("BANK_A", (0.10, 0.15), (0.125, 0.15), "better"),
    ("BANK_A", (0.125, 0.15), (0.15, 0.15), "better"),
]


def rtgs(scenario: str = "scenarios/castro_exp2.yaml") -> Any:
    host = PluginHost.load()
    return host.registry.create("evaluator", "rtgs", {"scenario": scenario}, "evaluator", EXAMPLES)


def profile(evaluator: Any, a: float, b: float) -> dict[str, dict[str, Any]]:
    policies = {agent: evaluator.initial_policy(agent) for agent in evaluator.agents()}
    policies = copy.deepcopy(policies)
    policies["BANK_A"]["parameters"][FRACTION] = a
    policies["BANK_B"]["parameters"][FRACTION] = b
    return policies


def default_acceptance() -> tuple[Any, int]:
    config = ExperimentConfig.from_yaml(EXAMPLES / "castro_exp2.yaml")
    acc = config.evaluation.acceptance
    planned = config.convergence.max_iterations * len(config.optimized_agents)
    return acc, planned


def decide_move(evaluator: Any, move: tuple[Any, ...], rep: int, acc: Any, level: float) -> Any:
    agent, before, after, _ = move
    old_profile, new_profile = profile(evaluator, *before), profile(evaluator, *after)
    rule = SequentialRule(
        SequentialPlan(
            alpha=level,
            initial=acc.initial_samples,
            maximum=acc.max_samples,
            min_improvement=acc.min_improvement,
        )
    )
    old: list[int] = []
    new: list[int] = []
    while True:
        wanted = rule.next_size()
        seeds = sample_seeds(7, f"move-{rep}", agent, wanted, len(old))
        old += [r.costs[agent] for r in evaluator.evaluate(old_profile, seeds)]
        new += [r.costs[agent] for r in evaluator.evaluate(new_profile, seeds)]
        decision = rule.look(old, new)
        if decision is not None:
            return decision


def moves(args: argparse.Namespace) -> None:
    evaluator = rtgs()
    acc, planned = default_acceptance()
    level = acc.alpha / planned if acc.error_control == "run" else acc.alpha
    print(
        f"castro_exp2 moves, rule {acc.rule}, per-decision level {level:.3g} "
        f"(alpha {acc.alpha} / {planned} planned decisions), {args.reps} decisions each"
    )
    chosen = MOVES if args.move is None else [MOVES[args.move]]
    for move in chosen:
        began = time.perf_counter()
        decisions = [decide_move(evaluator, move, rep, acc, level) for rep in range(args.reps)]
        rate = sum(d.accepted for d in decisions) / len(decisions)
        samples = statistics.median(d.samples for d in decisions)
        agent, before, after, truth = move
        goal = "<= 5 %" if truth == "worse" else ">= 80 %"
        ok = rate <= 0.05 if truth == "worse" else rate >= 0.80
        print(
            f"  {agent} {before} -> {after} truly {truth:6s} accepted {100 * rate:5.1f} % "
            f"(goal {goal}: {'ok' if ok else 'MISSED'}), median samples {samples:.0f}, "
            f"{time.perf_counter() - began:.1f} s"
        )


# -- null: every candidate truly equal ---------------------------------------------------------


class EqualEvaluator:
    """Every policy costs the same in distribution: a heavy-tailed draw per (seed, agent) that
    policies share, plus mean-zero noise that depends on the policy (so deltas are not zero)."""

    def agents(self) -> Sequence[str]:
        return ["BANK_A", "BANK_B"]

    def initial_policy(self, agent_id: str) -> dict[str, Any]:
        return {"parameters": {FRACTION: 0.5}}

    def policy_schema(self) -> str:
        return "{}"

    def describe(self) -> str:
        return "every candidate is truly equal to the incumbent"

    def evaluate(
        self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]
    ) -> list[SampleResult]:
        values = [policies[a]["parameters"][FRACTION] for a in ("BANK_A", "BANK_B")]
        salts = [_mix(hash(("policy", i, v)) & _MASK) for i, v in enumerate(values)]
        results = []
        for seed in seeds:
            costs = {}
            for i, agent in enumerate(("BANK_A", "BANK_B")):
                common = _mix(seed * 2 + i)
                base = 10_000 + (50_000 if common % 100 == 0 else 0)
                noise = _mix(common ^ salts[i]) % 2_001 - 1_000
                costs[agent] = base + noise
            results.append(SampleResult(seed=seed, costs=costs))
        return results


_MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit hash of ``x``."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class EqualPlugin:
    @hookimpl
    def register_evaluators(self) -> list[EvaluatorSpec]:
        return [EvaluatorSpec(name="equal", factory=lambda options: EqualEvaluator())]


class Wanderer:
    """Proposes a fresh value near the current one every iteration."""

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        current = request.current_policy["parameters"][FRACTION]
        rng = random.Random(request.seed)
        value = round(min(1.0, max(0.0, current + rng.uniform(-0.05, 0.05))), 4)
        return PolicyProposal(policy={"parameters": {FRACTION: value}}, model="wanderer")


def null_runs(args: argparse.Namespace) -> None:
    host = PluginHost.load()
    host.pm.register(EqualPlugin(), name="bench-equal")
    data = {
        "name": "null",
        "evaluator": {"type": "equal"},
        "optimized_agents": ["BANK_A", "BANK_B"],
        "convergence": {"max_iterations": 40, "stability_window": 99, "no_change_window": 99},
        "evaluation": {"num_samples": 20},
        "outputs": ["silent"],
        "llm": {"type": "local-search"},
    }
    accepted_runs, accepted_total, expected = 0, 0, []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            config = ExperimentConfig.from_dict({**data, "master_seed": 1000 + run})
            runner = GenericExperimentRunner(
                config, db_path=Path(folder) / "null.db", llm_client=Wanderer(), host=host
            )
            asyncio.run(runner.run())
            assert runner.state_provider is not None
            events = list(runner.state_provider.get_all_events())
            count = sum(1 for e in events if e["event_type"] == "policy_change" and e["accepted"])
            accepted_runs += count > 0
            accepted_total += count
            end = events[-1]
            expected.append(end["decisions"]["expected_false_acceptances_bound"])
    share = accepted_runs / args.runs
    print(
        f"null evaluator, {args.runs} runs of 40 iterations x 2 agents, default acceptance: "
        f"{100 * share:.1f} % of runs accepted any candidate (goal <= 10 %: "
        f"{'ok' if share <= 0.10 else 'MISSED'}); {accepted_total / args.runs:.2f} false "
        f"acceptances per run; reported bound on expected false acceptances per run "
        f"{statistics.fmean(expected):.4f}; {time.perf_counter() - began:.0f} s"
    )


# -- whole exp2 runs -----------------------------------------------------------------------------


def costs_on(evaluator: Any, policies: Any, seeds: Sequence[int]) -> dict[str, float]:
    results = evaluator.evaluate(policies, seeds)
    return {a: statistics.fmean(r.costs[a] for r in results) for a in ("BANK_A", "BANK_B")}


def exploitability(
    evaluator: Any, a: float, b: float, search: Sequence[int], confirm: Sequence[int]
) -> dict[str, float]:
    """Each bank's best unilateral gain relative to its cost: the best deviation on a grid is
    chosen on ``search`` seeds and its gain measured on independent ``confirm`` seeds (the
    maximum of noisy estimates on the seeds it was chosen on would be biased upward)."""
    base = costs_on(evaluator, profile(evaluator, a, b), search)
    grid = [round(0.05 + 0.005 * i, 3) for i in range(41)]  # 0.05 .. 0.25
    confirmed = costs_on(evaluator, profile(evaluator, a, b), confirm)
    gains = {}
    for agent in ("BANK_A", "BANK_B"):
        best, best_x = base[agent], None
        for x in grid:
            trial = (x, b) if agent == "BANK_A" else (a, x)
            cost = costs_on(evaluator, profile(evaluator, *trial), search)[agent]
            if cost < best:
                best, best_x = cost, trial
        if best_x is None:
            gains[agent] = 0.0
            continue
        deviated = costs_on(evaluator, profile(evaluator, *best_x), confirm)[agent]
        gains[agent] = (confirmed[agent] - deviated) / confirmed[agent]
    return gains


def runs(args: argparse.Namespace) -> None:
    low, _, high = args.seeds.partition("-")
    seeds = range(int(low), int(high or low) + 1)
    evaluator = rtgs()
    fresh = sample_seeds(99, "truth", "*", args.truth_samples)
    eq_cost = sum(costs_on(evaluator, profile(evaluator, 0.145, 0.145), fresh).values())
    print(f"equilibrium (0.145, 0.145) true total cost {eq_cost:.0f} cents on fresh seeds")
    passed, totals, walls = 0, [], []
    with tempfile.TemporaryDirectory() as folder:
        for seed in seeds:
            began = time.perf_counter()
            done = subprocess.run(
                [
                    str(Path(sys.executable).with_name("cashloop")),
                    "run",
                    str(EXAMPLES / "castro_exp2.yaml"),
                    "--seed",
                    str(seed),
                    "--json",
                    "--db",
                    str(Path(folder) / "runs.db"),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            wall = time.perf_counter() - began
            result = json.loads(done.stdout)
            policies = result["final_policies"]
            a = policies["BANK_A"]["parameters"][FRACTION]
            b = policies["BANK_B"]["parameters"][FRACTION]
            search = sample_seeds(98, "search", "*", args.eps_samples)
            eps = exploitability(evaluator, a, b, search, fresh)
            total = sum(costs_on(evaluator, profile(evaluator, a, b), fresh).values())
            ok = all(e <= 0.02 for e in eps.values())
            passed += ok
            totals.append(total)
            walls.append(wall)
            print(
                f"  seed {seed:3d}: ({a}, {b}) eps A {100 * eps['BANK_A']:.2f} % "
                f"B {100 * eps['BANK_B']:.2f} % {'ok' if ok else 'EXPLOITABLE'}; true cost "
                f"{total:.0f} ({100 * (total / eq_cost - 1):+.2f} %), "
                f"{result.get('convergence_reason')}, {wall:.1f} s"
            )
    mean = statistics.fmean(totals)
    print(
        f"{passed}/{len(totals)} runs end in a 2 %-equilibrium (goal >= 9/10); mean true cost "
        f"{mean:.0f} = {100 * (mean / eq_cost - 1):+.2f} % of the equilibrium's (goal within 3 %); "
        f"wall time median {statistics.median(walls):.1f} s, max {max(walls):.1f} s (goal < 30 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("moves")
    p.add_argument("--reps", type=int, default=100)
    p.add_argument("--move", type=int, default=None, help="only this move (0-6)")
    p = sub.add_parser("null")
    p.add_argument("--runs", type=int, default=100)
    p = sub.add_parser("runs")
    p.add_argument("--seeds", default="1-10")
    p.add_argument("--truth-samples", type=int, default=4000)
    p.add_argument("--eps-samples", type=int, default=2000)
    args = parser.parse_args()
    {"moves": moves, "null": null_runs, "runs": runs}[args.what](args)


if __name__ == "__main__":
    main()
