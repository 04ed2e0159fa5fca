"""What campaign commands share: choosing runs by id or by sweep, and formatting intervals."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from cashloop.cli.common import default_db

__all__ = ["format_interval", "read_selected_runs", "selection_options"]

F = TypeVar("F", bound=Callable[..., Any])


def selection_options(func: F) -> F:
    func = click.option(
        "--sweep", "sweep", default=None, metavar="NAME", help="Every cell of the sweep NAME."
    )(func)
    return click.argument("run_ids", nargs=-1)(func)


def read_selected_runs(db: Path | None, run_ids: tuple[str, ...], sweep: str | None) -> list[Any]:
    """The runs named (ids or unique prefixes) or the sweep's cells, with their events."""
    from cashloop.campaigns.runs import load_runs, open_repository, run_ids_of_sweep

    if bool(run_ids) == bool(sweep):
        raise click.UsageError("give RUN_ID... or --sweep NAME (one of the two)")
    with open_repository(db or default_db()) as repo:
        ids = run_ids_of_sweep(repo, sweep) if sweep else list(run_ids)
        return load_runs(repo, ids)


def format_interval(value: Mapping[str, Any], fmt: Callable[[Any], str]) -> str:
    """``$12.30 [$11.90, $12.70]``; the mean alone when there is no interval."""
    if value.get("mean") is None:
        return "-"
    text = fmt(value["mean"])
    if value.get("lower") is not None:
        text += f" [{fmt(value['lower'])}, {fmt(value['upper'])}]"
    return text
