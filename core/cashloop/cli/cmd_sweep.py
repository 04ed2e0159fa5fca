"""``cashloop sweep`` (run or continue a sweep) and ``cashloop sweeps`` (stored sweeps)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cashloop.cli.common import db_option, default_db

__all__ = ["sweep_cmd", "sweeps_cmd"]


def _limits(items: tuple[str, ...]) -> dict[str, int]:
    limits = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value.isdigit() or int(value) < 1:
            raise click.UsageError(
                f"--provider-limit {item!r}: expected PROVIDER=N with N >= 1, e.g. openai=2"
            )
        limits[name] = int(value)
    return limits


@click.command("sweep")
@click.argument("sweep_file", type=click.Path(path_type=Path))
@db_option
@click.option("--parallel", type=click.IntRange(min=1), default=None, help="Cells at a time.")
@click.option(
    "--provider-limit",
    "provider_limits",
    multiple=True,
    metavar="PROVIDER=N",
    help="Concurrent LLM calls of one provider (llm.type) across all cells; may repeat.",
)
@click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Sweep token budget.")
@click.option(
    "--max-usd",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Sweep budget in US dollars.",
)
@click.option("--dry-run", is_flag=True, help="List the cells and what would happen to each.")
def sweep_cmd(
    sweep_file: Path,
    db: Path | None,
    parallel: int | None,
    provider_limits: tuple[str, ...],
    max_tokens: int | None,
    max_usd: float | None,
    dry_run: bool,
) -> int:
    """Run the cells of SWEEP_FILE as runs named <sweep>/<cell>; run it again to continue it.

    Completed cells are never rerun, interrupted or failed ones resume, new ones start. No new
    cell starts once the sweep's token or USD budget is spent. Exit 0 when every cell completed."""
    import attrs

    from cashloop.campaigns.scheduler import SweepRunner, check_cells, plan_cells
    from cashloop.campaigns.spec import load_sweep

    spec = load_sweep(sweep_file)
    budget = spec.budget
    if max_tokens is not None:
        budget = attrs.evolve(budget, max_tokens=max_tokens)
    if max_usd is not None:
        budget = attrs.evolve(budget, max_usd=max_usd)
    db_path = db or default_db()
    runner = SweepRunner(
        spec, db_path, parallel=parallel, provider_limits=_limits(provider_limits), budget=budget
    )
    if dry_run:
        check_cells(spec)
        from cashloop.campaigns.runs import open_repository

        states = {}
        if db_path.exists():
            with open_repository(db_path) as repo:
                states = plan_cells(spec, repo)
        for cell in spec.cells:
            click.echo(f"{cell.run_id(spec.name)}  {states.get(cell.name, 'new')}")
        return 0
    from cashloop.campaigns.progress_view import ProgressView

    with ProgressView(spec.name, runner.parallel, runner.budget) as view:
        progress = runner.run(view.update)
    left = progress.total - progress.done
    where = f"(database {db_path})"
    if progress.interrupted:
        click.echo(
            f"sweep {spec.name} interrupted; run the same command to continue {where}", err=True
        )
        return 130
    if left == 0:
        click.echo(f"sweep {spec.name}: all {progress.total} cells completed {where}", err=True)
        return 0
    why = "the sweep budget is spent" if progress.budget_spent else "some cells did not complete"
    failed = (
        f"; failed: {', '.join(progress.failed)} (logs in {runner.log_dir})"
        if progress.failed
        else ""
    )
    click.echo(
        f"sweep {spec.name}: {progress.done}/{progress.total} cells completed; {why}{failed}; "
        f"run the same command to continue {where}",
        err=True,
    )
    return 1


@click.command("sweeps")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the sweeps as a JSON array.")
def sweeps_cmd(db: Path | None, as_json: bool) -> None:
    """List stored sweeps: cells by status, tokens, $ and wall time."""
    from cashloop.campaigns.runs import open_repository
    from cashloop.campaigns.sweeps import list_sweeps

    with open_repository(db or default_db()) as repo:
        sweeps = list_sweeps(repo)
    if as_json:
        click.echo(json.dumps(sweeps, indent=2))
        return
    _print_sweeps(sweeps)


def _print_sweeps(sweeps: list[dict[str, Any]]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sweeps", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("sweep", no_wrap=True)
    table.add_column("state", no_wrap=True)
    for column in ("completed", "running", "failed", "interrupted", "tokens", "$"):
        table.add_column(column, no_wrap=True, justify="right")
    for s in sweeps:
        table.add_row(
            s["sweep"],
            s["state"],
            f"{s['completed']}/{s['cells_total'] or s['cells_stored']}",
            str(s["running"]),
            str(s["failed"]),
            str(s["interrupted"]),
            f"{s['tokens']:,}",
            f"{s['usd']:.2f}",
        )
    Console().print(table)
