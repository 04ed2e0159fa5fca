"""Options and helpers shared by commands: --db, verbose flags, opening storage."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["DEFAULT_DB", "db_option", "open_storage", "verbose_from_flags", "verbose_options"]

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
