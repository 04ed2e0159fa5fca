"""The ``openai`` backend, driven through the real SDK against the loopback stub."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable

import openai
import pytest

from cashloop.policy_json import PolicyParseError
from cashloop.testing.llm_stub import LLMStubServer, StubReply
from cashloop.types import PolicyRequest
from cashloop_llm.openai_backend import OpenAIClient, create_openai_client
from cashloop_llm.options import OpenAIOptions


def _client(stub: LLMStubServer, key_env: str, **options: object) -> OpenAIClient:
    base = {"model": "gpt-test", "base_url": stub.openai_base_url, "api_key_env": key_env}
    return create_openai_client(OpenAIOptions(**{**base, **options}))  # type: ignore[arg-type]


async def test_model_and_tokens_come_from_the_server(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(
        StubReply(
            text='Here: ```json\n{"parameters": {"x": 0.25}}\n```',
            model="gpt-test-2026-05-01",
            prompt_tokens=123,
            completion_tokens=45,
        )
    )
    proposal = await _client(llm_stub_server, api_key).propose(policy_request)

    assert proposal.policy == {"parameters": {"x": 0.25}}
    assert proposal.raw_response == 'Here: ```json\n{"parameters": {"x": 0.25}}\n```'
    assert proposal.model == "gpt-test-2026-05-01"
    assert (proposal.prompt_tokens, proposal.completion_tokens) == (123, 45)
    assert proposal.latency_seconds > 0
    assert proposal.reasoning is None


async def test_sends_system_and_user_prompt_and_options(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    client = _client(
        llm_stub_server, api_key, temperature=0.3, max_tokens=500, reasoning_effort="low"
    )
    await client.propose(policy_request)

    (sent,) = llm_stub_server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == "gpt-test"
    assert sent.body["messages"] == [
        {"role": "system", "content": policy_request.system_prompt},
        {"role": "user", "content": policy_request.user_prompt},
    ]
    assert sent.body["temperature"] == 0.3
    assert sent.body["max_tokens"] == 500  # base_url set: the key local servers understand
    assert sent.body["reasoning_effort"] == "low"
    assert sent.body["response_format"]["type"] == "json_schema"
    schema = sent.body["response_format"]["json_schema"]["schema"]
    assert schema == {"type": "object", "additionalProperties": True}


async def test_unset_options_are_not_sent(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    await _client(llm_stub_server, api_key).propose(policy_request)
    body = llm_stub_server.requests[0].body
    for key in ("temperature", "max_tokens", "max_completion_tokens", "reasoning_effort"):
        assert key not in body


async def test_falls_back_json_schema_then_json_object_then_text_and_remembers(
    llm_stub_server: LLMStubServer, api_key: str, make_request: Callable[..., PolicyRequest]
) -> None:
    llm_stub_server.reject_json_schema = True
    llm_stub_server.reject_json_object = True
    client = _client(llm_stub_server, api_key)

    first = await client.propose(make_request("BANK_A"))
    formats = [r.body.get("response_format") for r in llm_stub_server.requests]
    assert [f["type"] if f else None for f in formats] == ["json_schema", "json_object", None]
    assert first.policy == {"parameters": {}}
    assert client.response_mode == "text"

    await client.propose(make_request("BANK_B"))
    assert len(llm_stub_server.requests) == 4  # the working mode is used at once
    assert "response_format" not in llm_stub_server.requests[-1].body


async def test_falls_back_only_as_far_as_needed(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.reject_json_schema = True
    client = _client(llm_stub_server, api_key)
    await client.propose(policy_request)
    await client.propose(policy_request)

    kinds = [r.body["response_format"]["type"] for r in llm_stub_server.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert client.response_mode == "json_object"


async def test_explicit_response_format_does_not_fall_back(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.reject_json_schema = True
    client = _client(llm_stub_server, api_key, response_format="json_schema")
    with pytest.raises(openai.BadRequestError):
        await client.propose(policy_request)
    assert len(llm_stub_server.requests) == 1


async def test_text_mode_sends_no_response_format(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    await _client(llm_stub_server, api_key, response_format="text").propose(policy_request)
    assert "response_format" not in llm_stub_server.requests[0].body


async def test_other_bad_requests_propagate_without_fallback(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(StubReply(status=400, error_message="model 'gpt-test' not found"))
    client = _client(llm_stub_server, api_key)
    with pytest.raises(openai.BadRequestError, match="not found"):
        await client.propose(policy_request)
    assert client.response_mode == "json_schema"


async def test_429_is_retried_honouring_retry_after(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(
        StubReply(status=429, headers={"retry-after": "1"}, error_message="slow down"),
        StubReply(text='{"parameters": {"y": 1}}'),
    )
    started = time.monotonic()
    proposal = await _client(llm_stub_server, api_key, http_retries=2).propose(policy_request)
    elapsed = time.monotonic() - started

    assert proposal.policy == {"parameters": {"y": 1}}
    first, second = llm_stub_server.requests
    assert second.received_at - first.received_at >= 0.95  # the server-given wait, not jitter
    assert elapsed < 3.0
    assert second.headers["x-stainless-retry-count"] == "1"


async def test_5xx_exhausting_retries_propagates(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(
        *[StubReply(status=503, headers={"retry-after-ms": "10"}) for _ in range(3)]
    )
    with pytest.raises(openai.InternalServerError):
        await _client(llm_stub_server, api_key, http_retries=1).propose(policy_request)
    assert len(llm_stub_server.requests) == 2  # the call and one retry


async def test_timeout_comes_from_the_sdk(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(StubReply(delay_seconds=1.0))
    client = _client(llm_stub_server, api_key, timeout_seconds=0.2, http_retries=0)
    with pytest.raises(openai.APITimeoutError):
        await client.propose(policy_request)


async def test_malformed_answer_raises_parse_error_with_the_call(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(
        StubReply(text="I would raise liquidity a bit.", prompt_tokens=90, completion_tokens=8)
    )
    with pytest.raises(PolicyParseError) as caught:
        await _client(llm_stub_server, api_key).propose(policy_request)

    proposal = caught.value.proposal
    assert proposal is not None
    assert proposal.policy == {}
    assert proposal.raw_response == "I would raise liquidity a bit."
    assert (proposal.prompt_tokens, proposal.completion_tokens) == (90, 8)
    assert proposal.model == "stub-model-001"
    assert proposal.latency_seconds > 0
    assert "JSON object" in str(caught.value)


async def test_malformed_http_body_propagates_as_an_sdk_error(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(StubReply(body=b'{"choices": [ oops'))
    with pytest.raises(ValueError) as caught:  # the SDK's JSONDecodeError: an llm_error
        await _client(llm_stub_server, api_key, http_retries=0).propose(policy_request)
    assert not isinstance(caught.value, PolicyParseError)


async def test_reasoning_from_compatible_servers_is_kept(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    llm_stub_server.enqueue(StubReply(thinking="Costs rose, so hold less."))
    proposal = await _client(llm_stub_server, api_key).propose(policy_request)
    assert proposal.reasoning == "Costs rose, so hold less."


async def test_local_server_needs_no_key(
    llm_stub_server: LLMStubServer,
    monkeypatch: pytest.MonkeyPatch,
    policy_request: PolicyRequest,
) -> None:
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    client = _client(llm_stub_server, "NO_SUCH_KEY_VAR")
    proposal = await client.propose(policy_request)
    assert proposal.policy == {"parameters": {}}
    assert llm_stub_server.requests[0].headers["authorization"].startswith("Bearer ")


async def test_sends_the_key_from_the_named_variable(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    await _client(llm_stub_server, api_key).propose(policy_request)
    assert llm_stub_server.requests[0].headers["authorization"] == f"Bearer {os.environ[api_key]}"


async def test_official_endpoint_gets_max_completion_tokens(
    llm_stub_server: LLMStubServer,
    api_key: str,
    monkeypatch: pytest.MonkeyPatch,
    policy_request: PolicyRequest,
) -> None:
    # No llm.base_url: the SDK's own OPENAI_BASE_URL stands in for api.openai.com.
    monkeypatch.setenv("OPENAI_BASE_URL", llm_stub_server.openai_base_url)
    options = OpenAIOptions(model="o-test", max_tokens=300, api_key_env=api_key)
    await create_openai_client(options).propose(policy_request)
    body = llm_stub_server.requests[0].body
    assert body["max_completion_tokens"] == 300
    assert "max_tokens" not in body


async def test_proposals_for_several_agents_overlap(
    llm_stub_server: LLMStubServer, api_key: str, make_request: Callable[..., PolicyRequest]
) -> None:
    llm_stub_server.default_reply = StubReply(delay_seconds=0.4)
    client = _client(llm_stub_server, api_key)
    started = time.monotonic()
    await asyncio.gather(*(client.propose(make_request(a)) for a in ("A", "B", "C")))
    assert time.monotonic() - started < 1.0  # not 3 x 0.4 s
    await client.aclose()


def test_usable_from_several_event_loops(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    client = _client(llm_stub_server, api_key)
    for _ in range(2):
        proposal = asyncio.run(client.propose(policy_request))
        assert proposal.policy == {"parameters": {}}
    assert len(llm_stub_server.requests) == 2


async def test_a_refusal_is_recorded_as_the_raw_response(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-test-x",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": None, "refusal": "I can't help."},
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }
    llm_stub_server.enqueue(StubReply(body=json.dumps(body).encode()))
    with pytest.raises(PolicyParseError) as caught:
        await _client(llm_stub_server, api_key).propose(policy_request)
    assert caught.value.proposal is not None
    assert caught.value.proposal.raw_response == "I can't help."
    assert caught.value.proposal.model == "gpt-test-x"
