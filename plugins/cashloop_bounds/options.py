"""Options of the ``bounds`` validator."""

from __future__ import annotations

import attrs

from cashloop.plugin import PolicyConstraints

__all__ = ["BoundsOptions"]


@attrs.frozen(kw_only=True)
class BoundsOptions:
    """``constraints`` defaults to the experiment's ``policy_constraints`` (filled in by the core)
    unless the config item sets its own, e.g. ``{type: bounds, constraints: {...}}``."""

    constraints: PolicyConstraints = attrs.field(factory=PolicyConstraints)
