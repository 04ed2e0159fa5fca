"""``RunRecorder``: buffers a run's events and commits them a whole iteration at a time.

The database therefore only ever holds whole iterations: a crash loses at most the iteration in
flight, and a resumed run re-executes it from the last committed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, final

from cashloop.persistence.codec import check_cents, encode_json
from cashloop.persistence.records import (
    RUN_STATUSES,
    EncodedEvent,
    FinalResult,
    IterationRecord,
    RunStatus,
)

if TYPE_CHECKING:
    from cashloop.persistence.repository import ExperimentRepository

__all__ = ["RunRecorder"]


@final
class RunRecorder:
    """Writes one run, in the order the loop reports it (the recording hooks of DESIGN §2.2)."""

    __slots__ = ("_completed", "_pending", "_repository", "run_id")

    def __init__(self, repository: ExperimentRepository, run_id: str) -> None:
        self._repository = repository
        self.run_id = run_id
        self._pending: list[EncodedEvent] = []
        self._completed = False  # the final result is committed: the run is stored completed

    @property
    def pending_events(self) -> int:
        """Events recorded but not yet committed (those of the iteration in flight)."""
        return len(self._pending)

    def record_event(self, iteration: int, event_type: str, event_data: Mapping[str, Any]) -> None:
        """Buffer one event; its data is encoded now, so bad data fails at the event that has it."""
        data_json = encode_json(event_data, what=event_type)
        self._pending.append(
            EncodedEvent(iteration=iteration, event_type=event_type, data_json=data_json)
        )

    def record_iteration(
        self,
        iteration: int,
        costs_per_agent: Mapping[str, int],
        accepted_changes: Mapping[str, bool],
        policies: Mapping[str, Any],
    ) -> None:
        """Commit the buffered events and the 0-indexed iteration record in one transaction."""
        record = IterationRecord(
            iteration=iteration,
            costs_per_agent=check_cents(costs_per_agent, what="costs_per_agent"),
            accepted_changes=dict(accepted_changes),
            policies=dict(policies),
        )
        self._repository.commit_iteration(self.run_id, self._pending, record)
        self._pending.clear()

    def set_final_result(
        self, final_cost: int, best_cost: int, converged: bool, convergence_reason: str
    ) -> None:
        """Commit the last events with the final result; the run is then ``completed``."""
        costs = check_cents({"final_cost": final_cost, "best_cost": best_cost}, what="result")
        result = FinalResult(
            final_cost=costs["final_cost"],
            best_cost=costs["best_cost"],
            converged=bool(converged),
            convergence_reason=str(convergence_reason),
        )
        self._repository.commit_final(self.run_id, self._pending, result)
        self._pending.clear()
        self._completed = True

    def finish(self, status: str) -> None:
        """End the recording with ``status``.

        ``completed`` commits any events still buffered; ``failed`` and ``interrupted`` discard
        the unfinished iteration's events, leaving the run resumable from its last whole one.
        """
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}; expected one of {RUN_STATUSES}")
        if status == RunStatus.COMPLETED and self._completed and not self._pending:
            return  # committing the final result already stored the run as completed
        if status == RunStatus.COMPLETED and self._pending:
            self._repository.append_events(self.run_id, self._pending)
        self._pending.clear()
        self._repository.set_status(self.run_id, status)
