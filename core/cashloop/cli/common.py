"""Options and helpers shared by commands: --db, verbose flags, opening storage."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = [
    "DEFAULT_DB",
    "db_option",
    "open_storage",
    "read_config_data",
    "read_stored_run",
    "set_option",
    "verbose_from_flags",
    "verbose_options",
]

F = TypeVar("F", bound=Callable[..., Any])

DB_ENV = "CASHLOOP_DB"
DEFAULT_DB = Path("results") / "cashloop.db"

VERBOSE_FLAGS = ("iterations", "policy", "bootstrap", "llm", "rejections", "debug")


def default_db() -> Path:
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def db_option(func: F) -> F:
    return click.option(
        "--db",
        "db",
        type=click.Path(path_type=Path),
        default=None,
        help=f"SQLite database (default: ${DB_ENV} or {DEFAULT_DB}).",
    )(func)


def verbose_options(func: F) -> F:
    for flag in reversed(VERBOSE_FLAGS):
        func = click.option(
            f"--verbose-{flag}",
            f"verbose_{flag}",
            is_flag=True,
            default=False,
            help=f"Show {flag} details.",
        )(func)
    return click.option(
        "-v", "--verbose", is_flag=True, default=False, help="Show everything except debug details."
    )(func)


def verbose_from_flags(kwargs: dict[str, Any]) -> Any:
    """A VerboseConfig from the -v/--verbose-* flags, or None when none was given."""
    from cashloop.runner.verbose import VerboseConfig

    flags = {f: bool(kwargs.pop(f"verbose_{f}", False)) for f in VERBOSE_FLAGS}
    verbose = bool(kwargs.pop("verbose", False))
    if not verbose and not any(flags.values()):
        return None
    return VerboseConfig.from_flags(verbose, **{k: v for k, v in flags.items() if v})


def open_storage(db: Path | None, storage_type: str = "sqlite") -> Any:
    """The storage backend for a database path (commands that read stored runs)."""
    from cashloop.host import PluginHost

    path = (db or default_db()).resolve()
    if not path.exists():
        from cashloop.errors import UserError

        raise UserError(f"no database at {path}; run an experiment first or pass --db PATH")
    host = PluginHost.load()
    return host.registry.create("storage", storage_type, {"path": str(path)}, "--db", Path.cwd())


def set_option(func: F) -> F:
    return click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a config key (YAML-typed value); may repeat.",
    )(func)


def read_stored_run(db: Path | None, run_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A stored run's info (with its config snapshot) and its committed events."""
    storage = open_storage(db)
    try:
        provider = storage.open_run(run_id)
        return provider.get_experiment_info(), list(provider.get_all_events())
    finally:
        storage.close()


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


def read_config_data(
    config: Path, sets: Sequence[str], *, seed: int | None = None, llm: str | None = None
) -> dict[str, Any]:
    """The config file's mapping with ``--llm``, ``--seed`` and ``--set`` applied, in that order."""
    from cashloop.config.overrides import apply_overrides, parse_set_options
    from cashloop.config.yaml_io import read_yaml_mapping

    data = read_yaml_mapping(config, what="experiment config")
    if llm:
        data = _with_llm(data, llm)
    overrides = parse_set_options(sets)
    if seed is not None:
        overrides["master_seed"] = seed
    return apply_overrides(data, overrides, source=str(config)) if overrides else data
