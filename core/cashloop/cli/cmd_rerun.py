"""``cashloop rerun RUN_ID --offline``: re-execute a stored run from its recorded LLM answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from cashloop.cli.common import (
    read_location,
    read_stored_run,
    storage_options,
    stored_config,
    stored_files_options,
    verbose_from_flags,
    verbose_options,
)

if TYPE_CHECKING:
    from cashloop.persistence.location import StorageLocation

__all__ = ["check_recording", "rerun_cmd"]


def check_recording(info: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
    """Refuse, before any run is created, a recording that cannot answer a whole rerun: one
    that ends early (an interrupted, failed or still running original)."""
    from cashloop.errors import UserError

    status = str(info.get("status") or "unknown")
    if status == "completed" and any(e.get("event_type") == "experiment_end" for e in events):
        return
    done = [e["iteration"] for e in events if e.get("event_type") == "iteration_complete"]
    last = max(done, default=0)
    ends = f"ends at iteration {last}" if last else "ends before its first iteration"
    why = {
        "interrupted": "the original run was interrupted",
        "failed": "the original run failed",
        "running": "the original run is still running (or was killed)",
    }.get(status, f"the original run is {status}")
    raise UserError(
        f"cannot rerun {info.get('run_id')} offline: the recording {ends}: {why}; "
        f"finish it first with `cashloop resume {info.get('run_id')}`, then rerun it"
    )


@click.command("rerun")
@click.argument("run_id")
@click.option(
    "--offline",
    is_flag=True,
    required=True,
    help="Answer every LLM request from the recorded run (no API calls, no cost).",
)
@storage_options()
@verbose_options
@stored_files_options
@click.option("--json", "as_json", is_flag=True, help="Print the final result as JSON.")
def rerun_cmd(
    run_id: str,
    offline: bool,
    location: StorageLocation | None,
    use_current_files: bool,
    use_stored_files: bool,
    as_json: bool,
    **flags: Any,
) -> None:
    """Re-execute RUN_ID as a new run whose LLM answers come from the recording."""
    from cashloop.cli.cmd_run import execute
    from cashloop.runner.experiment_runner import GenericExperimentRunner
    from cashloop.runner.recorded import RecordedClient

    verbose = verbose_from_flags(flags)
    info, events = read_stored_run(location, run_id)
    check_recording(info, events)
    # the recording answers every LLM request: the proposer's own files are never read
    cfg, copies = stored_config(
        info, use_current=use_current_files, use_stored=use_stored_files, skip="llm."
    )
    client = RecordedClient(events, run_id=info["run_id"])
    runner = GenericExperimentRunner(
        cfg,
        verbose,
        storage=read_location(location),
        llm_client=client,
        console_stream="stderr" if as_json else None,
        offline_llm=True,
    )
    with copies:  # the stored copies outlive the run
        execute(runner, as_json)
