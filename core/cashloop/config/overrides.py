"""``--set a.b=c`` overrides with YAML-typed values."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from cashloop.errors import ConfigError, UserError

__all__ = ["apply_overrides", "parse_set_options"]


def parse_set_options(items: Iterable[str]) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` strings; values are read as YAML (``3`` is an int, ``[a, b]`` a list)."""
    import yaml

    parsed: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set {item!r}: expected KEY=VALUE, e.g. --set llm.temperature=0.2")
        try:
            parsed[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            parsed[key.strip()] = raw
    return parsed


def apply_overrides(
    data: Mapping[str, Any], overrides: Mapping[str, Any], source: str | None = None
) -> dict[str, Any]:
    """Return a copy of ``data`` with each dotted key set; list items by index (``outputs.0``)."""
    result = copy.deepcopy(dict(data))
    errors: list[str] = []
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = result
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    errors.append(f"{dotted}: '{part}' is not an index of the list at this path")
                    break
                if last:
                    node[int(part)] = value
                else:
                    if isinstance(node[int(part)], str):
                        node[int(part)] = {"type": node[int(part)]}
                    node = node[int(part)]
                continue
            if not isinstance(node, dict):
                errors.append(f"{dotted}: cannot set a key inside a {type(node).__name__}")
                break
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if isinstance(child, str) and parts[0] in _COMPONENT_KEYS:
                    child = {"type": child}
                elif child is None:
                    # a defaulted component section keeps its default type (storage: sqlite)
                    child = dict(_default_component(part)) if i == 0 else {}
                node[part] = child
                node = child
    if errors:
        raise ConfigError(errors, source=f"--set ({source})" if source else "--set")
    return result


_COMPONENT_KEYS = ("evaluator", "llm", "storage", "executor")


def _default_component(section: str) -> dict[str, Any]:
    """``{"type": ...}`` of a component section left to its default, else ``{}``."""
    if section not in _COMPONENT_KEYS:
        return {}
    import attrs

    from cashloop.config.experiment import ExperimentConfig

    field = getattr(attrs.fields(ExperimentConfig), section)
    default = field.default
    kind = getattr(default, "type", None)
    return {"type": kind} if isinstance(kind, str) else {}
