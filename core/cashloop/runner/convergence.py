"""Convergence detection. Reaching ``max_iterations`` is a stop, not convergence."""

from __future__ import annotations

import statistics
from typing import Any

import attrs

from cashloop.config.sections import ConvergenceConfig
from cashloop.runner.statistics import mann_kendall_p

__all__ = ["ConvergenceDetector", "Verdict"]


@attrs.frozen(kw_only=True)
class Verdict:
    converged: bool
    reason: str
    diagnostics: dict[str, Any]


class ConvergenceDetector:
    """Watches the incumbent cost and accepted changes, one observation per iteration."""

    def __init__(self, config: ConvergenceConfig, mode: str) -> None:
        self.config = config
        self.mode = mode
        self.costs: list[int] = []
        self.changed: list[bool] = []

    def observe(self, incumbent_cost: int, changed: bool) -> None:
        self.costs.append(incumbent_cost)
        self.changed.append(changed)

    def _window_without_change(self) -> int:
        return self.config.no_change_window or self.config.stability_window

    def check(self) -> Verdict | None:
        cfg, n = self.config, len(self.costs)
        window = self.costs[-cfg.stability_window :]
        diag: dict[str, Any] = {"iterations": n, "window": list(window)}
        quiet = self._window_without_change()
        if n >= quiet and not any(self.changed[-quiet:]):
            reason = "policies_stable" if self.mode == "temporal" else "no_accepted_changes"
            return Verdict(converged=True, reason=reason, diagnostics={**diag, "quiet": quiet})
        if self.mode != "temporal" and len(window) >= cfg.stability_window >= 2:
            scale = max(abs(statistics.fmean(window)), 1.0)
            spread = (max(window) - min(window)) / scale
            diag["relative_spread"] = spread
            if spread <= cfg.stability_threshold:
                return Verdict(converged=True, reason="stability_reached", diagnostics=diag)
        verdict = self._statistical(window, diag)
        if verdict is not None:
            return verdict
        if n >= cfg.max_iterations:
            return Verdict(converged=False, reason="max_iterations", diagnostics=diag)
        return None

    def _statistical(self, window: list[int], diag: dict[str, Any]) -> Verdict | None:
        cfg = self.config
        if cfg.cv_threshold is None or len(window) < max(cfg.stability_window, 3):
            return None
        mean = statistics.fmean(window)
        cv = statistics.pstdev(window) / abs(mean) if mean else 0.0
        trend_p = mann_kendall_p([float(c) for c in window])
        best = min(self.costs)
        regret = (window[-1] - best) / max(abs(best), 1)
        diag.update(cv=cv, trend_p=trend_p, regret=regret)
        regret_ok = cfg.regret_threshold is None or regret <= cfg.regret_threshold
        if cv <= cfg.cv_threshold and trend_p >= cfg.trend_alpha and regret_ok:
            return Verdict(converged=True, reason="statistical_convergence", diagnostics=diag)
        return None
