"""``cashloop run`` and ``cashloop resume``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cashloop.cli.common import (
    read_config_data,
    read_location,
    read_stored_run,
    set_option,
    storage_options,
    stored_config,
    stored_files_options,
    verbose_from_flags,
    verbose_options,
)

if TYPE_CHECKING:
    from cashloop.errors import UserError
    from cashloop.persistence.location import StorageLocation

__all__ = ["execute", "resume_cmd", "run_cmd"]


def config_from_data(config: Path, data: Mapping[str, Any]) -> Any:
    """The experiment config read from CONFIG; when invalid, the error lists every problem."""
    from cashloop.config import ExperimentConfig
    from cashloop.errors import ConfigError

    try:
        return ExperimentConfig.from_dict(data, base_dir=config.parent, source=str(config))
    except ConfigError as exc:
        raise with_every_problem(config, data, exc) from None


def with_every_problem(config: Path, data: Mapping[str, Any], exc: UserError) -> UserError:
    """The error to report when CONFIG is invalid or a component of it fails to build: every
    problem ``cashloop validate`` finds, plus ``exc``'s own where they do not already say it (a
    factory's checks and its environment, an API key, are beyond what validate sees). ``exc``
    itself when validate finds nothing and it is no config error."""
    from cashloop.cli.config_check import check_config
    from cashloop.errors import ConfigError

    _, problems = check_config(config, data)
    if not problems and not isinstance(exc, ConfigError):
        return exc
    own = exc.errors if isinstance(exc, ConfigError) else (str(exc),)
    problems += [e for e in own if not any(p == e or p.endswith(f": {e}") for p in problems)]
    return ConfigError(problems, source=str(config))


def execute(runner: Any, as_json: bool) -> None:
    """Run to completion; print the JSON result or where the run is stored. A run whose LLM
    provider failed exits 1 with the provider's error."""
    import asyncio

    from cashloop.runner.provider_health import FAILURE_REASONS

    async def watched() -> Any:
        asyncio.get_running_loop().set_exception_handler(_quiet_interrupts)
        return await runner.run()

    try:
        result = asyncio.run(watched())
    except asyncio.CancelledError:  # a stop signal that waited for a commit to finish
        raise KeyboardInterrupt from None
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    if result.convergence_reason in FAILURE_REASONS:
        click.echo(_provider_failure(result, runner), err=True)
        raise click.exceptions.Exit(1)
    if not as_json:
        click.echo(f"run {result.run_id} finished: {result.convergence_reason}", err=True)
    where = getattr(runner, "storage_location", None)
    if where is not None:  # on stderr, so --json's stdout stays one JSON document
        click.echo(f"run {result.run_id} stored in {where.describe()}", err=True)


def _quiet_interrupts(loop: Any, context: dict[str, Any]) -> None:
    """Asyncio's report of errors nobody awaited, without the tasks a Ctrl-C stopped (their
    ``KeyboardInterrupt`` is the interruption itself, reported once as "interrupted")."""
    if isinstance(context.get("exception"), KeyboardInterrupt):
        return
    loop.default_exception_handler(context)


def _provider_failure(result: Any, runner: Any) -> str:
    """What to say when the run stopped because the LLM provider failed."""
    from cashloop.printable import printable

    diagnostics: Mapping[str, Any] = {}
    provider = runner.state_provider
    for event in provider.get_all_events() if provider is not None else ():
        if event.get("event_type") == "convergence":
            diagnostics = event.get("diagnostics") or {}
    what = (
        "the LLM provider refused the credentials"
        if result.convergence_reason == "llm_auth_failed"
        else "the LLM provider could not be reached"
    )
    summary = diagnostics.get("summary")
    error = printable(str(diagnostics.get("error") or "no error text recorded"))
    return (
        f"error: run {result.run_id} failed ({result.convergence_reason}): {what}"
        f"{f' ({summary})' if summary else ''}: {error}"
    )


@click.command("run")
@click.argument("config", type=click.Path(path_type=Path))
@set_option
@click.option("--seed", type=int, default=None, help="Override master_seed.")
@click.option(
    "--llm",
    "llm",
    default=None,
    metavar="TYPE[:MODEL]",
    help="Choose the proposer, e.g. local-search or openai:gpt-4.1.",
)
@storage_options(config=False)
@verbose_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the final result as JSON on stdout (progress goes to stderr).",
)
def run_cmd(
    config: Path,
    sets: tuple[str, ...],
    seed: int | None,
    llm: str | None,
    location: StorageLocation | None,
    as_json: bool,
    **flags: Any,
) -> None:
    """Run the experiment in CONFIG (offline on the embedded defaults)."""
    from cashloop.errors import UserError
    from cashloop.runner.experiment_runner import GenericExperimentRunner

    verbose = verbose_from_flags(flags)
    data = read_config_data(config, sets, seed=seed, llm=llm)
    cfg = config_from_data(config, data)
    runner = GenericExperimentRunner(
        cfg, verbose, storage=location, console_stream="stderr" if as_json else None
    )
    try:
        execute(runner, as_json)
    except UserError as exc:
        if runner.state_provider is not None:
            raise  # found after the run had started
        error = with_every_problem(config, data, exc)
        if error is exc:
            raise
        raise error from exc


@click.command("resume")
@click.argument("run_id")
@storage_options()
@verbose_options
@stored_files_options
@click.option("--json", "as_json", is_flag=True, help="Print the final result as JSON.")
def resume_cmd(
    run_id: str,
    location: StorageLocation | None,
    use_current_files: bool,
    use_stored_files: bool,
    as_json: bool,
    **flags: Any,
) -> None:
    """Continue an interrupted or failed run from its last committed iteration."""
    from cashloop.errors import UserError
    from cashloop.runner.experiment_runner import GenericExperimentRunner

    verbose = verbose_from_flags(flags)
    info, events = read_stored_run(location, run_id)
    if info.get("status") == "completed":
        raise UserError(
            f"run {info['run_id']} is completed; nothing to resume "
            "(use 'cashloop replay' to view it)"
        )
    cfg, copies = stored_config(info, use_current=use_current_files, use_stored=use_stored_files)
    runner = GenericExperimentRunner(
        cfg,
        verbose,
        storage=read_location(location),
        run_id=info["run_id"],
        resume_events=events,
        console_stream="stderr" if as_json else None,
    )
    with copies:  # the stored copies outlive the run
        execute(runner, as_json)
