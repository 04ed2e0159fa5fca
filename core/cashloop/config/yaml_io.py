"""Read YAML files into mappings with errors that name the file, line and fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cashloop.errors import ConfigError, UserError
from cashloop.yaml_text import safe_load_text

__all__ = ["read_yaml_mapping"]


def read_yaml_mapping(path: Path, *, what: str) -> dict[str, Any]:
    import yaml

    if not path.exists():
        raise UserError(f"{what} not found: {path} (check the path)")
    if path.is_dir():
        raise UserError(f"{what} {path} is a directory; give the YAML file inside it")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {what} {path}: {exc}") from None
    try:
        data = safe_load_text(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"YAML syntax error{where}: {problem}"], source=str(path)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(["(top level): expected a mapping of keys"], source=str(path))
    return data
