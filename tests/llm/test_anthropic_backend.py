"""The ``anthropic`` backend, driven through the real SDK against the loopback stub."""

from __future__ import annotations

import asyncio
import os
import time

import anthropic
import pytest

from cashloop.policy_json import PolicyParseError
from cashloop.testing.llm_stub import LLMStubServer, StubReply
from cashloop.types import PolicyRequest
from cashloop_llm.anthropic_backend import AnthropicClient, create_anthropic_client
from cashloop_llm.options import AnthropicOptions


def _client(stub: LLMStubServer, key_env: str, **options: object) -> AnthropicClient:
    base = {"model": "claude-test", "base_url": stub.anthropic_base_url, "api_key_env": key_env}
    return create_anthropic_client(AnthropicOptions(**{**base, **options}))  # type: ignore[arg-type]


async def test_model_and_tokens_come_from_the_server(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(
        StubReply(
            text='{"parameters": {"x": 0.75}}',
            model="claude-test-20260101",
            prompt_tokens=321,
            completion_tokens=54,
        )
    )
    proposal = await _client(llm_stub_server, api_key).propose(policy_request)

    assert proposal.policy == {"parameters": {"x": 0.75}}
    assert proposal.raw_response == '{"parameters": {"x": 0.75}}'
    assert proposal.model == "claude-test-20260101"
    assert (proposal.prompt_tokens, proposal.completion_tokens) == (321, 54)
    assert proposal.latency_seconds > 0
    assert proposal.reasoning is None


async def test_sends_system_prompt_separately_and_the_options(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    await _client(llm_stub_server, api_key, temperature=0.2, max_tokens=900).propose(policy_request)

    (sent,) = llm_stub_server.requests
    assert sent.path == "/v1/messages"
    assert sent.body["model"] == "claude-test"
    assert sent.body["system"] == policy_request.system_prompt
    assert sent.body["messages"] == [{"role": "user", "content": policy_request.user_prompt}]
    assert sent.body["max_tokens"] == 900
    assert sent.body["temperature"] == 0.2
    assert "thinking" not in sent.body
    auth = f"{sent.headers.get('x-api-key', '')} {sent.headers.get('authorization', '')}"
    assert os.environ[api_key] in auth


async def test_thinking_budget_turns_on_thinking_and_keeps_its_text(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(
        StubReply(thinking="Delay costs dominate; commit more.", text='{"parameters": {"x": 0.9}}')
    )
    client = _client(llm_stub_server, api_key, thinking_budget=2048, max_tokens=8000)
    proposal = await client.propose(policy_request)

    assert llm_stub_server.requests[0].body["thinking"] == {
        "type": "enabled",
        "budget_tokens": 2048,
    }
    assert "temperature" not in llm_stub_server.requests[0].body
    assert proposal.reasoning == "Delay costs dominate; commit more."
    assert proposal.raw_response == '{"parameters": {"x": 0.9}}'  # thinking is not the answer
    assert proposal.policy == {"parameters": {"x": 0.9}}


async def test_malformed_answer_raises_parse_error_with_the_call(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(
        StubReply(text="No change needed.", thinking="hmm", prompt_tokens=40, completion_tokens=4)
    )
    client = _client(llm_stub_server, api_key, thinking_budget=1024)
    with pytest.raises(PolicyParseError) as caught:
        await client.propose(policy_request)

    proposal = caught.value.proposal
    assert proposal is not None
    assert proposal.policy == {}
    assert proposal.raw_response == "No change needed."
    assert (proposal.prompt_tokens, proposal.completion_tokens) == (40, 4)
    assert proposal.model == "stub-model-001"
    assert proposal.reasoning == "hmm"


async def test_429_is_retried_honouring_retry_after(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(
        StubReply(status=429, headers={"retry-after": "1"}),
        StubReply(text='{"parameters": {"y": 2}}'),
    )
    started = time.monotonic()
    proposal = await _client(llm_stub_server, api_key, http_retries=2).propose(policy_request)
    elapsed = time.monotonic() - started

    assert proposal.policy == {"parameters": {"y": 2}}
    first, second = llm_stub_server.requests
    assert second.received_at - first.received_at >= 0.95
    assert elapsed < 3.0


async def test_other_api_errors_propagate(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(StubReply(status=400, error_message="max_tokens too large"))
    with pytest.raises(anthropic.BadRequestError, match="max_tokens too large"):
        await _client(llm_stub_server, api_key).propose(policy_request)


async def test_timeout_comes_from_the_sdk(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(StubReply(delay_seconds=1.0))
    client = _client(llm_stub_server, api_key, timeout_seconds=0.2, http_retries=0)
    with pytest.raises(anthropic.APITimeoutError):
        await client.propose(policy_request)


def test_usable_from_several_event_loops(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    client = _client(llm_stub_server, api_key)
    for _ in range(2):
        assert asyncio.run(client.propose(policy_request)).policy == {"parameters": {}}
