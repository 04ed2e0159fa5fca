"""Renderers of ``llm_call`` and ``policy_rejected``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.panel import Panel
from rich.text import Text

from cashloop.runner.display.printout import Printer
from cashloop.runner.display.values import as_sequence, format_count
from cashloop.runner.verbose import VerboseConfig

__all__ = ["render_llm_call", "render_policy_rejected"]

_TEXT_FIELDS = (
    ("System prompt", "system_prompt"),
    ("User prompt", "user_prompt"),
    ("Raw response", "raw_response"),
)


def _agent(event: Mapping[str, Any]) -> str:
    agent = event.get("agent_id")
    return "?" if agent is None else str(agent)


def render_llm_call(event: Mapping[str, Any], console: Printer, verbose: VerboseConfig) -> None:
    """One line per call (model, tokens, error); with ``debug`` the latency and full texts."""
    if not verbose.llm:
        return
    line = Text.assemble(
        ("LLM ", "bold cyan"),
        f"{_agent(event)} attempt {event.get('attempt', '?')}: {event.get('model') or '?'}, ",
        f"{format_count(event.get('prompt_tokens'))} prompt + ",
        f"{format_count(event.get('completion_tokens'))} completion tokens",
    )
    error = event.get("error")
    if error:
        line.append(f" - error: {error}", style="red")
    console.print(line)
    if not verbose.debug:
        return
    latency = event.get("latency_seconds")
    if isinstance(latency, int | float) and not isinstance(latency, bool):
        console.print(Text(f"  latency {latency:.2f} s", style="dim"))
    for title, key in _TEXT_FIELDS:
        text = event.get(key)
        if text:
            console.print(Panel(Text(str(text)), title=title, title_align="left"))


def render_policy_rejected(
    event: Mapping[str, Any], console: Printer, verbose: VerboseConfig
) -> None:
    """A proposal that never became a candidate: one line, with ``rejections`` the errors."""
    if not (verbose.rejections or verbose.iterations):
        return
    attempts = event.get("attempts")
    after = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
    line = Text.assemble(("REJECTED ", "bold red"), f"proposal for {_agent(event)}{after}")
    if not verbose.rejections:
        console.print(line)
        return
    line.append(f" ({event.get('rejection_reason', 'unknown')})")
    console.print(line)
    for error in as_sequence(event.get("validation_errors")):
        console.print(Text(f"  - {error}", style="red"))
