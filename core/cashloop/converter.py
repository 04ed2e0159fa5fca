"""The one cattrs converter: extra keys forbidden, errors reported with their config paths."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.v import format_exception

from cashloop.errors import ConfigError

__all__ = ["ValueProblem", "converter", "resolve_paths", "structure", "unstructure"]


class ValueProblem(ValueError):
    """Raised by structure hooks; its message is shown as it is, after the value's path."""


T = TypeVar("T")


@functools.cache
def converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(Path, lambda v, _: Path(_as_str(v)))
    conv.register_unstructure_hook(Path, str)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(str, _strict_str)
    # cattrs would take a lone string for a list of its characters ("validators: bounds")
    conv.register_structure_hook_factory(_is_list_type, lambda t: _list_hook(conv, t))
    conv.register_structure_hook_func(_is_literal, _one_of)
    return conv


def _is_literal(type_: Any) -> bool:
    origin: Any = get_origin(type_)
    return origin is Literal


def _one_of(value: Any, type_: Any) -> Any:
    """A value of a ``Literal``: one of its allowed values, named in the error otherwise."""
    allowed = get_args(type_)
    for candidate in allowed:
        if value == candidate and type(value) is type(candidate):
            return candidate
    raise ValueProblem(f"{value!r} is not one of {', '.join(str(a) for a in allowed)}")


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueProblem(f"must be a whole number, got {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise TypeError(f"got {value!r}")
    return int(value)


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueProblem("is too large to be a number") from None
    if not math.isfinite(number):
        raise ValueProblem(f"must be a finite number, got {value!r}")
    return number


def _strict_str(value: Any, _: type) -> str:
    """Text; a plain number becomes its text (``--set name=2024``); anything else is an error."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    raise TypeError(f"got {value!r}; quote it to make it text")


def _is_list_type(type_: Any) -> bool:
    """``tuple[X, ...]``: how config classes spell a list of X."""
    args = get_args(type_)
    return get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _list_hook(conv: cattrs.Converter, type_: Any) -> Any:
    """Structure a list into ``tuple[X, ...]``, each item's error under its index; a single
    text or mapping is an error naming the fix, not a list of its characters or keys."""
    item_type = get_args(type_)[0]

    def hook(value: Any, _: Any) -> tuple[Any, ...]:
        if isinstance(value, str):
            raise ValueProblem(f"expected a list, got the text {value!r}; write [{value}]")
        if not isinstance(value, list | tuple):
            raise ValueProblem(f"expected a list, got {value!r}")
        items, errors = [], []
        for i, item in enumerate(value):
            try:
                items.append(conv.structure(item, item_type))
            except Exception as exc:
                exc.__notes__ = [
                    *getattr(exc, "__notes__", []),
                    IterableValidationNote(f"Structuring {type_} @ index {i}", i, item_type),
                ]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {type_}", errors, type_)
        return tuple(items)

    return hook


def _strict_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"got {value!r}")
    return value


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a path string, got {type(value).__name__}")
    return value


def _message(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, ValueProblem):
        return str(exc)
    if isinstance(exc, ForbiddenExtraKeysError):
        keys = ", ".join(sorted(exc.extra_fields))
        allowed = ", ".join(a.name for a in attrs.fields(exc.cl)) if attrs.has(exc.cl) else ""
        hint = f"; allowed: {allowed}" if allowed else ""
        return f"unknown key(s) {keys}{hint}"
    if isinstance(exc, KeyError):
        return "required key is missing"
    if isinstance(exc, AttributeError | TypeError) and attrs.has(type_):
        # a list, text or number given where a section of keys belongs
        return "expected a mapping of keys (name: value), one per line or in {...}"
    if isinstance(exc, ValueError | TypeError) and type_ is None:
        return str(exc) or "invalid value"
    if isinstance(exc, ValueError | TypeError) and type_ is not None:
        name = getattr(type_, "__name__", None) or str(type_).replace("typing.", "")
        detail = str(exc)
        if "invalid literal" in detail or "could not convert" in detail or not detail:
            return f"expected {name}"
        return f"expected {name}, {detail}"
    text = format_exception(exc, type_)
    if text.startswith("unknown error") and str(exc):
        return str(exc)
    return text


def _format(line: str, prefix: str) -> str:
    message, _, path = line.rpartition(" @ ")
    path = path.removeprefix("$").lstrip(".")
    if prefix:
        path = f"{prefix}.{path}" if path and not path.startswith("[") else f"{prefix}{path}"
    return f"{path}: {message}" if path else message


def structure(data: Any, cls: type[T], *, prefix: str = "", source: str | None = None) -> T:
    """Structure ``data`` into ``cls``; on failure raise ConfigError listing every path."""
    try:
        return converter().structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            lines = cattrs.transform_error(exc, path="$", format_exception=_message)
        else:
            lines = [f"{_message(exc, cls)} @ $"]
        raise ConfigError([_format(line, prefix) for line in lines], source=source) from None


def unstructure(value: Any) -> Any:
    return converter().unstructure(value)


def resolve_paths(value: T, base_dir: Path) -> T:
    """``value`` with every relative ``Path`` field (recursively) anchored at ``base_dir``."""
    return _resolve(value, base_dir)  # type: ignore[no-any-return]


def _resolve(value: Any, base_dir: Path) -> Any:
    if not attrs.has(type(value)):
        return value
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(value)):
        current = getattr(value, field.name)
        if isinstance(current, Path) and not current.is_absolute():
            changes[field.name.lstrip("_")] = base_dir / current
        elif attrs.has(type(current)):
            resolved = _resolve(current, base_dir)
            if resolved is not current:
                changes[field.name.lstrip("_")] = resolved
    return attrs.evolve(value, **changes) if changes else value
