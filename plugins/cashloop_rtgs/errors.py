"""The rtgs evaluator's user-facing errors (the CLI prints them and exits 2, no traceback)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cashloop.plugin import ConfigError, PolicyEvaluationError, UserError

__all__ = ["InvalidPolicyError", "PolicyRuntimeError", "ScenarioError"]


class ScenarioError(ConfigError):
    """A scenario file that cannot be loaded; every problem is named by its path."""


class InvalidPolicyError(UserError):
    """A policy that fails the schema check; ``errors`` are the check's sentences."""

    def __init__(self, agent_id: str, errors: Sequence[str]) -> None:
        self.agent_id = agent_id
        self.errors = tuple(errors)
        lines = [f"invalid policy for {agent_id} ({len(self.errors)} error(s)):"]
        lines += [f"  {e}" for e in self.errors]
        super().__init__("\n".join(lines))


class PolicyRuntimeError(PolicyEvaluationError, UserError):
    """A policy tree failed while deciding a payment (division by zero, bad num_splits).

    In a run it is the candidate's own failure (a :class:`PolicyEvaluationError`: that proposal
    is rejected, the run goes on); from ``cashloop simulate`` it is a user error (exit 2).
    """

    @classmethod
    def during_run(cls, agent_id: str, tick: int, cause: Exception) -> PolicyRuntimeError:
        """The error both engines raise, worded identically."""
        return cls(f"the policy of {agent_id} failed at tick {tick}: {cause}", agent_id)

    def __reduce__(self) -> tuple[Any, ...]:
        # keeps agent_id when the error crosses a process boundary (process executor)
        return (type(self), (str(self), self.agent_id))
