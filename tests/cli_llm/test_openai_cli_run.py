"""`cashloop run ... --llm openai:MODEL` against a loopback OpenAI-compatible server, end to end.

The CLI runs in a subprocess and talks to the stub over 127.0.0.1 with the real openai SDK.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cashloop.testing.llm_stub import LLMStubServer, StubReply

ROOT = Path(__file__).resolve().parents[2]
CASHLOOP = [sys.executable, "-m", "cashloop.cli.main"]
SECRET = "sk-test-NEVER-STORE-7f3a9c"
THINKING_ALOUD = "Let me think about liquidity first."


def _policy(fraction: float) -> str:
    return json.dumps(
        {
            "version": "2.0",
            "policy_id": f"fraction-{fraction}",
            "parameters": {"initial_liquidity_fraction": fraction},
            "payment_tree": {"type": "action", "node_id": "root", "action": "Release"},
        }
    )


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CASHLOOP, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _events(run_id: str, db: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    done = _cli("events", run_id, "--db", str(db), env=env)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "CASHLOOP_E2E_KEY": SECRET, "CASHLOOP_LOG_LEVEL": "debug"}


def test_run_against_an_openai_compatible_server_then_rerun_offline(
    llm_stub_server: LLMStubServer, tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "runs.db"
    llm_stub_server.enqueue(
        StubReply(
            text="Let me think about liquidity first.", prompt_tokens=40, completion_tokens=6
        ),
        StubReply(text=_policy(1.7), prompt_tokens=41, completion_tokens=30),
        StubReply(text=_policy(1.9), prompt_tokens=42, completion_tokens=30),
    )
    llm_stub_server.default_reply = StubReply(
        text=_policy(0.3), model="served-model-7", prompt_tokens=123, completion_tokens=45
    )
    run = _cli(
        "run",
        "examples/castro_exp2.yaml",
        "--llm",
        "openai:gpt-test",
        "--json",
        "--db",
        str(db),
        "--set",
        f"llm.base_url={llm_stub_server.openai_base_url}",
        "--set",
        "llm.api_key_env=CASHLOOP_E2E_KEY",
        "--set",
        "llm.max_retries=1",
        "--set",
        "evaluation.num_samples=3",
        "--set",
        "convergence.max_iterations=2",
        env=env,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["num_iterations"] == 2
    events = _events(result["run_id"], db, env)

    calls = [e for e in events if e["event_type"] == "llm_call"]
    served = [c for c in calls if c["outcome"] == "ok"]
    assert served and all(c["model"] == "served-model-7" for c in served)
    assert all((c["prompt_tokens"], c["completion_tokens"]) == (123, 45) for c in served)

    (malformed,) = [c for c in calls if c["outcome"] == "parse_error"]
    assert malformed["raw_response"] == THINKING_ALOUD
    retry = next(c for c in calls if c["agent_id"] == malformed["agent_id"] and c["attempt"] == 2)
    assert "No JSON object" in retry["user_prompt"]

    (rejected,) = [e for e in events if e["event_type"] == "policy_rejected"]
    assert rejected["rejection_reason"] == "constraint_violation"
    assert rejected["attempts"] == 2
    assert any(
        "initial_liquidity_fraction" in err and "maximum" in err
        for err in rejected["validation_errors"]
    )

    # The API key reached the server, but nothing cashloop stored, logged or printed.
    assert all(
        r.headers.get("authorization") == f"Bearer {SECRET}" for r in llm_stub_server.requests
    )
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("runs.db"))
    assert SECRET.encode() not in stored
    assert SECRET not in run.stdout + run.stderr
    assert SECRET not in json.dumps(events)

    # Offline re-execution answers from the record: no request reaches the server.
    asked = len(llm_stub_server.requests)
    rerun = _cli("rerun", result["run_id"], "--offline", "--json", "--db", str(db), env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert len(llm_stub_server.requests) == asked
    again = _events(json.loads(rerun.stdout)["run_id"], db, env)

    def comparable(evs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in e.items() if k != "run_id"} for e in evs]

    assert comparable(again) == comparable(events)
