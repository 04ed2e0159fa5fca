"""The ``example-jsondir`` storage backend: one directory per run.

``<root>/<run_id>/run.json`` holds the run's identity, config snapshot, status, writer process,
failure and final result (replaced atomically); ``events.jsonl`` and ``iterations.jsonl`` are
appended and flushed as the recording hooks arrive, so a crash loses at most the line being
written. Events of an iteration that a crash cut short stay in ``events.jsonl`` until the run is
resumed: the core then passes how many events to keep, and ``resume_run`` cuts the files there.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import attrs

from cashloop.plugin import ITERATION_COMPLETE, RunInfo, StorageError, UserError, hookimpl
from cashloop_example.jsondir_run import (
    EVENTS,
    ITERATIONS,
    RUN_FILE,
    JsonDirRun,
    RunRow,
    read_json,
    read_lines,
)

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
                "writer_pid": os.getpid(),
                "writer_host": socket.gethostname(),
            },
        )
        self._open_streams(run.run_id)

    def resume_run(self, run_id: str, committed_events: int) -> None:
        """Take over an unfinished run, keeping its first ``committed_events`` events (the core
        counts them up to the last completed iteration) and the iteration records they
        complete; what a crash left of the iteration in flight is cut off."""
        folder = self.open_run(run_id).folder
        data = read_json(folder / RUN_FILE)
        if data.get("final_result") is not None:
            raise UserError(f"run {run_id} in {self.root} has completed; nothing to resume")
        events = read_lines(folder / EVENTS)[:committed_events]
        completed = sum(1 for e in events if e["event_type"] == ITERATION_COMPLETE)
        records = [r for r in read_lines(folder / ITERATIONS) if int(r["iteration"]) < completed]
        for name, lines in ((EVENTS, events), (ITERATIONS, records)):
            text = "".join(json.dumps(line, allow_nan=False) + "\n" for line in lines)
            _replace_text(folder / name, text)
        self._update(
            run_id,
            status="running",
            num_iterations=completed,
            failure_reason=None,
            failed_llm_calls=None,
            writer_pid=os.getpid(),
            writer_host=socket.gethostname(),
        )
        self._open_streams(run_id)

    def record_failure(
        self, run_id: str, reason: str, llm_calls: Sequence[Mapping[str, Any]]
    ) -> None:
        """Keep why the run stopped and the LLM calls of the iteration it stopped in."""
        self._update(run_id, failure_reason=reason, failed_llm_calls=[dict(c) for c in llm_calls])

    def set_status(self, run_id: str, status: str) -> None:
        self._close_streams(run_id)
        data = read_json(self._folder(run_id) / RUN_FILE)
        if data.get("final_result") is not None:
            status = "completed"  # a run whose result is stored stays completed
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
        _replace_text(self._folder(run_id) / RUN_FILE, json.dumps(data, indent=2, allow_nan=False))

    def _open_streams(self, run_id: str) -> None:
        folder = self._folder(run_id)
        self._streams[run_id] = {
            name: (folder / name).open("a", encoding="utf-8") for name in (EVENTS, ITERATIONS)
        }

    def _close_streams(self, run_id: str) -> None:
        for stream in self._streams.pop(run_id, {}).values():
            stream.close()


def _replace_text(target: Path, text: str) -> None:
    """Write ``target`` whole or not at all (a temporary file renamed over it)."""
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)
