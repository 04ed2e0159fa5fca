"""``cashloop plot``: charts of runs, or of a sweep and its cells (matplotlib)."""

from __future__ import annotations

from pathlib import Path

import click

from cashloop.cli.campaign_options import read_selected_runs, selection_options
from cashloop.cli.common import db_option

__all__ = ["plot_cmd"]


@click.command("plot")
@selection_options
@db_option
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write the charts to.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="Image format (svg is deterministic).",
)
def plot_cmd(
    run_ids: tuple[str, ...], sweep: str | None, db: Path | None, out: Path, fmt: str
) -> None:
    """Chart runs (cost per agent per iteration with decisions and their intervals; parameter
    trajectories) or a sweep (final cost by cell group with intervals, plus each cell).
    Needs pip install 'cashloop[plots]'."""
    from cashloop.campaigns.plots import _pyplot, plot_run, plot_sweep

    _pyplot()  # a missing extra is reported before anything is read
    runs = read_selected_runs(db, run_ids, sweep)
    written = []
    if sweep:
        from cashloop.campaigns.compare import compare_runs

        written += plot_sweep(sweep, compare_runs(runs), out, fmt)
    for run in runs:
        written += plot_run(run, out / "runs" if sweep else out, fmt)
    for path in written:
        click.echo(str(path))
