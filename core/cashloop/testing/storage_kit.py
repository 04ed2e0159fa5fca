"""The storage backend conformance kit: a pytest suite a backend's tests subclass.

    from cashloop.testing.storage_kit import StorageBackendConformance

    class TestMyBackend(StorageBackendConformance):
        @pytest.fixture
        def storage_url(self, tmp_path):
            return f"my-backend:root={tmp_path / 'runs'}"

Every test drives the real ``cashloop`` command in child processes against ``storage_url`` (any
form ``--storage`` takes): a run is stored, listed, shown, replayed with the live text, its
events stored in order; a run killed mid-iteration (``os._exit``, as ``kill -9``) and resumed
ends with the event log and result of an uninterrupted run; readers during a run only ever see
a growing prefix of the final log; failed and interrupted runs keep their reason; secrets never
reach the store. The runs use the kit's own evaluator and proposer
(:mod:`cashloop.testing.kit_plugin`), so they take a second or two each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pytest

__all__ = ["StorageBackendConformance", "kit_config"]

#: a pretend API key: a marker that must never be stored
SECRET: Final = "kit-secret-value-7f3a9c"
_SECRET_ENV: Final = "CASHLOOP_KIT_API_KEY"


def kit_config(**changes: Any) -> dict[str, Any]:
    """A 4-iteration experiment on the kit's components (``changes`` replace top-level keys)."""
    config: dict[str, Any] = {
        "name": "storage-kit",
        "master_seed": 11,
        "plugins": {"modules": ["cashloop.testing.kit_plugin"]},
        "evaluator": {"type": "kit-quadratic"},
        "optimized_agents": ["BANK_A", "BANK_B"],
        "evaluation": {"mode": "paired", "num_samples": 3},
        "convergence": {"max_iterations": 4, "stability_window": 8, "no_change_window": 8},
        "llm": {"type": "kit-proposer", "api_key_env": _SECRET_ENV},
        "policy_constraints": {
            "allowed_parameters": [
                {
                    "name": "initial_liquidity_fraction",
                    "param_type": "float",
                    "min_value": 0.0,
                    "max_value": 1.0,
                }
            ]
        },
        "validators": ["bounds"],
        "outputs": ["console"],
        "executor": {"type": "serial"},
    }
    config.update(changes)
    return config


def _cashloop(
    *args: str, env: Mapping[str, str] | None = None, check: int | None = 0
) -> subprocess.CompletedProcess[str]:
    """``cashloop ARGS`` in a child process; ``check``: the exit code it must end with."""
    command = [sys.executable, "-c", "import sys; from cashloop.cli.main import main; "
               "sys.exit(main())", *args]  # fmt: skip
    full_env = {**os.environ, _SECRET_ENV: SECRET, "COLUMNS": "200"}
    full_env.pop("CASHLOOP_KIT_STOP", None)
    full_env.update(env or {})
    done = subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=300)
    if check is not None:
        assert done.returncode == check, (args, done.returncode, done.stdout, done.stderr)
    return done


def _without_run_id(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "run_id"} for e in events]


class StorageBackendConformance:
    """Subclass it and define the ``storage_url`` fixture; every test must pass."""

    @pytest.fixture
    def storage_url(self, tmp_path: Path) -> str:
        raise NotImplementedError("define a storage_url fixture returning a --storage URL")

    @pytest.fixture
    def kit_dir(self, tmp_path: Path) -> Path:
        folder = tmp_path / "kit"
        folder.mkdir(exist_ok=True)
        return folder

    # -- helpers ------------------------------------------------------------------------------

    def write_config(self, kit_dir: Path, name: str = "kit.yaml", **changes: Any) -> Path:
        path = kit_dir / name
        path.write_text(json.dumps(kit_config(**changes)), encoding="utf-8")  # JSON is YAML
        return path

    def run(
        self, url: str, config: Path, *, env: Mapping[str, str] | None = None, check: int = 0
    ) -> tuple[str, subprocess.CompletedProcess[str]]:
        """Run ``config``; return the run id (from the ``stored in`` line) and the process."""
        done = _cashloop("run", str(config), "--storage", url, env=env, check=check)
        run_id = self.newest_run_id(url)
        return run_id, done

    def newest_run_id(self, url: str) -> str:
        rows = json.loads(_cashloop("runs", "--storage", url, "--json").stdout)
        assert rows, "no run is listed"
        return str(rows[0]["run_id"])

    def events(self, url: str, run_id: str) -> list[dict[str, Any]]:
        out = _cashloop("events", run_id, "--storage", url).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def listed(self, url: str, run_id: str) -> dict[str, Any]:
        rows = json.loads(_cashloop("runs", "--storage", url, "--json").stdout)
        (row,) = [r for r in rows if r["run_id"] == run_id]
        return dict(row)

    def info(self, url: str, run_id: str) -> dict[str, Any]:
        """``get_experiment_info()`` read through the backend, in this process."""
        storage = self.open(url)
        try:
            return dict(storage.open_run(run_id).get_experiment_info())
        finally:
            storage.close()

    def open(self, url: str) -> Any:
        from cashloop.host import PluginHost
        from cashloop.persistence.location import parse_storage_url
        from cashloop.runner.components import open_location

        return open_location(PluginHost.load(), parse_storage_url(url))

    # -- the contract -------------------------------------------------------------------------

    def test_a_run_is_stored_listed_and_shown(self, storage_url: str, kit_dir: Path) -> None:
        run_id, done = self.run(storage_url, self.write_config(kit_dir))
        assert f"run {run_id} stored in" in done.stderr
        row = self.listed(storage_url, run_id)
        assert row["status"] == "completed"
        assert row["num_iterations"] == 4
        assert isinstance(row["final_cost"], int)
        shown = _cashloop("show", run_id, "--storage", storage_url).stdout
        assert run_id in shown and "completed" in shown

    def test_replay_prints_the_live_text(self, storage_url: str, kit_dir: Path) -> None:
        run_id, done = self.run(storage_url, self.write_config(kit_dir))
        replayed = _cashloop("replay", run_id, "--storage", storage_url)
        assert replayed.stdout == done.stdout
        assert done.stdout.strip()

    def test_events_are_stored_in_order_as_emitted(self, storage_url: str, kit_dir: Path) -> None:
        live = kit_dir / "live.jsonl"
        outputs = ["console", {"type": "jsonl", "path": str(live)}]
        run_id, _ = self.run(storage_url, self.write_config(kit_dir, outputs=outputs))
        emitted = [json.loads(line) for line in live.read_text().splitlines()]
        assert self.events(storage_url, run_id) == emitted
        kinds = [e["event_type"] for e in emitted]
        assert kinds[0] == "experiment_start" and kinds[-1] == "experiment_end"

    @pytest.mark.parametrize("how", ["crash", "interrupt"])
    def test_a_run_stopped_mid_iteration_resumes_to_the_uninterrupted_result(
        self, storage_url: str, kit_dir: Path, how: str
    ) -> None:
        config = self.write_config(kit_dir)
        whole_id, _ = self.run(storage_url, config)
        stop = {"CASHLOOP_KIT_STOP": f"3:policy_change:{how}"}
        stopped_id, _ = self.run(storage_url, config, env=stop, check=9 if how == "crash" else 130)
        assert stopped_id != whole_id
        # a killed writer is shown interrupted, not running (the writer-liveness check)
        assert self.listed(storage_url, stopped_id)["status"] == "interrupted"
        if how == "interrupt":
            assert "interrupted" in self.info(storage_url, stopped_id)["failure_reason"]
        _cashloop("resume", stopped_id, "--storage", storage_url)
        whole = self.events(storage_url, whole_id)
        resumed = self.events(storage_url, stopped_id)
        assert _without_run_id(resumed) == _without_run_id(whole)
        assert (
            self.listed(storage_url, stopped_id)["final_cost"]
            == (self.listed(storage_url, whole_id)["final_cost"])
        )
        assert self.listed(storage_url, stopped_id)["status"] == "completed"

    def test_readers_during_a_run_see_a_growing_prefix(
        self, storage_url: str, kit_dir: Path
    ) -> None:
        config = self.write_config(
            kit_dir, convergence={"max_iterations": 12, "stability_window": 20}
        )
        command = [sys.executable, "-c", "import sys; from cashloop.cli.main import main; "
                   "sys.exit(main())", "run", str(config), "--storage", storage_url]  # fmt: skip
        env = {**os.environ, _SECRET_ENV: SECRET}
        env.pop("CASHLOOP_KIT_STOP", None)
        writer = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        snapshots: list[list[dict[str, Any]]] = []
        storage = self.open(storage_url)
        try:
            while writer.poll() is None:
                runs = storage.list_runs(1)
                if runs:
                    snapshots.append(list(storage.open_run(runs[0].run_id).get_all_events()))
                time.sleep(0.01)
            assert writer.wait() == 0
            run_id = storage.list_runs(1)[0].run_id
            final = list(storage.open_run(run_id).get_all_events())
        finally:
            storage.close()
        assert final[-1]["event_type"] == "experiment_end"
        for seen in snapshots:
            assert seen == final[: len(seen)]

    def test_a_failed_run_keeps_its_reason_and_its_last_llm_calls(
        self, storage_url: str, kit_dir: Path
    ) -> None:
        # iteration 3 proposes 0.6 for BANK_A; evaluating it fails the run
        config = self.write_config(kit_dir, evaluator={"type": "kit-quadratic", "fail_on": 0.6})
        run_id, _ = self.run(storage_url, config, check=1)
        info = self.info(storage_url, run_id)
        assert info["status"] == "failed"
        assert "kit evaluator told to fail" in info["failure_reason"]
        calls = info["failed_llm_calls"]
        assert [c["agent_id"] for c in calls] == ["BANK_A", "BANK_B"]
        assert sum(c["prompt_tokens"] + c["completion_tokens"] for c in calls) == 240
        shown = _cashloop("show", run_id, "--storage", storage_url).stdout
        assert "kit evaluator told to fail" in shown
        replayed = _cashloop("replay", run_id, "--storage", storage_url)
        assert "kit evaluator told to fail" in replayed.stderr

    def test_secrets_are_never_stored(self, storage_url: str, kit_dir: Path) -> None:
        run_id, done = self.run(storage_url, self.write_config(kit_dir))
        assert SECRET not in done.stdout + done.stderr
        stored = json.dumps(self.info(storage_url, run_id)) + json.dumps(
            self.events(storage_url, run_id)
        )
        assert SECRET not in stored
        assert _SECRET_ENV in stored  # the variable's name is kept, its value never
