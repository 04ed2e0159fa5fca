"""Rendering of the event log with rich; imported only by code that renders.

``render_event`` is the one entry point per event; ``display_experiment_output`` renders a whole
run from any state provider (live or stored).
"""

from __future__ import annotations

from cashloop.runner.display.money import format_cents, format_money
from cashloop.runner.display.render import (
    RENDERERS,
    Renderer,
    display_experiment_output,
    render_event,
)

__all__ = [
    "RENDERERS",
    "Renderer",
    "display_experiment_output",
    "format_cents",
    "format_money",
    "render_event",
]
