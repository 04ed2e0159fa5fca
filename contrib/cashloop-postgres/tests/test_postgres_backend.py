"""The ``postgres`` backend beyond the kit: the Castro run, concurrent writers, LISTEN/NOTIFY,
migrations and passwords, against a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from cashloop_postgres.schema import SCHEMA_VERSION, schema_version

from cashloop.errors import ConfigError
from cashloop.host import PluginHost
from cashloop.persistence.location import parse_storage_url
from cashloop.runner.components import open_location

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
KIT_MODULE = "plugins.modules=[cashloop.testing.kit_plugin]"  # its hook can end the process


def cashloop(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "import sys; from cashloop.cli.main import main; "
               "sys.exit(main())", *args]  # fmt: skip
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300
    )


def open_backend(url: str):  # type: ignore[no-untyped-def]
    return open_location(PluginHost.load(), parse_storage_url(url))


def test_castro_exp1_runs_lists_replays_and_resumes_after_kill_9(pg_url: str) -> None:
    config = str(EXAMPLES / "castro_exp1.yaml")
    whole = cashloop("run", config, "--storage", pg_url)
    assert whole.returncode == 0, whole.stderr
    assert "stored in postgres postgresql://cashloop@127.0.0.1" in whole.stderr
    runs = json.loads(cashloop("runs", "--storage", pg_url, "--json").stdout)
    (row,) = runs
    assert row["status"] == "completed" and row["final_cost"] == 2000
    replay = cashloop("replay", row["run_id"], "--storage", pg_url)
    assert replay.stdout == whole.stdout
    # a second run, its process ended at once (os._exit, as kill -9) right after iteration 4's
    # first decision reached the database's writer
    killed = cashloop(
        *("run", config, "--storage", pg_url, "--set", KIT_MODULE),
        env={"CASHLOOP_KIT_STOP": "4:policy_change:crash"},
    )
    assert killed.returncode == 9
    killed_id = json.loads(cashloop("runs", "--storage", pg_url, "--json").stdout)[0]["run_id"]
    shown = cashloop("show", killed_id, "--storage", pg_url).stdout
    assert "status interrupted" in shown  # its writer's session is gone: not shown running
    resumed = cashloop("resume", killed_id, "--storage", pg_url)
    assert resumed.returncode == 0, resumed.stderr

    def events(run_id: str) -> list[dict[str, object]]:
        # the killed run's config also names the kit module, so its provenance hash differs
        out = cashloop("events", run_id, "--storage", pg_url).stdout
        return [
            {k: v for k, v in json.loads(line).items() if k not in ("run_id", "provenance")}
            for line in out.splitlines()
        ]

    assert events(killed_id) == events(row["run_id"])
    rows = {
        r["run_id"]: r for r in json.loads(cashloop("runs", "--storage", pg_url, "--json").stdout)
    }
    assert rows[killed_id]["final_cost"] == rows[row["run_id"]]["final_cost"] == 2000


def test_two_processes_write_the_same_database_at_once(pg_url: str, tmp_path: Path) -> None:
    config = tmp_path / "exp.yaml"
    text = (EXAMPLES / "castro_exp1.yaml").read_text()
    config.write_text(text.replace("scenarios/", f"{EXAMPLES}/scenarios/"))
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from cashloop.cli.main import main; sys.exit(main())",
                "run",
                str(config),
                "--storage",
                pg_url,
                "--seed",
                str(seed),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    runs = json.loads(cashloop("runs", "--storage", pg_url, "--json").stdout)
    assert len(runs) == 2 and {r["status"] for r in runs} == {"completed"}
    for run in runs:
        events = [
            json.loads(line)
            for line in cashloop("events", run["run_id"], "--storage", pg_url).stdout.splitlines()
        ]
        assert events[0]["event_type"] == "experiment_start"
        assert events[0]["run_id"] == run["run_id"]  # no event of the other run mixed in
        assert events[-1]["event_type"] == "experiment_end"
        assert sum(e["event_type"] == "iteration_complete" for e in events) == run["num_iterations"]


def test_a_reader_waiting_for_change_is_woken_by_the_writer_s_commit(pg_url: str) -> None:
    from cashloop.types import RunInfo

    writer = open_backend(pg_url)
    reader = open_backend(pg_url)
    run = RunInfo(run_id="notify-run", experiment_name="notify")
    writer.create_run(run, {"name": "notify"})
    follower = reader.open_run("notify-run")
    follower.wait_for_change(0.01)  # starts listening
    woken = threading.Event()

    def wait() -> None:
        follower.wait_for_change(60.0)
        woken.set()

    thread = threading.Thread(target=wait)
    thread.start()
    writer.record_event(0, "experiment_start", {"experiment_name": "notify"}, run)
    writer.record_iteration(0, {"A": 1}, {"A": False}, {"A": {}}, run)
    thread.join(timeout=60)
    assert woken.is_set()  # woken by the commit's NOTIFY, not by the 60 s timeout
    assert [e["event_type"] for e in follower.get_all_events()] == ["experiment_start"]
    assert follower.is_being_written()
    writer.set_status("notify-run", "interrupted")
    assert not follower.is_being_written()
    follower.close()
    writer.close()
    reader.close()


def test_a_fresh_database_is_migrated_once_and_a_newer_one_refused(pg_url: str) -> None:
    open_backend(pg_url).close()
    open_backend(pg_url).close()  # a second open finds the schema current
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        versions = [r[0] for r in conn.execute("SELECT version FROM cashloop_schema")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
        conn.execute("INSERT INTO cashloop_schema (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
    from cashloop.errors import UserError

    with pytest.raises(UserError, match="newer than this cashloop-postgres knows"):
        open_backend(pg_url)


def test_a_password_in_the_url_is_refused_so_it_is_never_stored(pg_url: str) -> None:
    secret_url = pg_url.replace("cashloop@", "cashloop:hunter2@")
    with pytest.raises(ConfigError, match="holds a password") as caught:
        open_backend(secret_url)
    assert "hunter2" not in str(caught.value)


def test_an_unreachable_server_is_a_clear_error(pg_server) -> None:  # type: ignore[no-untyped-def]
    done = cashloop("runs", "--storage", "postgresql://cashloop@127.0.0.1:1/none")
    assert done.returncode == 2
    assert "cannot connect to PostgreSQL at postgresql://cashloop@127.0.0.1:1/none" in done.stderr
    assert "Traceback" not in done.stderr
