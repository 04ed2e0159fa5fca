"""``cashloop compare``: cell groups side by side, with intervals across seeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cashloop.cli.campaign_options import format_interval, read_selected_runs, selection_options
from cashloop.cli.common import db_option

__all__ = ["compare_cmd"]


@click.command("compare")
@selection_options
@db_option
@click.option(
    "--by",
    "by",
    multiple=True,
    metavar="KEY",
    help="Group by this config key (default: the sweep's factors); may repeat.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON (cents).")
def compare_cmd(
    run_ids: tuple[str, ...], sweep: str | None, db: Path | None, by: tuple[str, ...], as_json: bool
) -> None:
    """Compare runs, one row per cell group (seeds pooled): final and best cost with 95 %
    intervals across seeds, ε, iterations, decisions, tokens, $ and wall time.

    Warns, naming the keys, when the runs differ in more than the swept factors."""
    from cashloop.campaigns.compare import compare_runs

    result = compare_runs(read_selected_runs(db, run_ids, sweep), by)
    for warning in result["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        _print(result)


def _print(result: dict[str, Any]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from cashloop.money import format_cents

    groups = result["groups"]
    agents = sorted({a for g in groups for a in g["final_costs"]})
    table = Table(title="compare (95 % intervals across seeds)", box=box.SIMPLE_HEAD)
    for factor in result["factors"] or ["group"]:
        table.add_column(factor.rsplit(".", 1)[-1], no_wrap=True)
    for column in (
        "n",
        "final cost",
        "best cost",
        *(f"{a} final" for a in agents),
        "ε",
        "iters",
        "accepted",
        "false acc.",
        "tokens",
        "$",
        "wall s",
    ):
        table.add_column(column, justify="right", no_wrap=True)
    for g in groups:
        labels = [str(v) for v in g["group"].values()] or ["all"]
        eps = ", ".join(f"{a} {format_cents(v['mean'])}" for a, v in g["epsilon"].items()) or ""
        iters = g["iterations"]["mean"]
        wall = g["wall_seconds"]["mean"]
        table.add_row(
            *labels,
            str(len(g["runs"])),
            format_interval(g["final_cost"], format_cents),
            format_interval(g["best_cost"], format_cents),
            *(format_interval(g["final_costs"].get(a, {}), format_cents) for a in agents),
            eps,
            "-" if iters is None else f"{iters:.1f}",
            f"{g['accepted']}/{g['decisions']}",
            f"{g['false_acceptance_estimate']:.3f}",
            f"{g['tokens']:,}",
            f"{g['usd']:.4f}",
            "-" if wall is None else f"{wall:.1f}",
        )
    console = Console()
    # piped or redirected output is never cropped; on a terminal the table takes its width
    width = max(160, console.width) if console.is_terminal else 1_000
    Console(width=width).print(table)
