"""One dispatch from event to renderer: live output and replay output share it, so they match."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from rich.console import Console
from rich.text import Text

from cashloop.events import (
    BOOTSTRAP_EVALUATION,
    CONVERGENCE,
    EQUILIBRIUM,
    EXPERIMENT_END,
    EXPERIMENT_START,
    ITERATION_COMPLETE,
    ITERATION_START,
    LLM_CALL,
    POLICY_CHANGE,
    POLICY_REJECTED,
)
from cashloop.printable import printable_data
from cashloop.runner.display.equilibrium_events import render_equilibrium
from cashloop.runner.display.evaluation_events import (
    render_bootstrap_evaluation,
    render_policy_change,
)
from cashloop.runner.display.iteration_events import (
    render_iteration_complete,
    render_iteration_start,
)
from cashloop.runner.display.llm_events import render_llm_call, render_policy_rejected
from cashloop.runner.display.printout import Printer, Printout
from cashloop.runner.display.run_events import (
    render_convergence,
    render_experiment_end,
    render_experiment_start,
)
from cashloop.runner.event_json import event_to_json
from cashloop.runner.state_provider import ExperimentStateProviderProtocol
from cashloop.runner.verbose import VerboseConfig

__all__ = ["RENDERERS", "Renderer", "display_experiment_output", "render_event"]

Renderer = Callable[[Mapping[str, Any], Printer, VerboseConfig], None]

#: The renderer of each event type.
RENDERERS: Mapping[str, Renderer] = MappingProxyType(
    {
        EXPERIMENT_START: render_experiment_start,
        ITERATION_START: render_iteration_start,
        BOOTSTRAP_EVALUATION: render_bootstrap_evaluation,
        LLM_CALL: render_llm_call,
        POLICY_REJECTED: render_policy_rejected,
        POLICY_CHANGE: render_policy_change,
        ITERATION_COMPLETE: render_iteration_complete,
        EQUILIBRIUM: render_equilibrium,
        CONVERGENCE: render_convergence,
        EXPERIMENT_END: render_experiment_end,
    }
)


def render_event(event: Mapping[str, Any], console: Console, verbose: VerboseConfig) -> None:
    """Print one event; what it prints depends only on the event and ``verbose``.

    Unknown event types (from a newer version or a plugin) are shown raw with ``debug`` only.
    """
    renderer = RENDERERS.get(str(event.get("event_type")))
    if renderer is not None:
        printout = Printout()
        renderer(printable_data(event), printout, verbose)  # no escape codes from answers
        printout.write_to(console)
    elif verbose.debug:
        console.print(Text(f"event {event_to_json(event)}", style="dim"))


def display_experiment_output(
    provider: ExperimentStateProviderProtocol,
    console: Console,
    verbose_config: VerboseConfig | None = None,
) -> None:
    """Render a whole run, live or stored, from its event log."""
    verbose = VerboseConfig() if verbose_config is None else verbose_config
    for event in provider.get_all_events():
        render_event(event, console, verbose)
