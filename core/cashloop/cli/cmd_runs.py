"""Commands over stored runs: ``runs``, ``show``, ``events``, ``replay``, ``watch``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cashloop.cli.common import (
    open_storage,
    read_stored_run,
    storage_options,
    verbose_from_flags,
    verbose_options,
)

if TYPE_CHECKING:
    from cashloop.persistence.location import StorageLocation

__all__ = ["events_cmd", "replay_cmd", "runs_cmd", "show_cmd", "watch_cmd"]


@click.command("runs")
@storage_options()
@click.option("--limit", type=int, default=None, help="Show at most this many runs.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the runs as a JSON array (for scripts)."
)
def runs_cmd(location: StorageLocation | None, limit: int | None, as_json: bool) -> None:
    """List stored runs, newest first."""
    storage = open_storage(location)
    try:
        runs = [
            _Listed(r, _live_status(storage, r.run_id, r.status)) for r in storage.list_runs(limit)
        ]
    finally:
        storage.close()
    if as_json:
        click.echo(json.dumps([_run_row(r) for r in runs], indent=2))
    else:
        _print_runs(runs)


class _Listed:
    """A listed run with its status as ``watch`` would judge it."""

    def __init__(self, run: Any, status: str) -> None:
        self._run = run
        self.status = status

    def __getattr__(self, name: str) -> Any:
        return getattr(self._run, name)


def _live_status(storage: Any, run_id: str, status: str) -> str:
    """``status``, except that a ``running`` run whose writer is gone is ``interrupted``: the
    writer-liveness check of ``watch`` (for backends whose runs offer ``is_being_written``)."""
    if status != "running":
        return status
    return "running" if _being_written(storage.open_run(run_id)) else "interrupted"


def _run_row(run: Any) -> dict[str, Any]:
    """One run of ``cashloop runs --json``; money in integer cents."""
    return {
        "run_id": run.run_id,
        "experiment_name": run.experiment_name,
        "status": run.status,
        "num_iterations": run.num_iterations,
        "final_cost": run.final_cost,
        "converged": run.converged,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
    }


def _print_runs(runs: Sequence[Any]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    widest = max((len(r.run_id) for r in runs), default=6)
    if console.width < widest + _OTHERS_FIT:  # no table fits: one plain line per run, uncut
        for r in runs:
            run_id, status, iterations, cost, converged = _cells(r)
            line = f"{run_id}  {status}  {iterations} iterations  {cost}  converged {converged}"
            console.print(line, soft_wrap=True, highlight=False)
        return
    table = Table(title="runs", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    # the id is what a user copies into show / replay / resume: never cut short or wrapped.
    # It starts with the experiment name and the start time, so a narrow terminal leaves the
    # 'created' column out rather than cutting the other values
    table.add_column("run id", no_wrap=True, min_width=widest)
    for column in ("status", "iters", "final cost", "converged"):
        table.add_column(column, no_wrap=True)
    dated = console.width >= widest + _CREATED_FITS
    if dated:
        table.add_column("created (UTC)", no_wrap=True)
    for r in runs:
        table.add_row(*_cells(r), *([_minute(r.created_at)] if dated else []))
    console.print(table)


def _cells(run: Any) -> list[str]:
    """Run id, status, iterations, final cost and converged, as printed."""
    from cashloop.money import format_cents

    cost = "-" if run.final_cost is None else format_cents(run.final_cost)
    converged = "-" if run.converged is None else ("yes" if run.converged else "no")
    return [run.run_id, run.status, str(run.num_iterations), cost, converged]


#: width the other columns take beside the run id (their widest values, the gaps), without and
#: with 'created'
_OTHERS_FIT = 11 + 5 + 10 + 9 + 4 * 2 + 2
_CREATED_FITS = _OTHERS_FIT + 16 + 2


def _minute(stamp: str) -> str:
    """``2026-12-03T07:48:16.17+00:00`` as ``2026-12-03 07:48`` (stored times are UTC)."""
    day, _, clock = stamp.partition("T")
    return f"{day} {clock[:5]}" if clock else stamp


@click.command("show")
@click.argument("run_id")
@storage_options()
def show_cmd(run_id: str, location: StorageLocation | None) -> None:
    """Show one run: status, result and per-iteration costs."""
    from rich.console import Console
    from rich.table import Table

    from cashloop.money import format_cents

    storage = open_storage(location)
    try:
        provider = storage.open_run(run_id)
        info = provider.get_experiment_info()
        status = info.get("status", "?")
        if status == "running" and not _being_written(provider):
            status = "interrupted"
        final = provider.get_final_result()
        iterations = [
            (i, provider.get_iteration_costs(i), provider.get_iteration_accepted_changes(i))
            for i in range(provider.get_total_iterations())
        ]
        reports = [e for e in provider.get_all_events() if e["event_type"] == "equilibrium"]
    finally:
        storage.close()
    console = Console()
    console.print(
        f"[bold]{info['run_id']}[/bold]  experiment {info['experiment_name']}  "
        f"status {status}  created {info.get('created_at', '?')}"
    )
    for line in _failure_lines(info):
        console.print(line, highlight=False, markup=False)
    if final:
        console.print(
            f"final cost {format_cents(final['final_cost'])}, best cost "
            f"{format_cents(final['best_cost'])}, converged: "
            f"{'yes' if final['converged'] else 'no'} ({final['convergence_reason']})"
        )
    table = Table(title="iterations")
    table.add_column("iteration")
    agents = sorted({a for _, costs, _ in iterations for a in costs})
    for agent in agents:
        table.add_column(agent)
    table.add_column("accepted")
    for i, costs, accepted in iterations:
        changed = ", ".join(a for a, ok in sorted(accepted.items()) if ok) or "-"
        # records are kept from 0 (the state provider's index); runs, replays and events
        # number iterations from 1, so the table does too
        table.add_row(str(i + 1), *(format_cents(costs.get(a, 0)) for a in agents), changed)
    console.print(table)
    if reports:
        from cashloop.runner.display.equilibrium_events import render_equilibrium
        from cashloop.runner.verbose import VerboseConfig

        render_equilibrium(reports[-1], console, VerboseConfig())


def _failure_lines(info: dict[str, Any]) -> list[str]:
    """Why a failed or interrupted run stopped, and the LLM calls its last iteration spent."""
    reason = info.get("failure_reason")
    if not reason or info.get("status") == "completed":
        return []
    lines = [f"stopped: {reason}"]
    calls = info.get("failed_llm_calls") or []
    if calls:
        prompt = sum(int(c.get("prompt_tokens", 0)) for c in calls)
        completion = sum(int(c.get("completion_tokens", 0)) for c in calls)
        lines.append(
            f"unfinished iteration: {len(calls)} LLM calls, {prompt} prompt + "
            f"{completion} completion tokens"
        )
    return lines


@click.command("events")
@click.argument("run_id")
@storage_options()
def events_cmd(run_id: str, location: StorageLocation | None) -> None:
    """Print each stored event as one JSON object per line."""
    from cashloop.runner.event_json import event_to_json

    storage = open_storage(location)
    try:
        for event in storage.open_run(run_id).get_all_events():
            click.echo(event_to_json(event))
    finally:
        storage.close()


@click.command("replay")
@click.argument("run_id")
@storage_options()
@verbose_options
def replay_cmd(run_id: str, location: StorageLocation | None, **flags: Any) -> None:
    """Replay a stored run through the console: the same text as the live run."""
    info, events = read_stored_run(location, run_id)
    show = _console_renderer(info, flags, "replay")
    for event in events:
        show(event)
    for line in _failure_lines(info):
        click.echo(f"run {info['run_id']} {info.get('status')}: {line}", err=True)


@click.command("watch")
@click.argument("run_id")
@storage_options()
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=0.5,
    show_default=True,
    help="Seconds between looks at the database.",
)
@verbose_options
def watch_cmd(run_id: str, location: StorageLocation | None, interval: float, **flags: Any) -> int:
    """Follow a run while another process writes it: the live run's text, iteration by iteration.

    Stops when the run stops (exit 0 if it completed, 1 if it failed, was interrupted, or its
    writer on this machine died without a word; resume it with `cashloop resume`)."""
    storage = open_storage(location)
    provider: Any = None
    try:
        provider = storage.open_run(run_id)
        info = provider.get_experiment_info()
        show = _console_renderer(info, flags, "watch")
        shown = 0
        while True:
            writing = _being_written(provider)  # asked first, so no final event can be missed
            events = _events_from(provider, shown)
            for event in events:
                show(event)
            shown += len(events)
            if not writing:
                break
            _wait(provider, interval)
        status = provider.get_experiment_info().get("status")
    finally:
        if callable(close := getattr(provider, "close", None)):
            close()
        storage.close()
    if status == "completed":
        return 0
    reason = "its writer is gone" if status == "running" else f"it is {status}"
    click.echo(
        f"run {info['run_id']} stopped: {reason}; continue it with `cashloop resume`", err=True
    )
    return 1


def _wait(provider: Any, interval: float) -> None:
    """Until the run may have changed: woken by the backend when it can tell (``postgres``:
    LISTEN/NOTIFY; then ``interval`` only bounds how late a dead writer is noticed, ten times
    over), else after ``interval``."""
    wait = getattr(provider, "wait_for_change", None)
    if callable(wait):
        wait(10 * interval)
    else:
        time.sleep(interval)


def _being_written(provider: Any) -> bool:
    check = getattr(provider, "is_being_written", None)  # sqlite's; other backends: the status
    return bool(check()) if check else provider.get_experiment_info().get("status") == "running"


def _events_from(provider: Any, start: int) -> list[dict[str, Any]]:
    fetch = getattr(provider, "get_events_from", None)  # sqlite's; other backends: all, sliced
    return list(fetch(start)) if fetch else list(provider.get_all_events())[start:]


def _console_renderer(
    info: dict[str, Any], flags: dict[str, Any], label: str
) -> Callable[[dict[str, Any]], None]:
    """A function showing one stored event through the console output, as the live run did."""
    from cashloop.converter import unstructure
    from cashloop.host import PluginHost
    from cashloop.runner.dispatcher import EventDispatcher
    from cashloop.types import RunInfo

    verbose = verbose_from_flags(flags)
    host = PluginHost.load()
    options: dict[str, Any] = {"progress": False}
    if verbose is not None:
        options["verbose"] = unstructure(verbose)
    console = host.registry.create("output", "console", options, label, Path.cwd())
    host.register_run_plugin(console, f"output:console#{label}")
    run = RunInfo(run_id=info["run_id"], experiment_name=info["experiment_name"])
    dispatcher = EventDispatcher(run=run, provider=None, host=host)

    def show(event: dict[str, Any]) -> None:
        data = {k: v for k, v in event.items() if k not in ("event_type", "iteration")}
        dispatcher.dispatch(event["iteration"], event["event_type"], data)

    return show
