"""The files a run reads (a scenario), stored with its config so it can be reproduced.

A run stores, under the config snapshot's ``input_files`` key, each file named by a ``Path``
option of its components: its path, SHA-256 and text. ``resume`` and ``rerun`` compare them with
the files on disk and refuse, naming the file, when one changed (unless told to use the
current files), so editing a scenario between a crash and a resume never mixes two scenarios.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from cashloop.errors import UserError

if TYPE_CHECKING:
    from cashloop.config import ExperimentConfig
    from cashloop.host import PluginHost

__all__ = [
    "INPUT_FILES_KEY",
    "check_input_files",
    "read_input_files",
    "split_snapshot",
    "with_stored_copies",
]

INPUT_FILES_KEY: Final = "input_files"
#: files larger than this are stored by path and hash only (a recorded answers file, say)
MAX_STORED_BYTES: Final = 1_000_000


def _components(config: ExperimentConfig) -> Iterator[tuple[str, str, Any]]:
    yield "evaluator", "evaluator", config.evaluator
    yield "llm", "llm", config.llm
    yield "executor", "executor", config.executor
    for i, item in enumerate(config.validators):
        yield f"validators[{i}]", "validator", item


def read_input_files(config: ExperimentConfig, host: PluginHost) -> dict[str, dict[str, str]]:
    """``{"evaluator.scenario": {"path", "sha256", "content"}}`` for every existing text file a
    component's ``Path`` option names (resolved against the config's folder)."""
    found: dict[str, dict[str, str]] = {}
    for where, kind, item in _components(config):
        spec = host.registry.spec(kind, item.type, where)
        if spec.options is None or not attrs.has(spec.options):
            continue
        for field in attrs.fields(spec.options):
            value = item.options.get(field.name)
            if not isinstance(value, str | Path) or "Path" not in str(field.type):
                continue
            path = (config.config_dir / Path(value).expanduser()).resolve()
            if not path.is_file():
                continue
            data = path.read_bytes()
            try:
                content = data.decode("utf-8")
            except UnicodeDecodeError:
                continue  # a binary file is hashed by nobody here; its option still is stored
            entry = {"path": str(path), "sha256": hashlib.sha256(data).hexdigest()}
            if len(data) <= MAX_STORED_BYTES:
                entry["content"] = content  # larger files are checked by hash, not copied
            found[f"{where}.{field.name}"] = entry
    return found


def split_snapshot(
    snapshot: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """A stored config snapshot as (the config mapping, its input files)."""
    config = dict(snapshot)
    files = config.pop(INPUT_FILES_KEY, None) or {}
    return config, dict(files)


def check_input_files(
    run_id: str, stored: Mapping[str, Mapping[str, str]], *, use_current: bool
) -> None:
    """Refuse, naming the file, when a file the run read differs from its stored copy now."""
    if use_current:
        return
    for key, entry in sorted(stored.items()):
        path = Path(entry["path"])
        now = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        if now != entry["sha256"]:
            what = "is missing" if now is None else "changed"
            raise UserError(
                f"{path} ({key}) {what} since run {run_id} read it (stored SHA-256 "
                f"{entry['sha256'][:12]}..., now {'none' if now is None else now[:12] + '...'}); "
                "continuing would mix two inputs. Pass --use-stored-files to continue with the "
                "copy the run stored, or --use-current-files to continue with the file as it "
                "is now"
            )


def with_stored_copies(
    config: Mapping[str, Any], stored: Mapping[str, Mapping[str, str]], folder: Path
) -> dict[str, Any]:
    """``config`` whose file options name copies of the stored files, written into ``folder``
    (which must outlive the run), so a resumed or re-run run reads what the original read."""
    result = {key: value for key, value in config.items()}
    for number, (key, entry) in enumerate(sorted(stored.items())):
        component, _, option = key.rpartition(".")
        if "content" not in entry:
            raise UserError(
                f"{entry['path']} ({key}) was too large to be stored with the run; use "
                "--use-current-files if it is unchanged"
            )
        copy = folder / f"{number}-{Path(entry['path']).name}"
        copy.write_text(entry["content"], encoding="utf-8")
        if hashlib.sha256(copy.read_bytes()).hexdigest() != entry["sha256"]:
            raise UserError(f"the stored copy of {entry['path']} ({key}) does not match its hash")
        name, _, index = component.partition("[")
        section = result.get(name)
        if index:
            items = list(section or [])
            position = int(index.rstrip("]"))
            item = items[position]
            items[position] = {**item, option: str(copy)} if isinstance(item, Mapping) else item
            result[name] = items
        elif isinstance(section, Mapping):
            result[name] = {**section, option: str(copy)}
    return result
