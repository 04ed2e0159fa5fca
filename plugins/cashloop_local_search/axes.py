"""The search axes: the tunable parameters of a policy with their bounds and step sizes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from cashloop.plugin import PolicyConstraints
from cashloop_local_search.options import LocalSearchOptions

__all__ = ["Axis", "build_axes", "read_values"]

NUMERIC_TYPES = ("float", "int", "bool")


@attrs.frozen(kw_only=True)
class Axis:
    """One parameter the search may move: its bounds, rounding and step range."""

    name: str
    param_type: str
    lower: float | None
    upper: float | None
    initial_step: float
    min_step: float
    max_step: float
    precision: int

    @property
    def is_integral(self) -> bool:
        return self.param_type in ("int", "bool")

    def clamp(self, value: float) -> float:
        if self.lower is not None:
            value = max(self.lower, value)
        if self.upper is not None:
            value = min(self.upper, value)
        return value

    def moved(self, value: float, direction: int, step: float) -> float:
        """``value`` moved by ``direction * step``, rounded, then clamped to the bounds."""
        if self.is_integral:
            return self.clamp(float(round(value) + direction * round(step)))
        return self.clamp(round(value + direction * step, self.precision))

    def grown(self, step: float, factor: float) -> float:
        bigger = step * factor
        if self.is_integral:
            bigger = float(max(round(bigger), step + 1 if factor > 1 else step))
        return min(bigger, self.max_step)

    def shrunk(self, step: float, factor: float) -> float:
        smaller = float(math.floor(step * factor)) if self.is_integral else step * factor
        if smaller >= step:
            smaller = self.min_step
        return max(smaller, self.min_step)

    def as_json(self, value: float, like: Any) -> float | int | bool:
        """``value`` in the JSON type of the parameter (a bool stays a bool)."""
        if self.param_type == "bool" and isinstance(like, bool):
            return value >= 0.5
        if self.is_integral:
            return round(value)
        return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def read_values(policy: Mapping[str, Any], axes: tuple[Axis, ...]) -> tuple[float | None, ...]:
    """The axes' current values in ``policy`` (``None`` where missing or not a number)."""
    params = policy.get("parameters")
    if not isinstance(params, Mapping):
        return tuple(None for _ in axes)
    return tuple(_number(params.get(axis.name)) for axis in axes)


def build_axes(
    current_policy: Mapping[str, Any], constraints: PolicyConstraints, options: LocalSearchOptions
) -> tuple[Axis, ...]:
    """Declared numeric parameters the policy already sets, in declaration order.

    A parameter the policy does not set is left alone (its default is the evaluator's business);
    one whose bounds coincide cannot move and is skipped.
    """
    params = current_policy.get("parameters")
    if not isinstance(params, Mapping):
        return ()
    axes = []
    for spec in constraints.allowed_parameters:
        if spec.param_type not in NUMERIC_TYPES or _number(params.get(spec.name)) is None:
            continue
        lower, upper = spec.min_value, spec.max_value
        if spec.param_type == "bool":
            lower, upper = 0.0, 1.0
        if lower is not None and upper is not None and upper <= lower:
            continue
        span = (upper - lower) if lower is not None and upper is not None else 1.0
        initial = span * options.initial_step_fraction
        smallest = span * options.min_step_fraction
        largest = span if lower is not None and upper is not None else initial * 1024
        if spec.param_type in ("int", "bool"):
            initial, smallest = float(max(1, round(initial))), float(max(1, round(smallest)))
            largest = float(max(1, math.floor(largest)))
        initial = min(initial, largest)
        axes.append(
            Axis(
                name=spec.name,
                param_type=spec.param_type,
                lower=lower,
                upper=upper,
                initial_step=initial,
                min_step=min(smallest, initial),
                max_step=largest,
                precision=options.precision,
            )
        )
    return tuple(axes)
