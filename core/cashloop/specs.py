"""Registration spec objects returned by the ``register_*`` hooks (DESIGN §2.1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

__all__ = [
    "ComponentSpec",
    "EvaluatorSpec",
    "ExecutorSpec",
    "LLMClientSpec",
    "OutputHandlerSpec",
    "StorageBackendSpec",
    "ValidatorSpec",
]


def _check_name(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value or not value.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"component name must be non-empty letters, digits, '-' or '_': {value!r}")


@attrs.frozen(kw_only=True)
class ComponentSpec:
    """A named component factory.

    ``factory`` is called with one argument: an instance of ``options`` (an attrs class) when it
    is given, otherwise a ``dict`` of the component's remaining config keys.
    """

    name: str = attrs.field(validator=_check_name)
    factory: Callable[[Any], Any]
    options: type | None = None
    description: str = ""

    #: Human name of the component kind, used in messages ("output handler").
    kind = "component"


@attrs.frozen(kw_only=True)
class EvaluatorSpec(ComponentSpec):
    kind = "evaluator"


@attrs.frozen(kw_only=True)
class LLMClientSpec(ComponentSpec):
    kind = "LLM client"


@attrs.frozen(kw_only=True)
class ValidatorSpec(ComponentSpec):
    kind = "validator"


@attrs.frozen(kw_only=True)
class OutputHandlerSpec(ComponentSpec):
    kind = "output handler"


@attrs.frozen(kw_only=True)
class StorageBackendSpec(ComponentSpec):
    kind = "storage backend"


@attrs.frozen(kw_only=True)
class ExecutorSpec(ComponentSpec):
    kind = "executor"
