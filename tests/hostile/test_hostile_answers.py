"""Hostile answers, through the ``scripted`` client and through a real SDK client against the
loopback server: each bad candidate is rejected with a reason the LLM can act on, the run
completes, and the database stays small."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cashloop.testing.llm_stub import LLMStubServer, StubReply
from hostile.hostile_helpers import cli, of_type, policy, stored_events, stored_runs, write_config

VALID = json.dumps(policy(0.3))
BIG_INTEGER = VALID.replace("0.3", "9" * 400)
LONE_SURROGATE = VALID.replace('"candidate"', '"cand\\ud800idate"')
NUL_IN_TEXT = VALID.replace('"candidate"', '"cand\x00idate"')
DEEP = '{"version": "2.0", "policy_id": "deep", "parameters": ' + "[" * 1000 + "]" * 1000 + "}"
RATHER_DEEP = DEEP.replace("[" * 1000 + "]" * 1000, "[" * 300 + "]" * 300)
NOT_FINITE = VALID.replace("0.3", "NaN")
HUGE = '{"version": "2.0", "policy_id": "huge", "description": "' + "x" * 20_000_000 + '"}'


def _hostile_run(tmp_path: Path, answers: list[str], **llm: Any) -> list[dict[str, Any]]:
    """Run castro_exp1 with one answer per iteration for BANK_A (no retries); its events."""
    config = write_config(
        tmp_path,
        answers={"BANK_A": answers, "BANK_B": [VALID]},
        convergence={"max_iterations": len(answers), "stability_window": 99},
    )
    if llm:
        text = config.read_text("utf-8").replace("max_retries: 1", "max_retries: 0")
        extra = "".join(f"\n  {k}: {v}" for k, v in llm.items())
        config.write_text(text.replace("max_retries: 0", "max_retries: 0" + extra), "utf-8")
    else:
        config.write_text(config.read_text("utf-8").replace("max_retries: 1", "max_retries: 0"))
    db = tmp_path / "runs.db"
    assert cli("run", config, "--db", db) == 0
    assert stored_runs(db)[0].status == "completed"
    return stored_events(db)


def _rejections(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in of_type(events, "policy_rejected") if e["agent_id"] == "BANK_A"]


def test_each_hostile_answer_is_rejected_with_its_reason_and_the_run_completes(
    tmp_path: Path,
) -> None:
    answers = [BIG_INTEGER, LONE_SURROGATE, NUL_IN_TEXT, RATHER_DEEP, NOT_FINITE, DEEP, HUGE]

    events = _hostile_run(tmp_path, answers)

    rejected = _rejections(events)
    reasons = [e["rejection_reason"] for e in rejected]
    assert reasons == [
        *["constraint_violation"] * 5,
        "parse_error",
        "answer_too_large",
    ]
    errors = [" ".join(e["validation_errors"]) for e in rejected]
    assert "64-bit" in errors[0]
    assert "lone surrogate" in errors[1]
    assert "NUL" in errors[2]
    assert "nested deeper than 200 levels" in errors[3]
    assert "finite number" in errors[4]
    assert "nested too deeply" in errors[5]
    assert "20,000,0" in errors[6] and "over the limit" in errors[6]
    assert all(len(e) < 2_000 for e in errors)


def test_an_oversized_answer_is_stored_truncated_with_its_size_and_hash(tmp_path: Path) -> None:
    events = _hostile_run(tmp_path, [HUGE, HUGE])

    calls = [c for c in of_type(events, "llm_call") if c["agent_id"] == "BANK_A"]
    assert all(c["outcome"] == "answer_too_large" for c in calls)
    assert all(c["answer_chars"] == len(HUGE) for c in calls)
    assert all(len(c["answer_sha256"]) == 64 for c in calls)
    assert all(len(c["raw_response"]) < 3_000 for c in calls)
    stored = sum(p.stat().st_size for p in tmp_path.glob("runs.db*"))
    assert stored < 2_000_000  # two 20 MB answers, a database of a few hundred kB


def test_thousands_of_unknown_parameters_feed_back_the_first_errors_and_a_count(
    tmp_path: Path,
) -> None:
    flooded = policy(0.3)
    flooded["parameters"].update({f"p{i}": 0.5 for i in range(100_000)})
    events = _hostile_run(
        tmp_path,
        [json.dumps(flooded)],
        max_answer_chars=10_000_000,
        max_policy_chars=10_000_000,
        max_feedback_errors=5,
    )

    (rejected,) = _rejections(events)
    assert rejected["rejection_reason"] == "constraint_violation"
    shown = rejected["validation_errors"]
    assert len(shown) == 6
    assert shown[-1].startswith("... and 99,995 more problems")
    assert "p0" in shown[0]


def test_hostile_answers_from_a_real_sdk_client_are_rejected_and_stored_safely(
    tmp_path: Path, llm_stub_server: LLMStubServer
) -> None:
    config = write_config(
        tmp_path,
        llm={
            "type": "openai",
            "model": "gpt-stub",
            "base_url": llm_stub_server.openai_base_url,
            "api_key_env": "CASHLOOP_TEST_UNSET_KEY",
            "max_retries": 0,
        },
        optimized_agents=["BANK_A"],
        convergence={"max_iterations": 4, "stability_window": 99},
    )
    # the server sends the lone surrogate as a JSON escape; the SDK decodes it into the text
    surrogate = VALID.replace('"candidate"', '"cand\ud800idate"')
    for text in (surrogate, NUL_IN_TEXT, BIG_INTEGER, DEEP):
        llm_stub_server.enqueue(StubReply(text=text))
    db = tmp_path / "runs.db"

    assert cli("run", config, "--db", db) == 0

    events = stored_events(db)
    reasons = [e["rejection_reason"] for e in _rejections(events)]
    assert reasons == [*["constraint_violation"] * 3, "parse_error"]
    calls = of_type(events, "llm_call")
    assert "\ufffd" in calls[0]["raw_response"]  # stored as valid UTF-8
    assert stored_runs(db)[0].status == "completed"
