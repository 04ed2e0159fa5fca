"""A separate process reading a run, for the WAL concurrency test; prints what it sees as JSON.

python reader_process.py DB RUN_ID
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cashloop.persistence import ExperimentRepository


def main(db_path: str, run_id: str) -> None:
    with ExperimentRepository(Path(db_path), create=False) as repo:
        provider = repo.as_state_provider(run_id)
        seen = {
            "status": repo.get_run(run_id).status,
            "iterations": provider.get_total_iterations(),
            "event_types": [e["event_type"] for e in provider.get_all_events()],
            "runs": [r.run_id for r in repo.list_runs()],
        }
    print(json.dumps(seen))


if __name__ == "__main__":
    main(*sys.argv[1:3])
