"""A whole run with the ``openai`` backend against the stub: what the loop records comes from it."""

from __future__ import annotations

import json
import pathlib
import shutil
from typing import Any

import yaml

from cashloop.testing import arun_experiment
from cashloop.testing.llm_stub import LLMStubServer, StubReply

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"

POLICY = {
    "version": "2.0",
    "policy_id": "from_the_stub",
    "parameters": {"initial_liquidity_fraction": 0.2},
    "payment_tree": {"type": "action", "node_id": "release", "action": "Release"},
}


async def test_a_run_records_what_the_server_answered(
    llm_stub_server: LLMStubServer, tmp_path: pathlib.Path
) -> None:
    shutil.copytree(EXAMPLES / "scenarios", tmp_path / "scenarios")
    config: dict[str, Any] = yaml.safe_load((EXAMPLES / "castro_exp1.yaml").read_text())
    config["llm"] = {
        "type": "openai",
        "model": "gpt-stub",
        "base_url": llm_stub_server.openai_base_url,
        "api_key_env": "CASHLOOP_TEST_UNSET_KEY",
    }
    config["convergence"]["max_iterations"] = 1
    config["outputs"] = ["silent"]
    llm_stub_server.enqueue(StubReply(text="Let me think.", prompt_tokens=31, completion_tokens=3))
    llm_stub_server.default_reply = StubReply(
        text=json.dumps(POLICY), model="gpt-stub-0042", prompt_tokens=57, completion_tokens=21
    )

    result, provider = await arun_experiment(config, tmp_path)

    assert result.num_iterations == 1
    calls = [e for e in provider.get_all_events() if e["event_type"] == "llm_call"]
    # Agents are asked concurrently: whichever call reached the stub first got the bad answer.
    (malformed,) = [c for c in calls if c["raw_response"] == "Let me think."]
    assert malformed["model"] == "stub-model-001"
    assert (malformed["prompt_tokens"], malformed["completion_tokens"]) == (31, 3)
    assert malformed["error"]
    answered = [c for c in calls if c is not malformed]
    assert answered
    assert all(c["model"] == "gpt-stub-0042" for c in answered)
    assert all((c["prompt_tokens"], c["completion_tokens"]) == (57, 21) for c in answered)
    sent = [r.body["messages"] for r in llm_stub_server.requests]
    assert all([m["role"] for m in messages] == ["system", "user"] for messages in sent)
    assert {m[1]["content"] for m in sent} == {c["user_prompt"] for c in calls}
