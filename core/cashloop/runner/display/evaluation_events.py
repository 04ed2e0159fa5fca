"""Renderers of ``bootstrap_evaluation`` and ``policy_change``: samples and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from cashloop.runner.display.money import format_money, format_saving
from cashloop.runner.display.policy_view import render_policy_diff
from cashloop.runner.display.printout import Printer
from cashloop.runner.display.tables import new_table, print_table
from cashloop.runner.display.values import (
    as_mapping,
    as_sequence,
    format_count,
    format_p_value,
    format_rate,
)
from cashloop.runner.verbose import VerboseConfig

__all__ = ["render_bootstrap_evaluation", "render_policy_change"]


def render_bootstrap_evaluation(
    event: Mapping[str, Any], console: Printer, verbose: VerboseConfig
) -> None:
    """Per-seed costs of one evaluated profile (``bootstrap`` only)."""
    if not verbose.bootstrap:
        return
    agent = event.get("agent_id")
    subject = "incumbent profile" if agent is None else f"candidate for {agent}"
    samples = as_sequence(event.get("seed_results"))
    table = new_table("Seed", "Cost", "Settled", "Rate", right=("Cost", "Settled", "Rate"))
    for sample in samples:
        result = as_mapping(sample)
        settled = f"{format_count(result.get('settled'))}/{format_count(result.get('total'))}"
        table.add_row(
            Text(format_count(result.get("seed"))),
            Text(format_money(result.get("cost"))),
            Text(settled),
            Text(format_rate(result.get("settlement_rate"))),
        )
    print_table(console, f"Samples: {subject}", table)
    mean, std = format_money(event.get("mean_cost")), format_money(event.get("std_cost"))
    console.print(Text(f"  mean {mean}, std {std} over {len(samples)} samples"))


def render_policy_change(
    event: Mapping[str, Any], console: Printer, verbose: VerboseConfig
) -> None:
    """The decision on a candidate; its diff with ``policy``, paired deltas with ``bootstrap``.

    The decision line also heads the diff, so ``policy`` alone still says whose diff it is.
    """
    if verbose.iterations or verbose.policy:
        _render_decision(event, console)
    if verbose.policy:
        render_policy_diff(event.get("old_policy"), event.get("new_policy"), console)
    if verbose.bootstrap:
        _render_sample_deltas(event, console)


def _render_decision(event: Mapping[str, Any], console: Printer) -> None:
    accepted = event.get("accepted") is True
    verdict = ("ACCEPTED ", "bold green") if accepted else ("REJECTED ", "bold red")
    old, new = format_money(event.get("old_cost")), format_money(event.get("new_cost"))
    line = Text.assemble(
        verdict,
        f"candidate for {event.get('agent_id', '?')}: {old} -> {new} ",
        f"({format_saving(event.get('delta'))})",
    )
    if event.get("reason"):
        line.append(f" - {event['reason']}")
    console.print(line)
    if "lower_bound" in event:
        bound = event.get("lower_bound")
        shown = "none" if bound is None else format_money(bound)
        console.print(
            Text(
                f"  mean saving {format_money(event.get('mean_delta'))} over "
                f"{format_count(event.get('samples'))} samples, one-sided lower bound {shown}, "
                f"{format_p_value(event.get('p_value'))}, level {_level(event.get('level'))}",
                style="dim",
            )
        )
    elif "mean_delta" in event or "ci_lower" in event:  # runs stored before sequential tests
        interval = f"[{format_money(event.get('ci_lower'))}, {format_money(event.get('ci_upper'))}]"
        console.print(
            Text(
                f"  mean saving {format_money(event.get('mean_delta'))}, CI {interval}, "
                f"{format_p_value(event.get('p_value'))}",
                style="dim",
            )
        )


def _level(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, int | float) else "?"


def _render_sample_deltas(event: Mapping[str, Any], console: Printer) -> None:
    deltas = as_sequence(event.get("sample_deltas"))
    if not deltas:
        return
    table = new_table("Sample", "Saving", right=("Sample", "Saving"))
    for index, delta in enumerate(deltas, start=1):
        table.add_row(Text(str(index)), Text(format_money(delta)))
    title = f"Paired savings for {event.get('agent_id', '?')} (old - new)"
    print_table(console, title, table)
