"""Builders for the hostile-input tests: example configs in a scratch folder, the CLI in-process,
the events a stored run holds."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from cashloop.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FRACTION = "initial_liquidity_fraction"


def policy(fraction: float = 0.2, tree: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A valid rtgs policy (release everything unless ``tree`` says otherwise)."""
    return {
        "version": "2.0",
        "policy_id": "candidate",
        "parameters": {FRACTION: fraction},
        "payment_tree": dict(tree or {"type": "action", "node_id": "go", "action": "Release"}),
    }


def dividing_policy(right: Mapping[str, Any]) -> dict[str, Any]:
    """A policy whose tree computes ``amount / right`` (fails when ``right`` is 0)."""
    tree = {
        "type": "condition",
        "node_id": "ratio",
        "condition": {
            "op": ">",
            "left": {"compute": {"op": "/", "left": {"field": "amount"}, "right": dict(right)}},
            "right": {"value": 1},
        },
        "on_true": {"type": "action", "node_id": "pay", "action": "Release"},
        "on_false": {"type": "action", "node_id": "wait", "action": "Hold"},
    }
    return policy(0.0, tree)


def write_config(
    tmp_path: Path,
    *,
    example: str = "castro_exp1",
    answers: Sequence[Any] | Mapping[str, Sequence[Any]] | None = None,
    **changes: Any,
) -> Path:
    """An example config in ``tmp_path`` (scenarios copied beside it), silent, with the
    ``scripted`` proposer reading ``answers`` when given and ``changes`` merged over the top."""
    if not (tmp_path / "scenarios").exists():
        shutil.copytree(EXAMPLES / "scenarios", tmp_path / "scenarios")
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text("utf-8"))
    data["outputs"] = ["silent"]
    if answers is not None:
        script = tmp_path / "answers.json"
        script.write_text(json.dumps(answers), encoding="utf-8")
        data["llm"] = {"type": "scripted", "path": "answers.json", "max_retries": 1}
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(data.get(key), Mapping):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def cli(*args: str | Path) -> int:
    """``cashloop ARGS`` in this process; the exit code."""
    return main([str(a) for a in args])


def stored_events(db: Path, run_id: str | None = None) -> list[dict[str, Any]]:
    """Every event of the run (the latest run when ``run_id`` is None) in ``db``."""
    from cashloop.cli.common import open_storage
    from cashloop.persistence.location import StorageLocation

    storage = open_storage(StorageLocation.sqlite(db))
    try:
        if run_id is None:
            run_id = storage.list_runs()[0].run_id
        return list(storage.open_run(run_id).get_all_events())
    finally:
        storage.close()


def stored_runs(db: Path) -> list[Any]:
    """The runs stored in ``db``, newest first."""
    from cashloop.cli.common import open_storage
    from cashloop.persistence.location import StorageLocation

    storage = open_storage(StorageLocation.sqlite(db))
    try:
        return list(storage.list_runs())
    finally:
        storage.close()


def of_type(events: Sequence[Mapping[str, Any]], event_type: str) -> list[Mapping[str, Any]]:
    return [e for e in events if e["event_type"] == event_type]
