"""A plugin with a misspelled hook name: ``register_evaluater`` (for ``register_evaluators``)."""

from __future__ import annotations

from cashloop.plugin import EvaluatorSpec, hookimpl


@hookimpl
def register_evaluater() -> list[EvaluatorSpec]:
    return []
