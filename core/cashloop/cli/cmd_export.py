"""``cashloop export``: the tidy tables of runs or a sweep, as CSV, JSON lines or Parquet."""

from __future__ import annotations

from pathlib import Path

import click

from cashloop.cli.campaign_options import read_selected_runs, selection_options
from cashloop.cli.common import db_option

__all__ = ["export_cmd"]


@click.command("export")
@selection_options
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "jsonl"]),
    default="csv",
    show_default=True,
    help="File format (parquet needs cashloop[parquet]).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write runs, iterations, decisions, llm_calls and policies to.",
)
@click.option("--prompts", is_flag=True, help="Include prompts and answers in llm_calls.")
def export_cmd(
    run_ids: tuple[str, ...],
    sweep: str | None,
    db: Path | None,
    fmt: str,
    out: Path,
    prompts: bool,
) -> None:
    """Export runs (or a sweep's cells) as tidy tables: runs, iterations (cost per agent per
    iteration, cents), decisions (every candidate), llm_calls, policies."""
    from cashloop.campaigns.export import export_tables

    runs = read_selected_runs(db, run_ids, sweep)
    for path in export_tables(runs, out, fmt, prompts=prompts):
        click.echo(str(path))
