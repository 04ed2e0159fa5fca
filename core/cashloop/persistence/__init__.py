"""Run storage: backend-neutral records, the event codec, storage locations, and the SQLite
run database as ``ExperimentRepository``.

with ExperimentRepository(Path("results/cashloop.db")) as repo:
    for run in repo.list_runs(limit=10): ...
    provider = repo.as_state_provider(run_id)   # same interface as LiveStateProvider

Names are imported on first use, so a run on another backend never imports ``sqlite3``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "AmbiguousRunIdError": "errors",
    "DatabasePathError": "errors",
    "DatabaseUserError": "errors",
    "NotACashloopDatabaseError": "errors",
    "RunNotResumableError": "errors",
    "SchemaTooNewError": "errors",
    "UnknownRunError": "errors",
    "RunRecorder": "recorder",
    "RUN_STATUSES": "records",
    "EncodedEvent": "records",
    "FinalResult": "records",
    "IterationRecord": "records",
    "RunRecord": "records",
    "RunSnapshot": "records",
    "RunStatus": "records",
    "ExperimentRepository": "repository",
    "SCHEMA_VERSION": "schema",
    "DatabaseStateProvider": "state_provider",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'cashloop.persistence' has no attribute {name!r}")
    return getattr(importlib.import_module(f"cashloop.persistence.{home}"), name)
