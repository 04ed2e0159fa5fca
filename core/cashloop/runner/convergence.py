"""Convergence detection, honestly labelled.

A stopping criterion (no accepted change for a window, stable costs, or low variation without a
trend) only says the search stopped moving. A run is reported **converged** only when such a
criterion holds *and* the optimizer declared itself exhausted (``PolicyProposal.exhausted``) or
the equilibrium check passes; otherwise it **stalled**. A proposer that says it still has steps to
try (``exhausted=False``, as local-search does until its smallest step failed both ways) keeps the
run going. A run in which the provider answered but no proposal was ever valid ends
``no_valid_proposal`` (one whose provider never answered is ``llm_unavailable``, a failure: see
``provider_health``); reaching
``max_iterations`` (or the budget) is a stop, never convergence.
"""

from __future__ import annotations

import statistics
from typing import Any

import attrs

from cashloop.config.sections import ConvergenceConfig
from cashloop.runner.statistics import mann_kendall_p, shortest_trend_window

__all__ = [
    "CRITERIA",
    "ConvergenceDetector",
    "Verdict",
    "combined_exhaustion",
    "convergence_problems",
    "settle_with_equilibrium",
]

#: Reasons of a converged run: the stopping criterion that held.
CRITERIA = (
    "no_accepted_changes",
    "policies_stable",
    "stability_reached",
    "statistical_convergence",
)
STALLED = "stalled"
NO_VALID_PROPOSAL = "no_valid_proposal"
MAX_ITERATIONS = "max_iterations"


@attrs.frozen(kw_only=True)
class Verdict:
    converged: bool
    reason: str
    diagnostics: dict[str, Any]


def combined_exhaustion(flags: list[bool | None]) -> bool | None:
    """One iteration's exhaustion from each optimized agent's answer (``None`` for an agent
    without a valid one): ``False`` when any proposer still searches, ``True`` when every one
    is exhausted, else ``None``."""
    if any(flag is False for flag in flags):
        return False
    if flags and all(flag is True for flag in flags):
        return True
    return None


def convergence_problems(cfg: ConvergenceConfig) -> list[str]:
    """Settings under which a criterion could never work as documented (``path: problem``)."""
    problems = []
    if cfg.equilibrium_tolerance < 0:
        problems.append("convergence.equilibrium_tolerance: must be >= 0")
    if cfg.equilibrium_epsilon is not None and cfg.equilibrium_epsilon < 0:
        problems.append("convergence.equilibrium_epsilon: must be >= 0")
    if cfg.equilibrium_samples is not None and cfg.equilibrium_samples < 1:
        problems.append("convergence.equilibrium_samples: must be >= 1")
    if cfg.cv_threshold is not None and 0.0 < cfg.trend_alpha < 1.0:
        shortest = shortest_trend_window(cfg.trend_alpha)
        if cfg.stability_window < shortest:
            problems.append(
                f"convergence.stability_window: {cfg.stability_window} values can never show "
                f"a Mann-Kendall trend at trend_alpha {cfg.trend_alpha:g}, so the statistical "
                f"criterion (cv_threshold) would be vacuous; use a window of at least {shortest} "
                "or raise trend_alpha"
            )
    return problems


class ConvergenceDetector:
    """Watches the incumbent cost, accepted changes and the proposers' exhaustion, one
    observation per iteration."""

    def __init__(self, config: ConvergenceConfig, mode: str) -> None:
        self.config = config
        self.mode = mode
        self.costs: list[int] = []
        self.changed: list[bool] = []
        #: per iteration: True (every proposer exhausted), False (one still searching), None
        self.exhausted: list[bool | None] = []
        self.proposed: list[bool] = []

    def observe(
        self,
        incumbent_cost: int,
        changed: bool,
        *,
        exhausted: bool | None = None,
        proposed: bool = True,
    ) -> None:
        """One iteration: its incumbent cost; whether an accepted change altered the profile;
        whether the proposers declared themselves exhausted (``None``: they do not say); and
        whether any proposal was valid."""
        self.costs.append(incumbent_cost)
        self.changed.append(changed)
        self.exhausted.append(exhausted)
        self.proposed.append(proposed)

    def _window_without_change(self) -> int:
        return self.config.no_change_window or self.config.stability_window

    def check(self) -> Verdict | None:
        cfg, n = self.config, len(self.costs)
        window = self.costs[-cfg.stability_window :]
        diag: dict[str, Any] = {"iterations": n, "window": list(window)}
        quiet = self._window_without_change()
        if n >= min(quiet, cfg.max_iterations) and not any(self.proposed):
            diag["quiet"] = quiet
            return Verdict(converged=False, reason=NO_VALID_PROPOSAL, diagnostics=diag)
        criterion = self._criterion(window, diag)
        if criterion is not None:
            verdict = self._judge_stop(criterion, diag)
            if verdict is not None:
                return verdict
        if n >= cfg.max_iterations:
            return Verdict(converged=False, reason=MAX_ITERATIONS, diagnostics=diag)
        return None

    def _criterion(self, window: list[int], diag: dict[str, Any]) -> str | None:
        """The stopping criterion that holds now, if any (``diag`` gains its figures)."""
        cfg, n = self.config, len(self.costs)
        quiet = self._window_without_change()
        if n >= quiet and not any(self.changed[-quiet:]):
            diag["quiet"] = quiet
            return "policies_stable" if self.mode == "temporal" else "no_accepted_changes"
        if self.mode != "temporal" and len(window) >= cfg.stability_window >= 2:
            scale = max(abs(statistics.fmean(window)), 1.0)
            spread = (max(window) - min(window)) / scale
            diag["relative_spread"] = spread
            if spread <= cfg.stability_threshold:
                return "stability_reached"
        if self._statistical(window, diag):
            return "statistical_convergence"
        return None

    def _judge_stop(self, criterion: str, diag: dict[str, Any]) -> Verdict | None:
        """Converged when the proposers are exhausted; deferred while one still searches;
        otherwise stalled unless the equilibrium check passes (see ``settle_with_equilibrium``)."""
        exhausted = self.exhausted[-1] if self.exhausted else None
        diag.update(criterion=criterion, exhausted=exhausted)
        if exhausted is False:
            return None
        if exhausted:
            return Verdict(converged=True, reason=criterion, diagnostics=diag)
        diag["stalled_because"] = "the optimizer did not declare itself exhausted"
        return Verdict(converged=False, reason=STALLED, diagnostics=diag)

    def _statistical(self, window: list[int], diag: dict[str, Any]) -> bool:
        cfg = self.config
        if cfg.cv_threshold is None or len(window) < max(cfg.stability_window, 3):
            return False
        mean = statistics.fmean(window)
        cv = statistics.pstdev(window) / abs(mean) if mean else 0.0
        trend_p = mann_kendall_p([float(c) for c in window])
        best = min(self.costs)
        regret = (window[-1] - best) / max(abs(best), 1)
        diag.update(cv=cv, trend_p=trend_p, regret=regret)
        regret_ok = cfg.regret_threshold is None or regret <= cfg.regret_threshold
        return cv <= cfg.cv_threshold and trend_p >= cfg.trend_alpha and regret_ok


def settle_with_equilibrium(verdict: Verdict, passes: bool | None) -> Verdict:
    """The final verdict once the equilibrium check is known (``None``: no check was made).

    A stall whose profile passes the check converged after all; a converged profile that an
    agent can exploit by a unilateral deviation stalled.
    """
    criterion = verdict.diagnostics.get("criterion")
    if passes is None or criterion is None:
        return verdict
    diag = {**verdict.diagnostics, "equilibrium_passes": passes}
    if passes and verdict.reason == STALLED:
        diag.pop("stalled_because", None)
        return Verdict(converged=True, reason=str(criterion), diagnostics=diag)
    if not passes and verdict.converged:
        diag["stalled_because"] = "an agent gains by a unilateral deviation (equilibrium check)"
        return Verdict(converged=False, reason=STALLED, diagnostics=diag)
    return attrs.evolve(verdict, diagnostics=diag)
