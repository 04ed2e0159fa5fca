"""Extract a JSON policy object from an LLM answer (fenced block or bare text)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cashloop.types import PolicyProposal

__all__ = ["MAX_PARSED_CHARS", "AnswerTooLargeError", "PolicyParseError", "parse_policy_json"]

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.DOTALL)
#: an answer longer than this is not parsed at all (the loop's own limit is usually lower)
MAX_PARSED_CHARS = 4_000_000
#: how many opening braces are tried as the start of the policy object (keeps parsing linear)
_MAX_STARTS = 64


class PolicyParseError(ValueError):
    """The answer holds no JSON object; the message says what to send instead.

    An LLM client that cannot parse its answer raises this with ``proposal`` set (policy ``{}``, the
    raw response, model and token usage) so the loop can record the call and retry.
    """

    def __init__(self, message: str, *, proposal: PolicyProposal | None = None) -> None:
        super().__init__(message)
        self.proposal = proposal


class AnswerTooLargeError(PolicyParseError):
    """An answer over the size limit, replayed from a record that kept only its start;
    ``fields`` are the record's ``answer_chars`` and ``answer_sha256``."""

    def __init__(
        self,
        message: str,
        *,
        proposal: PolicyProposal | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, proposal=proposal)
        self.fields = dict(fields or {})


class _TooDeep(Exception):
    pass


def _first_object(text: str) -> dict[str, Any] | None:
    # strict=False: a control character (a NUL) inside a string must not make the parser skip
    # the whole object and pick an inner one; validation then refuses the text itself.
    decoder = json.JSONDecoder(strict=False)
    start = text.find("{")
    tries = 0
    while start != -1 and tries < _MAX_STARTS:
        tries += 1
        try:
            value, _ = decoder.raw_decode(text, start)
        except RecursionError:
            raise _TooDeep from None
        except ValueError:  # malformed JSON, or an integer of more than 4,300 digits
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
    if len(text) > MAX_PARSED_CHARS:
        raise PolicyParseError(
            f"The answer was {len(text):,} characters, too long to read; reply with one compact "
            "JSON object for the policy."
        )
    try:
        for block in _FENCE.findall(text):
            found = _first_object(block)
            if found is not None:
                return found
        found = _first_object(text)
    except _TooDeep:
        raise PolicyParseError(
            "The JSON in the answer is nested too deeply to read; reply with a flat policy object."
        ) from None
    if found is not None:
        return found
    raise PolicyParseError(
        "No JSON object was found in the answer; reply with the complete policy as one JSON "
        "object, optionally inside a ```json fenced block."
    )
