"""Run-level error control: one error budget spent across a run's decisions.

A run makes up to ``max_iterations x optimized agents`` decisions. With ``error_control: run``
(the default) the budget ``acceptance.alpha`` is spent evenly over those planned decisions
(alpha-spending, Bonferroni's bound): decision *i* gets ``alpha / planned``, so whatever the
candidates, the chance that a run accepts *any* candidate that is not truly better is at most
``alpha``, and the expected number of such false acceptances is at most the level spent so far.
With ``error_control: decision`` every decision gets ``alpha`` itself and the run-level figures
only report what that amounts to.
"""

from __future__ import annotations

import attrs

__all__ = ["ErrorBudget"]


@attrs.define(kw_only=True)
class ErrorBudget:
    alpha: float
    planned: int
    control: str = "run"
    #: decisions made so far and the error level they spent
    decisions: int = 0
    spent: float = 0.0

    def level(self, index: int) -> float:
        """The error level of the run's ``index``-th decision (0-based)."""
        if self.control == "decision":
            return self.alpha
        return self.alpha / max(1, self.planned)

    def charge(self, level: float) -> None:
        self.decisions += 1
        self.spent += level

    def report(self) -> dict[str, float | int | str]:
        """What the run's result says about its decisions' errors."""
        return {
            "error_control": self.control,
            "budget": self.alpha if self.control == "run" else self.alpha * self.planned,
            "planned_decisions": self.planned,
            "decisions": self.decisions,
            "spent": round(self.spent, 12),
            # E[false acceptances] <= the sum of the levels of the decisions made
            "expected_false_acceptances_bound": round(self.spent, 12),
        }
