"""``cashloop simulate``: run a scenario under given policies and print the costs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from cashloop.plugin import SampleResult

__all__ = ["simulate"]


def _pairs(values: Sequence[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for item in values:
        agent, sep, value = item.partition("=")
        if not sep or not agent or not value:
            raise click.UsageError(f"{option} expects AGENT=VALUE, got {item!r}")
        pairs.append((agent, value))
    return pairs


def _seed_list(seeds: Sequence[int], seed_range: str | None, default: int) -> list[int]:
    chosen = list(seeds)
    if seed_range is not None:
        start, sep, count = seed_range.partition(":")
        try:
            first, n = int(start), int(count)
        except ValueError:
            first, n = 0, -1
        if not sep or n < 1 or first < 0:
            raise click.UsageError(
                f"--seeds expects START:COUNT with COUNT >= 1, got {seed_range!r}"
            )
        chosen += range(first, first + n)
    return chosen or [default]


def _load_policy(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.UsageError(f"cannot read policy file {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise click.UsageError(f"policy file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise click.UsageError(f"policy file {path} must hold one JSON object")
    return data


@click.command("simulate")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--policy",
    "policy_args",
    multiple=True,
    metavar="AGENT=FILE.json",
    help="Policy of one agent (repeatable); others use their initial policy.",
)
@click.option(
    "--fraction",
    "fraction_args",
    multiple=True,
    metavar="AGENT=F",
    help="Set initial_liquidity_fraction of an agent's policy (repeatable).",
)
@click.option(
    "--seed",
    "seeds",
    multiple=True,
    type=int,
    metavar="N",
    help="Sample seed (repeatable); default: the scenario's rng_seed.",
)
@click.option(
    "--seeds", "seed_range", metavar="START:COUNT", help="COUNT consecutive seeds from START."
)
@click.option(
    "--sampling",
    type=click.Choice(["full", "bootstrap-sandbox"]),
    default="full",
    show_default=True,
    help="Full scenario runs, or SimCash's bootstrap sandbox.",
)
@click.option(
    "--semantics",
    type=click.Choice(["simcash", "corrected"]),
    default="simcash",
    show_default=True,
    help="Keep SimCash's quirks or use the corrected rules.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per seed.")
def simulate(
    scenario: Path,
    policy_args: tuple[str, ...],
    fraction_args: tuple[str, ...],
    seeds: tuple[int, ...],
    seed_range: str | None,
    sampling: str,
    semantics: str,
    as_json: bool,
) -> None:
    """Simulate SCENARIO (a scenario YAML file) and report per-agent costs in cents."""
    from cashloop_rtgs.evaluator import RtgsEvaluator
    from cashloop_rtgs.options import RtgsOptions

    evaluator = RtgsEvaluator(
        RtgsOptions(
            scenario=scenario,
            sampling=sampling,  # type: ignore[arg-type]  # click.Choice checked it
            semantics=semantics,  # type: ignore[arg-type]
        )
    )
    agents = evaluator.agents()
    policies: dict[str, dict[str, Any]] = {}
    for agent, path in _pairs(policy_args, "--policy"):
        _known(agent, agents, "--policy")
        policies[agent] = _load_policy(path)
    for agent, text in _pairs(fraction_args, "--fraction"):
        _known(agent, agents, "--fraction")
        try:
            fraction = float(text)
        except ValueError:
            raise click.UsageError(f"--fraction {agent}: not a number: {text!r}") from None
        if not 0.0 <= fraction <= 1.0:
            raise click.UsageError(f"--fraction {agent}: must be between 0 and 1, got {text}")
        policy = policies.setdefault(agent, evaluator.initial_policy(agent))
        policy["parameters"] = {
            **policy.get("parameters", {}),
            "initial_liquidity_fraction": fraction,
        }
    chosen = _seed_list(seeds, seed_range, evaluator.scenario.simulation.rng_seed)
    results = evaluator.evaluate(policies, chosen)  # one batch call
    if as_json:
        click.echo(json.dumps([_as_json(r, agents) for r in results], indent=2))
    else:
        _print_tables(results, agents)


def _known(agent: str, agents: Sequence[str], option: str) -> None:
    if agent not in agents:
        raise click.UsageError(f"{option}: unknown agent {agent!r}; agents: {', '.join(agents)}")


def _as_json(result: SampleResult, agents: Sequence[str]) -> dict[str, Any]:
    return {
        "seed": result.seed,
        "costs": dict(result.costs),
        "breakdown": {agent: dict(result.breakdown(agent)) for agent in agents},
        "settled": int(result.metrics["settled"]),
        "total": int(result.metrics["total"]),
        "settlement_rate": result.metrics["settlement_rate"],
    }


def _print_tables(results: Sequence[SampleResult], agents: Sequence[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    from cashloop_rtgs.engine.costs import COMPONENTS

    console = Console()
    for result in results:
        m = result.metrics
        table = Table(
            title=f"seed {result.seed} (costs in cents): settled "
            f"{int(m['settled'])}/{int(m['total'])} "
            f"({m['settlement_rate']:.1%}), average delay {m['avg_delay']:.2f} "
            "ticks"
        )
        table.add_column("agent")
        for component in COMPONENTS:
            table.add_column(component.split("_")[0], justify="right")
        table.add_column("total", justify="right", style="bold")
        for agent in agents:
            parts = result.breakdown(agent)
            table.add_row(
                agent, *(f"{int(parts[c]):,}" for c in COMPONENTS), f"{result.costs[agent]:,}"
            )
        console.print(table)
