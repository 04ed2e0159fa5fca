"""The ``example-jsondir`` storage backend: one directory per run.

``<root>/<run_id>/run.json`` holds the run's identity, config snapshot, status and final result
(replaced atomically); ``events.jsonl`` and ``iterations.jsonl`` are appended and flushed as the
recording hooks arrive, so a crash loses at most the line being written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import attrs

from cashloop.errors import StorageError, UserError
from cashloop.plugin import RunInfo, hookimpl
from cashloop_example.jsondir_run import EVENTS, ITERATIONS, RUN_FILE, JsonDirRun, RunRow, read_json

__all__ = ["JsonDirOptions", "JsonDirStorage"]


@attrs.frozen(kw_only=True)
class JsonDirOptions:
    """``root``: the folder holding one sub-folder per run; relative to the config's folder."""

    root: Path = Path("results/runs")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class JsonDirStorage:
    """Implements ``cashloop.plugin.StorageBackend`` and the recording hooks."""

    def __init__(self, options: JsonDirOptions) -> None:
        self.root = options.root
        self._streams: dict[str, dict[str, IO[str]]] = {}

    # -- StorageBackend ---------------------------------------------------------------------

    def create_run(self, run: RunInfo, config_snapshot: Mapping[str, Any]) -> None:
        folder = self._folder(run.run_id)
        if folder.exists():
            raise StorageError(f"run {run.run_id} already exists in {folder}")
        folder.mkdir(parents=True)
        now = _now()
        self._write_run(
            run.run_id,
            {
                "run_id": run.run_id,
                "experiment_name": run.experiment_name,
                "master_seed": run.master_seed,
                "config": dict(config_snapshot),
                "status": "running",
                "created_at": now,
                "updated_at": now,
                "num_iterations": 0,
                "final_result": None,
            },
        )
        self._streams[run.run_id] = {
            name: (folder / name).open("a", encoding="utf-8") for name in (EVENTS, ITERATIONS)
        }

    def set_status(self, run_id: str, status: str) -> None:
        self._close_streams(run_id)
        self._update(run_id, status=status)

    def list_runs(self, limit: int | None = None) -> list[RunRow]:
        if not self.root.is_dir():
            return []
        rows = [
            RunRow.from_run_json(read_json(f / RUN_FILE))
            for f in self.root.iterdir()
            if (f / RUN_FILE).is_file()
        ]
        rows.sort(key=lambda r: (r.created_at, r.run_id), reverse=True)
        return rows if limit is None else rows[:limit]

    def open_run(self, run_id: str) -> JsonDirRun:
        folder = self._folder(run_id)
        if not (folder / RUN_FILE).is_file():
            raise UserError(f"no run {run_id!r} in {self.root}; see the runs listed there")
        return JsonDirRun(folder)

    def close(self) -> None:
        for run_id in list(self._streams):
            self._close_streams(run_id)

    # -- recording hooks (DESIGN §2.2) ------------------------------------------------------

    @hookimpl
    def record_event(
        self, iteration: int, event_type: str, event_data: Mapping[str, Any], run: RunInfo
    ) -> None:
        event = {"event_type": event_type, "iteration": iteration, **event_data}
        self._append(run.run_id, EVENTS, event)

    @hookimpl
    def record_iteration(
        self,
        iteration: int,
        costs_per_agent: Mapping[str, int],
        accepted_changes: Mapping[str, bool],
        policies: Mapping[str, Any],
        run: RunInfo,
    ) -> None:
        self._append(
            run.run_id,
            ITERATIONS,
            {
                "iteration": iteration,
                "costs_per_agent": dict(costs_per_agent),
                "accepted_changes": dict(accepted_changes),
                "policies": dict(policies),
            },
        )
        self._update(run.run_id, num_iterations=iteration + 1)

    @hookimpl
    def set_final_result(
        self,
        final_cost: int,
        best_cost: int,
        converged: bool,
        convergence_reason: str,
        run: RunInfo,
    ) -> None:
        self._update(
            run.run_id,
            final_result={
                "final_cost": final_cost,
                "best_cost": best_cost,
                "converged": converged,
                "convergence_reason": convergence_reason,
            },
        )

    # -- files ------------------------------------------------------------------------------

    def _folder(self, run_id: str) -> Path:
        if not run_id or "/" in run_id or "\\" in run_id or run_id.startswith("."):
            raise StorageError(f"run id {run_id!r} cannot name a folder")
        return self.root / run_id

    def _append(self, run_id: str, name: str, record: Mapping[str, Any]) -> None:
        streams = self._streams.get(run_id)
        if streams is None:
            raise StorageError(
                f"run {run_id} was not created through this example-jsondir backend ({self.root})"
            )
        streams[name].write(json.dumps(record, allow_nan=False) + "\n")
        streams[name].flush()

    def _update(self, run_id: str, **changes: Any) -> None:
        data = read_json(self._folder(run_id) / RUN_FILE)
        data.update(changes, updated_at=_now())
        self._write_run(run_id, data)

    def _write_run(self, run_id: str, data: Mapping[str, Any]) -> None:
        target = self._folder(run_id) / RUN_FILE
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2, allow_nan=False), encoding="utf-8")
        os.replace(temporary, target)

    def _close_streams(self, run_id: str) -> None:
        for stream in self._streams.pop(run_id, {}).values():
            stream.close()
