"""Extract a JSON policy object from an LLM answer (fenced block or bare text)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cashloop.types import PolicyProposal

__all__ = ["PolicyParseError", "parse_policy_json"]

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.DOTALL)


class PolicyParseError(ValueError):
    """The answer holds no JSON object; the message says what to send instead.

    An LLM client that cannot parse its answer raises this with ``proposal`` set (policy ``{}``, the
    raw response, model and token usage) so the loop can record the call and retry.
    """

    def __init__(self, message: str, *, proposal: PolicyProposal | None = None) -> None:
        super().__init__(message)
        self.proposal = proposal


def _first_object(text: str) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def parse_policy_json(text: str) -> dict[str, Any]:
    """Return the policy object in ``text``.

    Prefers the first fenced code block that holds a JSON object, then the first JSON object in
    the bare text. Raises :class:`PolicyParseError` with an actionable message otherwise.
    """
    if not text or not text.strip():
        raise PolicyParseError("The answer was empty; reply with one JSON object for the policy.")
    for block in _FENCE.findall(text):
        found = _first_object(block)
        if found is not None:
            return found
    found = _first_object(text)
    if found is not None:
        return found
    raise PolicyParseError(
        "No JSON object was found in the answer; reply with the complete policy as one JSON "
        "object, optionally inside a ```json fenced block."
    )
