"""``DatabaseStateProvider``: a stored run behind the same interface as ``LiveStateProvider``.

Each call reads the committed data afresh, so a viewer in another process follows a run while it
is written; a run's events read back exactly as the live provider returned them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, final

from cashloop.persistence import queries
from cashloop.persistence.records import RunStatus
from cashloop.persistence.writer import writer_state

if TYPE_CHECKING:
    import sqlite3

    from cashloop.persistence.database import Database
    from cashloop.persistence.records import IterationRecord

__all__ = ["DatabaseStateProvider"]


@final
class DatabaseStateProvider:
    """Read access to one stored run (implements ``ExperimentStateProviderProtocol``)."""

    __slots__ = ("_db", "run_id")

    def __init__(self, db: Database, run_id: str) -> None:
        self._db = db
        self.run_id = run_id

    def get_experiment_info(self) -> dict[str, Any]:
        """Name, type, config snapshot and run id like the live provider, plus stored status,
        timestamps and counts."""

        def read(conn: sqlite3.Connection) -> dict[str, Any]:
            run = queries.fetch_run(conn, self.run_id)
            if run is None:
                return {"run_id": self.run_id}
            reason, calls = queries.fetch_failure(conn, self.run_id)
            failure = (
                {} if reason is None else {"failure_reason": reason, "failed_llm_calls": calls}
            )
            return {
                **failure,
                "experiment_name": run.experiment_name,
                "experiment_type": run.experiment_type,
                "config": queries.fetch_config_snapshot(conn, self.run_id),
                "run_id": run.run_id,
                "status": run.status,
                "created_at": run.created_at,
                "updated_at": run.updated_at,
                "num_iterations": run.num_iterations,
                "master_seed": run.master_seed,
            }

        return self._db.read(read, what=f"reading run {self.run_id}")

    def get_total_iterations(self) -> int:
        return self._db.read(
            lambda conn: queries.count_iterations(conn, self.run_id),
            what=f"counting iterations of {self.run_id}",
        )

    def get_iteration_costs(self, iteration: int) -> dict[str, int]:
        record = self._iteration(iteration)
        return {} if record is None else dict(record.costs_per_agent)

    def get_iteration_accepted_changes(self, iteration: int) -> dict[str, bool]:
        record = self._iteration(iteration)
        return {} if record is None else dict(record.accepted_changes)

    def get_iteration_policies(self, iteration: int) -> dict[str, Any]:
        record = self._iteration(iteration)
        return {} if record is None else dict(record.policies)

    def get_all_events(self) -> Iterator[dict[str, Any]]:
        """Committed events in seq order: ``{"event_type", "iteration", **event_data}``."""
        events = self._db.read(
            lambda conn: queries.fetch_events(conn, self.run_id),
            what=f"reading events of {self.run_id}",
        )
        return iter(events)

    def get_events_from(self, start: int) -> list[dict[str, Any]]:
        """The committed events from the ``start``-th on (0-based), as :meth:`get_all_events`
        gives them: what a follower that has shown ``start`` events has not seen yet."""
        return self._db.read(
            lambda conn: queries.fetch_events(conn, self.run_id, start),
            what=f"reading events of {self.run_id}",
        )

    def is_being_written(self) -> bool:
        """Whether the run is ``running`` and its writer may still be alive (a writer on another
        host counts as alive: this process cannot tell)."""
        run = self._db.read(
            lambda conn: queries.fetch_run(conn, self.run_id), what=f"reading run {self.run_id}"
        )
        if run is None or run.status != RunStatus.RUNNING:
            return False
        return run.writer_pid is None or writer_state(run.writer_pid, run.writer_host) != "dead"

    def get_final_result(self) -> dict[str, Any] | None:
        """``final_cost``, ``best_cost``, ``converged``, ``convergence_reason``; None if the run
        did not finish."""
        result = self._db.read(
            lambda conn: queries.fetch_final_result(conn, self.run_id),
            what=f"reading the result of {self.run_id}",
        )
        return None if result is None else result.as_dict()

    def _iteration(self, iteration: int) -> IterationRecord | None:
        return self._db.read(
            lambda conn: queries.fetch_iteration(conn, self.run_id, iteration),
            what=f"reading iteration {iteration} of {self.run_id}",
        )
