"""Scenarios shipped with the rtgs plugin, chosen by name (``scenario: castro_exp2``): copies of
the three Castro et al. scenarios in ``examples/scenarios``."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_names", "bundled_scenario"]

_HERE = Path(__file__).resolve().parent


def bundled_names() -> list[str]:
    """Names of the bundled scenarios."""
    return sorted(p.stem for p in _HERE.glob("*.yaml"))


def bundled_scenario(name: str) -> Path | None:
    """The file of the bundled scenario ``name``, or None."""
    path = _HERE / f"{name}.yaml"
    return path if name in bundled_names() and path.is_file() else None
