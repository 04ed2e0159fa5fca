"""A provider that cannot be reached, or refuses the key on every call, is a failed run: exit
code 1, the provider's error on the terminal, status ``failed`` and the reason in ``show``."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cashloop.testing.llm_stub import LLMStubServer, StubReply
from hostile.hostile_helpers import cli, of_type, stored_events, stored_runs, write_config


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _openai_config(tmp_path: Path, base_url: str) -> Path:
    return write_config(
        tmp_path,
        llm={
            "type": "openai",
            "model": "gpt-stub",
            "base_url": base_url,
            "api_key_env": "CASHLOOP_TEST_UNSET_KEY",
            "http_retries": 0,
        },
        convergence={"max_iterations": 10},
    )


def test_an_unreachable_provider_fails_the_run_with_llm_unavailable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _openai_config(tmp_path, f"http://127.0.0.1:{_closed_port()}/v1")
    db = tmp_path / "runs.db"

    assert cli("run", config, "--db", db) == 1

    err = capsys.readouterr().err
    assert "failed (llm_unavailable)" in err
    assert "Connection error" in err
    (run,) = stored_runs(db)
    assert (run.status, run.convergence_reason) == ("failed", "llm_unavailable")
    assert run.num_iterations == 1  # stopped after three failures in a row, not ten iterations
    end = of_type(stored_events(db), "experiment_end")[0]
    assert (end["converged"], end["convergence_reason"]) == (False, "llm_unavailable")
    assert cli("show", run.run_id, "--db", db) == 0
    assert "llm_unavailable" in capsys.readouterr().out


def test_a_refused_key_fails_the_run_with_llm_auth_failed(
    tmp_path: Path, llm_stub_server: LLMStubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_stub_server.default_reply = StubReply(status=401, error_message="Incorrect API key")
    config = _openai_config(tmp_path, llm_stub_server.openai_base_url)
    db = tmp_path / "runs.db"

    assert cli("run", config, "--db", db) == 1

    err = capsys.readouterr().err
    assert "failed (llm_auth_failed)" in err and "Incorrect API key" in err
    (run,) = stored_runs(db)
    assert (run.status, run.convergence_reason) == ("failed", "llm_auth_failed")
    calls = of_type(stored_events(db), "llm_call")
    assert {c["provider_error"] for c in calls} == {"auth"}
    assert len(calls) <= 4  # a refused key is not retried
    assert cli("show", run.run_id, "--db", db) == 0
    assert "llm_auth_failed" in capsys.readouterr().out


def test_a_provider_that_answers_once_keeps_the_run_going(
    tmp_path: Path, llm_stub_server: LLMStubServer
) -> None:
    llm_stub_server.enqueue(StubReply(status=503), StubReply(status=503))
    config = _openai_config(tmp_path, llm_stub_server.openai_base_url)
    db = tmp_path / "runs.db"

    assert cli("run", config, "--db", db) == 0
    assert stored_runs(db)[0].status == "completed"
