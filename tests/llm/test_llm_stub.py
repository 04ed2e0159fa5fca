"""The loopback LLM stub itself: loopback only, routes, queue, records, teardown."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

import pytest

from cashloop.testing.llm_stub import LLMStubServer, StubReply


def _post(url: str, body: object, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_serves_loopback_on_an_ephemeral_port(llm_stub_server: LLMStubServer) -> None:
    assert llm_stub_server.openai_base_url == f"http://127.0.0.1:{llm_stub_server.port}/v1"
    assert llm_stub_server.anthropic_base_url == f"http://127.0.0.1:{llm_stub_server.port}"
    assert llm_stub_server.port > 0


def test_replies_in_queue_order_then_the_default(llm_stub_server: LLMStubServer) -> None:
    llm_stub_server.enqueue(StubReply(text="first", model="m1"), StubReply(text="second"))
    url = f"{llm_stub_server.openai_base_url}/chat/completions"
    texts = [_post(url, {"model": "x"})[1]["choices"][0]["message"]["content"] for _ in range(3)]
    assert texts == ["first", "second", llm_stub_server.default_reply.text]
    assert llm_stub_server.pending == 0


def test_records_bodies_and_lower_cased_headers(llm_stub_server: LLMStubServer) -> None:
    _post(
        f"{llm_stub_server.anthropic_base_url}/v1/messages",
        {"model": "c", "messages": []},
        {"X-Api-Key": "k"},
    )
    (request,) = llm_stub_server.requests
    assert request.path == "/v1/messages"
    assert request.body == {"model": "c", "messages": []}
    assert request.headers["x-api-key"] == "k"


def test_error_replies_carry_status_and_headers(llm_stub_server: LLMStubServer) -> None:
    llm_stub_server.enqueue(StubReply(status=429, headers={"retry-after": "3"}))
    url = f"{llm_stub_server.anthropic_base_url}/v1/messages"
    request = urllib.request.Request(url, data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 429
    assert caught.value.headers["retry-after"] == "3"
    assert json.loads(caught.value.read())["error"]["type"] == "rate_limit_error"


def test_rejects_json_schema_when_configured_without_consuming_the_queue(
    llm_stub_server: LLMStubServer,
) -> None:
    llm_stub_server.reject_json_schema = True
    llm_stub_server.enqueue(StubReply(text="kept"))
    url = f"{llm_stub_server.openai_base_url}/chat/completions"
    status, body = _post(url, {"model": "x", "response_format": {"type": "json_schema"}})
    assert status == 400
    assert body["error"]["param"] == "response_format"
    assert llm_stub_server.pending == 1
    status, body = _post(url, {"model": "x", "response_format": {"type": "json_object"}})
    assert (status, body["choices"][0]["message"]["content"]) == (200, "kept")


def test_unknown_route_is_404(llm_stub_server: LLMStubServer) -> None:
    status, _ = _post(f"{llm_stub_server.openai_base_url}/embeddings", {})
    assert status == 404


def test_stop_releases_the_port() -> None:
    with LLMStubServer() as server:
        port = server.port
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.port
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
