"""Experiment result and state value types (seed Phase 4), frozen attrs classes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["ExperimentResult", "ExperimentState", "IterationRecord"]


@attrs.frozen(kw_only=True)
class IterationRecord:
    """Record of a single iteration (0-indexed)."""

    iteration: int
    costs_per_agent: Mapping[str, int]
    accepted_changes: Mapping[str, bool]
    policies: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class ExperimentState:
    """Current state of an experiment; updated by returning new states."""

    experiment_name: str
    current_iteration: int = 0
    is_converged: bool = False
    convergence_reason: str | None = None
    policies: Mapping[str, Any] = attrs.field(factory=dict)

    def with_iteration(self, iteration: int) -> ExperimentState:
        """Return a new state with ``current_iteration`` replaced."""
        return attrs.evolve(self, current_iteration=iteration)


@attrs.frozen(kw_only=True)
class ExperimentResult:
    """Final result of a run: the last incumbent and the best profile seen (integer cents)."""

    experiment_name: str
    num_iterations: int
    converged: bool
    convergence_reason: str
    final_costs: Mapping[str, int]
    total_duration_seconds: float
    iteration_history: tuple[IterationRecord, ...] = ()
    final_policies: Mapping[str, Any] = attrs.field(factory=dict)
    best_costs: Mapping[str, int] = attrs.field(factory=dict)
    best_policies: Mapping[str, Any] = attrs.field(factory=dict)
    best_iteration: int = 0
    run_id: str = ""

    @property
    def final_cost(self) -> int:
        return sum(self.final_costs.values())

    @property
    def best_cost(self) -> int:
        return sum(self.best_costs.values()) if self.best_costs else self.final_cost

    def to_json(self) -> dict[str, Any]:
        """The ``cashloop run --json`` document."""
        return {
            "run_id": self.run_id,
            "experiment_name": self.experiment_name,
            "converged": self.converged,
            "convergence_reason": self.convergence_reason,
            "num_iterations": self.num_iterations,
            "final_cost": self.final_cost,
            "final_costs": dict(self.final_costs),
            "final_policies": dict(self.final_policies),
            "best_cost": self.best_cost,
            "best_costs": dict(self.best_costs),
            "best_policies": dict(self.best_policies),
            "best_iteration": self.best_iteration,
        }
