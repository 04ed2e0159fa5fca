"""Logging goes to stderr as JSON off a TTY, carries the run id, and never shows local variables."""

from __future__ import annotations

import json

import pytest
import structlog

from cashloop.logging_setup import configure_logging


def test_json_logs_carry_the_run_id_and_hide_local_variables(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", json=True)
    structlog.contextvars.bind_contextvars(run_id="exp-20261122-000000-abcdef")
    try:
        api_key = "sk-must-not-appear"  # a local variable a traceback with locals would print
        try:
            raise ValueError(f"bad answer of length {len(api_key)}")
        except ValueError:
            structlog.get_logger("test").exception("proposal failed")
    finally:
        structlog.contextvars.unbind_contextvars("run_id")
        structlog.reset_defaults()
    captured = capsys.readouterr()
    assert captured.out == ""
    record = json.loads(captured.err.strip().splitlines()[-1])
    assert record["run_id"] == "exp-20261122-000000-abcdef"
    assert record["event"] == "proposal failed"
    assert "ValueError" in json.dumps(record["exception"])
    assert "sk-must-not-appear" not in captured.err


def test_level_filters_below_the_threshold(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("warning", json=True)
    try:
        structlog.get_logger("test").info("chatty")
        structlog.get_logger("test").warning("worth seeing")
    finally:
        structlog.reset_defaults()
    err = capsys.readouterr().err
    assert "chatty" not in err and "worth seeing" in err
