"""Options of the ``local-search`` proposer."""

from __future__ import annotations

import attrs

__all__ = ["DIRECTIONS", "LocalSearchOptions"]

DIRECTIONS = ("down", "up")


@attrs.frozen(kw_only=True)
class LocalSearchOptions:
    """Tuning of the coordinate pattern search.

    Steps are fractions of each parameter's range (``max_value - min_value``; 1.0 when a bound is
    missing), so one set of options fits parameters of any scale. Integer parameters step by
    whole numbers (at least 1); boolean parameters are toggled.
    """

    #: First step of every parameter, as a fraction of its range.
    initial_step_fraction: float = 0.1
    #: Smallest step, as a fraction of the range: 0.0025 lands within 0.01 of a kink on [0, 1].
    min_step_fraction: float = 0.0025
    #: Step multiplier after an accepted move (the move's direction is kept).
    grow: float = 2.0
    #: Step multiplier once both directions were rejected at the current step.
    shrink: float = 0.5
    #: Decimals float proposals are rounded to, so proposals and events are stable.
    precision: int = 4
    #: Direction of the first move of every parameter: "down" or "up".
    initial_direction: str = "down"

    def problems(self) -> list[str]:
        """Every invalid option as ``name: message`` (empty when valid)."""
        found = []
        if not 0 < self.initial_step_fraction <= 1:
            found.append("initial_step_fraction: must be > 0 and <= 1")
        if not 0 < self.min_step_fraction <= self.initial_step_fraction:
            found.append("min_step_fraction: must be > 0 and <= initial_step_fraction")
        if not self.grow >= 1:
            found.append("grow: must be >= 1")
        if not 0 < self.shrink < 1:
            found.append("shrink: must be > 0 and < 1")
        if not 0 <= self.precision <= 12:
            found.append("precision: must be between 0 and 12")
        if self.initial_direction not in DIRECTIONS:
            found.append(f"initial_direction: must be one of {', '.join(DIRECTIONS)}")
        return found
