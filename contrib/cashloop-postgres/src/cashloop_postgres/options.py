"""Options of the ``postgres`` backend (``storage: {type: postgres, url: ...}``)."""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs

__all__ = ["PostgresOptions"]


@attrs.frozen(kw_only=True)
class PostgresOptions:
    """``url``: ``postgresql://USER@HOST:PORT/DBNAME`` (libpq's URI form; its query string may
    add libpq parameters such as ``sslmode``). The password is never part of it: it comes from
    the variable ``password_env`` names, else libpq's own ``PGPASSWORD`` or ``~/.pgpass``, so it
    is never stored with a run's config."""

    url: str
    password_env: str | None = None

    def problems(self) -> list[str]:
        """Every invalid option as ``name: message`` (empty when valid)."""
        parts = urlsplit(self.url)
        if parts.scheme not in ("postgresql", "postgres"):
            return [f"url: {self.url!r} is not a postgresql://USER@HOST/DBNAME URL"]
        if parts.password:
            return [
                "url: holds a password; remove it and put the password in an environment "
                "variable named by password_env (or PGPASSWORD, or ~/.pgpass)"
            ]
        return []
