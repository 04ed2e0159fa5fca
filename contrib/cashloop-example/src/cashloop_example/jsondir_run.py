"""Reading a stored ``example-jsondir`` run: a state provider and a ``list_runs`` row."""

from __future__ import annotations

import copy
import json
import os
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = ["EVENTS", "ITERATIONS", "RUN_FILE", "JsonDirRun", "RunRow", "read_json", "read_lines"]

RUN_FILE = "run.json"
EVENTS = "events.jsonl"
ITERATIONS = "iterations.jsonl"


def read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def read_lines(path: Path) -> list[dict[str, Any]]:
    """Complete lines only: a line cut by a crash (no final newline) is ignored."""
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n")[:-1] if line.strip()]


@attrs.frozen(kw_only=True)
class RunRow:
    """One row of ``list_runs`` (satisfies ``cashloop.plugin.RunSummary``)."""

    run_id: str
    experiment_name: str
    status: str
    created_at: str
    updated_at: str
    num_iterations: int
    final_cost: int | None
    converged: bool | None

    @classmethod
    def from_run_json(cls, data: Mapping[str, Any]) -> RunRow:
        final = data.get("final_result") or {}
        return cls(
            run_id=data["run_id"],
            experiment_name=data["experiment_name"],
            status=data["status"],
            created_at=data["created_at"],
            updated_at=data["updated_at"],
            num_iterations=int(data.get("num_iterations", 0)),
            final_cost=final.get("final_cost"),
            converged=final.get("converged"),
        )


class JsonDirRun:
    """A stored run read back (satisfies ``ExperimentStateProviderProtocol``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_experiment_info(self) -> dict[str, Any]:
        data = read_json(self.folder / RUN_FILE)
        data.pop("final_result", None)
        return data

    def get_total_iterations(self) -> int:
        return len(self._iterations())

    def get_iteration_costs(self, iteration: int) -> dict[str, int]:
        return dict(self._iteration(iteration).get("costs_per_agent", {}))

    def get_iteration_accepted_changes(self, iteration: int) -> dict[str, bool]:
        return dict(self._iteration(iteration).get("accepted_changes", {}))

    def get_iteration_policies(self, iteration: int) -> dict[str, Any]:
        return copy.deepcopy(dict(self._iteration(iteration).get("policies", {})))

    def get_all_events(self) -> Iterator[dict[str, Any]]:
        return iter(read_lines(self.folder / EVENTS))

    def is_being_written(self) -> bool:
        """``running`` and its writer process alive (one on another machine counts as alive)."""
        data = read_json(self.folder / RUN_FILE)
        if data.get("status") != "running":
            return False
        pid, host = data.get("writer_pid"), data.get("writer_host")
        if not isinstance(pid, int) or host != socket.gethostname():
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def get_final_result(self) -> dict[str, Any] | None:
        final = read_json(self.folder / RUN_FILE).get("final_result")
        return None if final is None else dict(final)

    def _iterations(self) -> dict[int, dict[str, Any]]:
        return {int(r["iteration"]): r for r in read_lines(self.folder / ITERATIONS)}

    def _iteration(self, iteration: int) -> dict[str, Any]:
        return self._iterations().get(iteration, {})
