"""Limits on what an LLM answer may hold, checked before any validator sees the policy.

An answer is untrusted input: it may be huge, nested a thousand levels deep, hold numbers of 400
digits, ``NaN``, lone UTF-16 surrogates (``\\ud800``) or NUL characters. Every check here is one
iterative walk, linear in the size of the answer, so no answer can make validation slow or blow
the stack; its problems are sentences the LLM can act on.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any, Final

import attrs

__all__ = [
    "INT64_MAX",
    "AnswerLimits",
    "cap_errors",
    "policy_problems",
    "storable_text",
    "truncated_answer",
]

INT64_MAX: Final = 2**63 - 1
#: an error sentence is cut to this many characters (it may quote the answer)
MAX_ERROR_CHARS: Final = 300
#: characters of an oversized answer kept in the record
KEPT_ANSWER_CHARS: Final = 2000


@attrs.frozen(kw_only=True)
class AnswerLimits:
    """The limits of the ``llm`` config section (``max_answer_chars``, ...)."""

    max_answer_chars: int = 100_000
    max_policy_chars: int = 50_000
    max_policy_depth: int = 200
    max_feedback_errors: int = 20


def storable_text(text: str) -> str:
    """``text`` as UTF-8 can store it: a lone surrogate becomes U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def truncated_answer(text: str) -> tuple[str, dict[str, Any]]:
    """The start of an oversized answer with a note of its size and hash, and those two as
    event fields (``answer_chars``, ``answer_sha256``): the record stays small, the answer
    identifiable."""
    data = storable_text(text).encode("utf-8", "replace")
    digest = hashlib.sha256(data).hexdigest()
    kept = storable_text(text[:KEPT_ANSWER_CHARS])
    note = f"\n[... answer truncated: {len(text):,} characters in all, sha256 {digest}]"
    return kept + note, {"answer_chars": len(text), "answer_sha256": digest}


def cap_errors(errors: Sequence[str], limit: int) -> tuple[str, ...]:
    """The first ``limit`` errors (each cut to a readable length), then "and K more"."""
    shown = [_cut(storable_text(e)) for e in errors[:limit]]
    if len(errors) > limit:
        more = len(errors) - limit
        shown.append(f"... and {more:,} more problem{'s' if more != 1 else ''} (fix these first)")
    return tuple(shown)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000); remove it"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an invalid escape such as \\ud800 (a lone surrogate); remove it"
    return None


def _number_problem(value: int | float) -> str | None:
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"must be a finite number, got {value!r}"
        if abs(value) > INT64_MAX:
            return "is too large: numbers must fit 64-bit integer cents"
    elif abs(value) > INT64_MAX:
        return "is too large: numbers must fit 64-bit integer cents"
    return None


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    shown = key if len(key) <= 40 else key[:37] + "..."
    return f"{parent}.{shown}" if parent else shown


def policy_problems(policy: Any, limits: AnswerLimits) -> list[str]:
    """Problems of a parsed policy that no validator should have to face: too deep, too large,
    invalid text, non-finite or out-of-range numbers. One walk; stops at the first 100."""
    problems: list[str] = []
    stack: list[tuple[Any, str, int]] = [(policy, "", 1)]
    deepest = 0
    while stack and len(problems) < 100:
        value, path, depth = stack.pop()
        where = path or "policy"
        if isinstance(value, dict):
            deepest = max(deepest, depth)
            if depth > limits.max_policy_depth:
                return [
                    f"policy: nested deeper than {limits.max_policy_depth} levels at {where}; "
                    "send a flatter policy"
                ]
            for key, item in reversed(list(value.items())):
                key_text = str(key)
                if (problem := _text_problem(key_text)) is not None:
                    problems.append(f"{where}: a key {problem}")
                    key_text = storable_text(key_text.replace("\x00", ""))
                stack.append((item, _path(path, key_text), depth + 1))
        elif isinstance(value, list):
            if depth > limits.max_policy_depth:
                return [
                    f"policy: nested deeper than {limits.max_policy_depth} levels at {where}; "
                    "send a flatter policy"
                ]
            items = list(enumerate(value))
            stack.extend((item, _path(path, i), depth + 1) for i, item in reversed(items))
        elif isinstance(value, str):
            if (problem := _text_problem(value)) is not None:
                problems.append(f"{where}: {problem}")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            problem = _number_problem(value)
            if problem is not None:
                problems.append(f"{where}: {problem}")
    return problems


def policy_size_problem(policy: Any, limits: AnswerLimits) -> str | None:
    """Whether the policy's JSON text is over ``max_policy_chars`` (checked after the walk,
    which guarantees it serializes)."""
    import json

    size = len(json.dumps(policy, ensure_ascii=False, separators=(",", ":")))
    if size > limits.max_policy_chars:
        return (
            f"policy: {size:,} characters of JSON, over the limit of "
            f"{limits.max_policy_chars:,}; send a smaller policy"
        )
    return None
