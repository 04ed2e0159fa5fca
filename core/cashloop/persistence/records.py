"""Frozen values read from and written to the run database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

__all__ = [
    "RUN_STATUSES",
    "EncodedEvent",
    "FinalResult",
    "IterationRecord",
    "RunRecord",
    "RunSnapshot",
    "RunStatus",
]


class RunStatus:
    """The states of a stored run."""

    RUNNING: Final = "running"
    COMPLETED: Final = "completed"
    FAILED: Final = "failed"
    INTERRUPTED: Final = "interrupted"


RUN_STATUSES: Final = (
    RunStatus.RUNNING,
    RunStatus.COMPLETED,
    RunStatus.FAILED,
    RunStatus.INTERRUPTED,
)


@attrs.frozen(kw_only=True)
class RunRecord:
    """One stored run as listed by ``cashloop runs``; costs are integer cents."""

    run_id: str
    experiment_name: str
    status: str
    created_at: str
    updated_at: str
    num_iterations: int
    final_cost: int | None
    converged: bool | None
    best_cost: int | None
    convergence_reason: str | None
    experiment_type: str = "generic"
    master_seed: int = 0
    resume_count: int = 0
    writer_pid: int | None = None
    writer_host: str | None = None

    @property
    def finished(self) -> bool:
        """True once the final result is stored (the run cannot be resumed any more)."""
        return self.converged is not None


@attrs.frozen(kw_only=True)
class IterationRecord:
    """A committed, 0-indexed iteration: per-agent costs, decisions and the policies in force."""

    iteration: int
    costs_per_agent: Mapping[str, int]
    accepted_changes: Mapping[str, bool]
    policies: Mapping[str, Any]


@attrs.frozen(kw_only=True)
class FinalResult:
    """The run's outcome, as ``get_final_result()`` reports it."""

    final_cost: int
    best_cost: int
    converged: bool
    convergence_reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "final_cost": self.final_cost,
            "best_cost": self.best_cost,
            "converged": self.converged,
            "convergence_reason": self.convergence_reason,
        }


@attrs.frozen(kw_only=True)
class EncodedEvent:
    """An event whose data is already JSON text, so encoding errors surface when it is recorded."""

    iteration: int
    event_type: str
    data_json: str


@attrs.frozen(kw_only=True)
class RunSnapshot:
    """One consistent read of a stored run: its committed events and iterations, in order.

    It is what a resumed run needs (see ``ExperimentRepository.resume_run``).
    Committed events always end at an iteration boundary (an ``iteration_complete`` event) or
    are empty, so the resumed run continues with iteration ``next_iteration`` (1-based, like
    events).
    """

    run: RunRecord
    config_snapshot: dict[str, Any]
    events: tuple[dict[str, Any], ...]
    iterations: tuple[IterationRecord, ...]
    next_seq: int

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def num_iterations(self) -> int:
        """Committed iterations; also the 0-indexed number of the next iteration record."""
        return len(self.iterations)

    @property
    def next_iteration(self) -> int:
        """The event-numbered (1-based) iteration the resumed run executes first."""
        return len(self.iterations) + 1
