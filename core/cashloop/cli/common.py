"""Options and helpers shared by commands: storage options, verbose flags, opening storage."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from cashloop.persistence.location import StorageLocation

__all__ = [
    "DEFAULT_DB",
    "chosen_location",
    "db_option",
    "default_db",
    "open_storage",
    "read_config_data",
    "read_location",
    "read_stored_run",
    "set_option",
    "storage_options",
    "stored_config",
    "stored_files_options",
    "verbose_from_flags",
    "verbose_options",
]

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = Path("results") / "cashloop.db"

VERBOSE_FLAGS = ("iterations", "policy", "bootstrap", "llm", "rejections", "debug")


def default_db() -> Path:
    """The SQLite file campaign commands read when no ``--db`` is given: the default storage
    location when it is a SQLite file, else ``$CASHLOOP_DB`` or ``results/cashloop.db``."""
    import os

    from cashloop.persistence.location import default_location

    location = default_location()
    path = location.options.get("path") if location.type == "sqlite" else None
    if path is not None:
        return location.base_dir / Path(str(path))
    return Path(os.environ.get("CASHLOOP_DB") or DEFAULT_DB)


def db_option(func: F) -> F:
    return click.option(
        "--db",
        "db",
        type=click.Path(path_type=Path),
        default=None,
        help="SQLite database file (shorthand for --storage sqlite:///PATH).",
    )(func)


def storage_options(*, config: bool = True) -> Callable[[F], F]:
    """``--storage URL``, ``--db PATH`` and (unless ``config=False``) ``--config FILE``, handed
    to the command as one ``location`` argument: the :class:`StorageLocation` chosen, or
    ``None`` when none was given (the default rule then applies)."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            url, db = kwargs.pop("storage_url", None), kwargs.pop("db", None)
            kwargs["location"] = chosen_location(url, db, kwargs.pop("storage_config", None))
            return func(*args, **kwargs)

        command: Any = wrapper
        if config:
            command = click.option(
                "--config",
                "storage_config",
                type=click.Path(path_type=Path),
                default=None,
                help="Use the storage section of this experiment config.",
            )(command)
        command = db_option(command)
        command = click.option(
            "--storage",
            "storage_url",
            default=None,
            metavar="URL",
            help="Where runs are stored: sqlite:///PATH, postgresql://USER@HOST/DB or "
            "TYPE:KEY=VALUE,... (default: $CASHLOOP_STORAGE, $CASHLOOP_DB, "
            "results/cashloop.db).",
        )(command)
        return command  # type: ignore[no-any-return]

    return decorate


def stored_files_options(func: F) -> F:
    """``--use-current-files`` and ``--use-stored-files`` (``resume``, ``rerun``)."""
    func = click.option(
        "--use-stored-files",
        is_flag=True,
        help="Read the copies of its files (its scenario) the run stored, whatever is on disk now.",
    )(func)
    return click.option(
        "--use-current-files",
        is_flag=True,
        help="Continue even if a file the run read (its scenario) changed since.",
    )(func)


def stored_config(
    info: Mapping[str, Any], *, use_current: bool, use_stored: bool, skip: str | None = None
) -> tuple[Any, Any]:
    """A stored run's config, checked against the files it read (``skip``: a component whose
    files are not read again), and the folder holding stored copies when ``use_stored`` (it must
    outlive the run)."""
    import tempfile

    from cashloop.config import ExperimentConfig
    from cashloop.runner.input_files import check_input_files, split_snapshot, with_stored_copies

    stored, files = split_snapshot(info["config"])
    if skip is not None:
        files = {key: entry for key, entry in files.items() if not key.startswith(skip)}
    if use_current and use_stored:
        raise click.UsageError("--use-current-files and --use-stored-files exclude each other")
    check_input_files(info["run_id"], files, use_current=use_current or use_stored)
    copies = tempfile.TemporaryDirectory(prefix="cashloop-stored-files-")
    if use_stored:
        stored = with_stored_copies(stored, files, Path(copies.name))
    cfg = ExperimentConfig.from_dict(stored, source=f"stored config of {info['run_id']}")
    return cfg, copies


def chosen_location(
    storage_url: str | None, db: Path | None, config: Path | None
) -> StorageLocation | None:
    """The location named by at most one of ``--storage``, ``--db`` and ``--config``."""
    from cashloop.persistence.location import StorageLocation, parse_storage_url

    given = [
        name for name, v in (("--storage", storage_url), ("--db", db), ("--config", config)) if v
    ]
    if len(given) > 1:
        raise click.UsageError(f"{' and '.join(given)} both choose the storage; give only one")
    if storage_url:
        return parse_storage_url(storage_url)
    if db is not None:
        return StorageLocation.sqlite(db, source="--db")
    if config is not None:
        return config_location(config)
    return None


def config_location(config: Path) -> StorageLocation:
    """The location in an experiment config's ``storage`` section (paths relative to it)."""
    from cashloop.config.yaml_io import read_yaml_mapping
    from cashloop.errors import UserError
    from cashloop.persistence.location import StorageLocation, default_location

    section = read_yaml_mapping(config, what="experiment config").get("storage")
    if section is None:
        return default_location()
    if not isinstance(section, Mapping) or not isinstance(section.get("type", "sqlite"), str):
        raise UserError(
            f"{config}: storage: expected a mapping such as {{type: sqlite, path: ...}}"
        )
    options = {str(k): v for k, v in section.items() if k != "type"}
    kind = str(section.get("type", "sqlite"))
    if kind == "sqlite" and "path" not in options:
        default = default_location()
        return _with_options(default, options) if default.type == "sqlite" else default
    return StorageLocation(
        type=kind,
        options=options,
        base_dir=config.resolve().parent,
        source=f"storage section of {config}",
    )


def _with_options(location: StorageLocation, extra: Mapping[str, Any]) -> StorageLocation:
    import attrs

    return attrs.evolve(location, options={**extra, **location.options})


def read_location(location: StorageLocation | None) -> StorageLocation:
    """The location a command reading stored runs uses: the one chosen, else the default."""
    from cashloop.persistence.location import default_location

    return location if location is not None else default_location()


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


def open_storage(location: StorageLocation | None) -> Any:
    """The storage backend holding stored runs (commands that read them)."""
    from cashloop.host import PluginHost
    from cashloop.runner.components import open_location

    where = read_location(location)
    if where.type == "sqlite":
        path = Path(str(where.options.get("path", DEFAULT_DB))).resolve()
        if not path.exists():
            from cashloop.errors import UserError

            raise UserError(
                f"no database at {path}; run an experiment first or choose the storage with "
                "--storage URL or --db PATH"
            )
    return open_location(PluginHost.load(), where)


def set_option(func: F) -> F:
    return click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a config key (YAML-typed value); may repeat.",
    )(func)


def read_stored_run(
    location: StorageLocation | None, run_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A stored run's info (with its config snapshot) and its committed events."""
    storage = open_storage(location)
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
