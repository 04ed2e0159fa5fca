"""Where runs are stored: storage URLs and the one default-location rule.

A location is a storage backend type and its options. It is written as

* ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (SQLAlchemy's convention);
* ``postgresql://user@host:port/dbname`` (also ``postgres://``): the ``postgres`` backend with
  that ``url`` option; any other ``SCHEME://...`` names the backend ``SCHEME`` with a ``url``;
* ``TYPE:key=value,key=value`` (or plain ``TYPE``) for any installed backend, each value read as
  a YAML scalar (``durability=full``, ``root=results/runs``).

The default, for the CLI and the Python API alike: ``$CASHLOOP_STORAGE`` (a URL as above), else
``$CASHLOOP_DB`` (a SQLite file), else the SQLite file ``results/cashloop.db`` in the current
folder. A config's own ``storage:`` section, when it names a location, wins over the default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from cashloop.errors import UserError

__all__ = [
    "DB_ENV",
    "DEFAULT_SQLITE_PATH",
    "STORAGE_ENV",
    "StorageLocation",
    "default_location",
    "parse_storage_url",
]

STORAGE_ENV: Final = "CASHLOOP_STORAGE"
DB_ENV: Final = "CASHLOOP_DB"
DEFAULT_SQLITE_PATH: Final = Path("results") / "cashloop.db"

#: URL schemes whose backend type has another name
_SCHEME_TYPES: Final = {"postgresql": "postgres", "postgres": "postgres"}


@attrs.frozen(kw_only=True)
class StorageLocation:
    """A storage backend ``type`` with its ``options``; relative paths in them are resolved
    against ``base_dir`` (a config file's folder, or the current folder)."""

    type: str
    options: Mapping[str, Any] = attrs.field(factory=dict)
    base_dir: Path = attrs.field(factory=Path.cwd)
    source: str = "default"

    @classmethod
    def sqlite(cls, path: Path | str, *, source: str = "default") -> StorageLocation:
        resolved = Path(path).expanduser().resolve()
        return cls(type="sqlite", options={"path": str(resolved)}, source=source)

    def describe(self) -> str:
        """The location in words, secrets left out (what ``run`` prints)."""
        if "path" in self.options:
            return f"{self.type} {self.options['path']}"
        if "url" in self.options:
            return f"{self.type} {_without_password(str(self.options['url']))}"
        shown = ", ".join(f"{k}={v}" for k, v in sorted(self.options.items()))
        return f"{self.type} ({shown})" if shown else self.type


def parse_storage_url(text: str, *, source: str = "--storage") -> StorageLocation:
    """The location a storage URL names; a malformed one is a usage error naming ``source``."""
    text = text.strip()
    if not text:
        raise UserError(f"{source}: empty storage URL; {_FORMS}")
    scheme, sep, rest = text.partition("://")
    if sep:
        if not scheme:
            raise UserError(f"{source}: {text!r} has no scheme; {_FORMS}")
        if scheme == "sqlite":
            path = rest[1:] if rest.startswith("/") else rest
            if not path:
                raise UserError(f"{source}: {text!r} names no database file; {_FORMS}")
            return StorageLocation.sqlite(path, source=source)
        return StorageLocation(
            type=_SCHEME_TYPES.get(scheme, scheme), options={"url": text}, source=source
        )
    kind, _, assignments = text.partition(":")
    options: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in assignments.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UserError(f"{source}: {item!r} in {text!r} is not KEY=VALUE; {_FORMS}")
        options[key.strip()] = _scalar(value.strip())
    return StorageLocation(type=kind.strip(), options=options, source=source)


def default_location() -> StorageLocation:
    """``$CASHLOOP_STORAGE``, else ``$CASHLOOP_DB``, else ``results/cashloop.db`` here."""
    url = os.environ.get(STORAGE_ENV, "").strip()
    if url:
        return parse_storage_url(url, source=f"${STORAGE_ENV}")
    db = os.environ.get(DB_ENV, "").strip()
    if db:
        return StorageLocation.sqlite(db, source=f"${DB_ENV}")
    return StorageLocation.sqlite(DEFAULT_SQLITE_PATH)


_FORMS = (
    "expected sqlite:///PATH, postgresql://USER@HOST/DB or TYPE:KEY=VALUE,... "
    "(e.g. example-jsondir:root=results/runs)"
)


def _scalar(value: str) -> Any:
    """``value`` read as a YAML scalar (``true``, ``5``, ``full``); anything else stays text."""
    import yaml

    try:
        parsed = yaml.safe_load(value) if value else ""
    except yaml.YAMLError:
        return value
    return parsed if isinstance(parsed, str | int | float | bool) else value


def _without_password(url: str) -> str:
    """``postgresql://user:secret@host/db`` as ``postgresql://user:***@host/db``."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
