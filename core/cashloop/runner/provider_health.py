"""Is the LLM provider there at all? A run whose provider is unreachable or refuses the key
must end ``failed``, not "converged" on its initial policies.

Errors are classified without importing any SDK: an HTTP status of 401/403 or an exception class
named like the SDKs' authentication errors is ``auth``; a connection failure, a timeout, a 5xx or
a 429 after the SDK's own retries is ``transport``. A replayed error carries its recorded kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final

from cashloop.runner.convergence import Verdict

if TYPE_CHECKING:
    from cashloop.runner.proposals import ProposalOutcome

__all__ = ["FAILURE_REASONS", "ProviderHealth", "provider_error_kind"]

#: ``convergence_reason`` of a run that stopped because the provider failed (status ``failed``)
LLM_UNAVAILABLE: Final = "llm_unavailable"
LLM_AUTH_FAILED: Final = "llm_auth_failed"
FAILURE_REASONS: Final = (LLM_UNAVAILABLE, LLM_AUTH_FAILED)

_AUTH_NAMES: Final = ("AuthenticationError", "PermissionDeniedError")
_TRANSPORT_NAMES: Final = (
    "APIConnectionError",
    "APITimeoutError",
    "InternalServerError",
    "RateLimitError",
    "ConnectError",
    "ConnectTimeout",
    "ReadTimeout",
)


def provider_error_kind(exc: BaseException) -> str | None:
    """``auth``, ``transport`` or None (not a provider failure: a bug, a bad answer)."""
    recorded = getattr(exc, "provider_error_kind", None)
    if recorded in ("auth", "transport"):
        return str(recorded)
    names = {cls.__name__ for cls in type(exc).__mro__}
    status = getattr(exc, "status_code", None)
    if status in (401, 403) or names.intersection(_AUTH_NAMES):
        return "auth"
    if isinstance(status, int) and (status >= 500 or status == 429):
        return "transport"
    if names.intersection(_TRANSPORT_NAMES) or isinstance(exc, ConnectionError | TimeoutError):
        return "transport"
    return None


class ProviderHealth:
    """Counts consecutive provider failures over the run's calls, in agent and attempt order
    (so the verdict does not depend on which concurrent answer came first)."""

    def __init__(self, max_failures: int) -> None:
        self.max_failures = max_failures
        self.consecutive = 0
        self.calls = 0
        self.answered = 0
        self.last_kind: str | None = None
        self.last_error = ""

    def observe(self, outcomes: Sequence[ProposalOutcome]) -> None:
        for outcome in outcomes:
            self._observe_attempts(outcome.attempts)

    def _observe_attempts(self, attempts: Iterable[object]) -> None:
        for attempt in attempts:
            self.calls += 1
            kind = getattr(attempt, "provider_error", None)
            if getattr(attempt, "kind", None) != "llm_error":
                self.answered += 1
                self.consecutive = 0
            else:
                self.last_error = "; ".join(getattr(attempt, "errors", ()))
                if kind is not None:
                    self.consecutive += 1
                    self.last_kind = kind

    def verdict(self) -> Verdict | None:
        """A stop once ``max_failures`` provider errors came in a row."""
        if self.consecutive < self.max_failures:
            return None
        return self._failure(f"{self.consecutive} LLM calls in a row failed")

    def final(self, verdict: Verdict) -> Verdict:
        """The run's last verdict: a failure when calls were made and none was ever answered."""
        if verdict.reason in FAILURE_REASONS or not self.calls or self.answered:
            return verdict
        return self._failure(f"none of the run's {self.calls} LLM calls was answered")

    def _failure(self, summary: str) -> Verdict:
        reason = LLM_AUTH_FAILED if self.last_kind == "auth" else LLM_UNAVAILABLE
        return Verdict(
            converged=False,
            reason=reason,
            diagnostics={"summary": summary, "error": self.last_error},
        )
