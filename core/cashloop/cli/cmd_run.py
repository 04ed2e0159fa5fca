"""``cashloop run`` and ``cashloop resume``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from cashloop.cli.common import db_option, default_db, verbose_from_flags, verbose_options

__all__ = ["execute", "resume_cmd", "run_cmd"]


def _with_llm(data: dict[str, Any], spec: str) -> dict[str, Any]:
    """``--llm TYPE[:MODEL]`` replaces the proposer, keeping the core's prompt/retry keys."""
    from cashloop.config import LLMConfig

    kind, _, model = spec.partition(":")
    if not kind:
        raise click.UsageError("--llm expects TYPE[:MODEL], e.g. --llm openai:gpt-4.1")
    raw = data.get("llm")
    old: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    new = {k: v for k, v in old.items() if k in LLMConfig.CORE_KEYS}
    new["type"] = kind
    if model:
        new["model"] = model
    return {**data, "llm": new}


def load_run_config(config: Path, sets: Sequence[str], seed: int | None, llm: str | None) -> Any:
    from cashloop.config import ExperimentConfig
    from cashloop.config.overrides import apply_overrides, parse_set_options
    from cashloop.config.yaml_io import read_yaml_mapping

    data = read_yaml_mapping(config, what="experiment config")
    if llm:
        data = _with_llm(data, llm)
    overrides = parse_set_options(sets)
    if seed is not None:
        overrides["master_seed"] = seed
    if overrides:
        data = apply_overrides(data, overrides, source=str(config))
    return ExperimentConfig.from_dict(data, base_dir=config.parent, source=str(config))


def execute(runner: Any, as_json: bool) -> None:
    """Run to completion; print the JSON result or where the run is stored."""
    result = asyncio.run(runner.run())
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        click.echo(f"run {result.run_id} finished: {result.convergence_reason}", err=True)


@click.command("run")
@click.argument("config", type=click.Path(path_type=Path))
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a config key (YAML-typed value); may repeat.",
)
@click.option("--seed", type=int, default=None, help="Override master_seed.")
@click.option(
    "--llm",
    "llm",
    default=None,
    metavar="TYPE[:MODEL]",
    help="Choose the proposer, e.g. local-search or openai:gpt-4.1.",
)
@db_option
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
    db: Path | None,
    as_json: bool,
    **flags: Any,
) -> None:
    """Run the experiment in CONFIG (offline on the embedded defaults)."""
    from cashloop.runner.experiment_runner import GenericExperimentRunner

    verbose = verbose_from_flags(flags)
    cfg = load_run_config(config, sets, seed, llm)
    if db is None and cfg.storage.type == "sqlite" and "path" not in cfg.storage.options:
        db = default_db()
    runner = GenericExperimentRunner(
        cfg, verbose, db_path=db, console_stream="stderr" if as_json else None
    )
    execute(runner, as_json)


@click.command("resume")
@click.argument("run_id")
@db_option
@verbose_options
@click.option("--json", "as_json", is_flag=True, help="Print the final result as JSON.")
def resume_cmd(run_id: str, db: Path | None, as_json: bool, **flags: Any) -> None:
    """Continue an interrupted or failed run from its last committed iteration."""
    from cashloop.cli.common import open_storage
    from cashloop.config import ExperimentConfig
    from cashloop.errors import UserError
    from cashloop.runner.experiment_runner import GenericExperimentRunner

    verbose = verbose_from_flags(flags)
    storage = open_storage(db)
    try:
        provider = storage.open_run(run_id)
        info = provider.get_experiment_info()
        events = list(provider.get_all_events())
    finally:
        storage.close()
    if info.get("status") == "completed":
        raise UserError(
            f"run {info['run_id']} is completed; nothing to resume "
            "(use 'cashloop replay' to view it)"
        )
    cfg = ExperimentConfig.from_dict(info["config"], source=f"stored config of {info['run_id']}")
    runner = GenericExperimentRunner(
        cfg,
        verbose,
        db_path=(db or default_db()),
        run_id=info["run_id"],
        resume_events=events,
        console_stream="stderr" if as_json else None,
    )
    execute(runner, as_json)
