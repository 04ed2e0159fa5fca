"""A separate process writing a run, for the crash and concurrency tests.

python writer_process.py DB RUN_ID partial   # 3 whole iterations, half of the 4th, then waits
python writer_process.py DB RUN_ID endless   # commits iterations until it is killed
"""

from __future__ import annotations

import sys
import time
from itertools import count
from pathlib import Path

from storage_helpers import config_snapshot, one_iteration, run_info, scripted_run

from cashloop_sqlite.backend import SqliteStorageBackend


def main(db_path: str, run_id: str, mode: str) -> None:
    backend = SqliteStorageBackend(Path(db_path))
    run = run_info(run_id)
    backend.create_run(run, config_snapshot())

    def call(name: str, kwargs: dict[str, object]) -> None:
        getattr(backend, name)(**kwargs, run=run)

    start = scripted_run(1, run_id)[0]
    call(start.name, start.kwargs)
    print("STARTED", flush=True)
    for iteration in count(1):
        calls = list(one_iteration(iteration, run_id))
        if mode == "partial" and iteration == 4:
            for half in calls[:4]:
                call(half.name, half.kwargs)
            print("READY", flush=True)
            time.sleep(120)
        for each in calls:
            call(each.name, each.kwargs)


if __name__ == "__main__":
    main(*sys.argv[1:4])
