"""Run storage: the SQLite run database, its schema and migrations, and replay access.

with ExperimentRepository(Path("results/cashloop.db")) as repo:
    for run in repo.list_runs(limit=10): ...
    provider = repo.as_state_provider(run_id)   # same interface as LiveStateProvider
"""

from __future__ import annotations

from cashloop.persistence.errors import (
    AmbiguousRunIdError,
    DatabasePathError,
    DatabaseUserError,
    NotACashloopDatabaseError,
    RunNotResumableError,
    SchemaTooNewError,
    UnknownRunError,
)
from cashloop.persistence.recorder import RunRecorder
from cashloop.persistence.records import (
    RUN_STATUSES,
    EncodedEvent,
    FinalResult,
    IterationRecord,
    RunRecord,
    RunSnapshot,
    RunStatus,
)
from cashloop.persistence.repository import ExperimentRepository
from cashloop.persistence.schema import SCHEMA_VERSION
from cashloop.persistence.state_provider import DatabaseStateProvider

__all__ = [
    "RUN_STATUSES",
    "SCHEMA_VERSION",
    "AmbiguousRunIdError",
    "DatabasePathError",
    "DatabaseStateProvider",
    "DatabaseUserError",
    "EncodedEvent",
    "ExperimentRepository",
    "FinalResult",
    "IterationRecord",
    "NotACashloopDatabaseError",
    "RunNotResumableError",
    "RunRecord",
    "RunRecorder",
    "RunSnapshot",
    "RunStatus",
    "SchemaTooNewError",
    "UnknownRunError",
]
