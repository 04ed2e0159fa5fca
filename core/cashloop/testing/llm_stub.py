"""A loopback stub of the OpenAI and Anthropic HTTP APIs, so real SDK clients can be tested offline.

It serves ``POST /v1/chat/completions`` (OpenAI-compatible) and ``POST /v1/messages``
(Anthropic-compatible) on 127.0.0.1 and an ephemeral port, from a background thread. Replies come
from a queue of :class:`StubReply` (text, usage, model, delay, HTTP status and headers, or a raw
body), then :attr:`LLMStubServer.default_reply`; every request is recorded for assertions.

    def test_x(llm_stub_server):
        llm_stub_server.enqueue(StubReply(text='{"parameters": {}}', prompt_tokens=5))
        ... AsyncOpenAI(base_url=llm_stub_server.openai_base_url) ...
        assert llm_stub_server.requests[0].body["model"] == "gpt-x"
"""

from __future__ import annotations

import collections
import http.server
import json
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import pytest

__all__ = ["LLMStubServer", "StubReply", "StubRequest", "llm_stub_server"]

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
_MAX_BODY_BYTES = 8 * 1024 * 1024


@attrs.frozen(kw_only=True)
class StubReply:
    """One scripted reply. ``status`` != 200 sends a provider-style error (``error_message``);
    ``body`` replaces the whole response body (to send malformed JSON)."""

    text: str = '{"parameters": {}}'
    prompt_tokens: int = 11
    completion_tokens: int = 7
    model: str = "stub-model-001"
    delay_seconds: float = 0.0
    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes | None = None
    thinking: str | None = None
    error_message: str = "stub error"


@attrs.frozen(kw_only=True)
class StubRequest:
    """A request the stub received: path, lower-cased headers and the parsed JSON body."""

    path: str
    headers: Mapping[str, str]
    body: Any
    received_at: float


def _openai_body(reply: StubReply, number: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.thinking is not None:
        message["reasoning_content"] = reply.thinking
    return {
        "id": f"chatcmpl-stub-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


def _anthropic_body(reply: StubReply, number: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if reply.thinking is not None:
        content.append({"type": "thinking", "thinking": reply.thinking, "signature": "stub-sig"})
    content.append({"type": "text", "text": reply.text})
    return {
        "id": f"msg_stub_{number}",
        "type": "message",
        "role": "assistant",
        "model": reply.model,
        "content": content,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": reply.completion_tokens},
    }


def _error_body(path: str, status: int, message: str, param: str | None = None) -> dict[str, Any]:
    if path == ANTHROPIC_PATH:
        kind = "rate_limit_error" if status == 429 else "invalid_request_error"
        return {"type": "error", "error": {"type": kind, "message": message}}
    kind = "rate_limit_exceeded" if status == 429 else "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": param, "code": None}}


class LLMStubServer:
    """The stub; use as a context manager or through the ``llm_stub_server`` fixture.

    ``reject_json_schema`` / ``reject_json_object`` make the OpenAI endpoint answer 400 to those
    ``response_format`` types, as servers without structured output do (such rejections do not
    consume a queued reply).
    """

    def __init__(
        self,
        *,
        default_reply: StubReply | None = None,
        reject_json_schema: bool = False,
        reject_json_object: bool = False,
    ) -> None:
        self.default_reply = default_reply or StubReply()
        self.reject_json_schema = reject_json_schema
        self.reject_json_object = reject_json_object
        self._lock = threading.Lock()
        self._queue: collections.deque[StubReply] = collections.deque()
        self._requests: list[StubRequest] = []
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------------------
    def start(self) -> LLMStubServer:
        """Listen on 127.0.0.1 (an ephemeral port) and serve from a daemon thread."""
        if self._httpd is not None:
            return self
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> LLMStubServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def enqueue(self, *replies: StubReply) -> None:
        """Queue replies, served in order to whichever endpoint is called next."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the LLM stub server is not running")
        return int(self._httpd.server_address[1])

    @property
    def openai_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[StubRequest]:
        """Every request received so far, in order (rejected ones included)."""
        with self._lock:
            return list(self._requests)

    @property
    def pending(self) -> int:
        """How many queued replies are still unserved."""
        with self._lock:
            return len(self._queue)

    # -- serving (called from handler threads) --------------------------------------------------
    def _record(self, request: StubRequest) -> int:
        with self._lock:
            self._requests.append(request)
            return len(self._requests)

    def _next_reply(self) -> StubReply:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default_reply

    def _rejection(self, body: Any) -> str | None:
        response_format = body.get("response_format") if isinstance(body, dict) else None
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        if (kind == "json_schema" and self.reject_json_schema) or (
            kind == "json_object" and self.reject_json_object
        ):
            return f"response_format of type '{kind}' is not supported by this server"
        return None

    def _respond(self, path: str, body: Any, number: int) -> tuple[int, dict[str, str], bytes]:
        if path not in (OPENAI_PATH, ANTHROPIC_PATH):
            return 404, {}, json.dumps(_error_body(path, 404, f"no route {path}")).encode()
        if body is None:
            return 400, {}, json.dumps(_error_body(path, 400, "body is not JSON")).encode()
        rejection = self._rejection(body) if path == OPENAI_PATH else None
        if rejection is not None:
            error = _error_body(path, 400, rejection, param="response_format")
            return 400, {}, json.dumps(error).encode()
        reply = self._next_reply()
        if reply.delay_seconds > 0:
            time.sleep(reply.delay_seconds)
        if reply.body is not None:
            payload = reply.body
        elif reply.status != 200:
            payload = json.dumps(_error_body(path, reply.status, reply.error_message)).encode()
        elif path == OPENAI_PATH:
            payload = json.dumps(_openai_body(reply, number)).encode()
        else:
            payload = json.dumps(_anthropic_body(reply, number)).encode()
        return reply.status, dict(reply.headers), payload


def _handler_for(stub: LLMStubServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = min(int(self.headers.get("content-length") or 0), _MAX_BODY_BYTES)
            raw = self.rfile.read(length)
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = None
            path = self.path.split("?", 1)[0]
            headers = {k.lower(): v for k, v in self.headers.items()}
            number = stub._record(
                StubRequest(path=path, headers=headers, body=body, received_at=time.monotonic())
            )
            status, extra_headers, payload = stub._respond(path, body, number)
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: tests assert on ``stub.requests`` instead."""

    return Handler


@pytest.fixture
def llm_stub_server() -> Iterator[LLMStubServer]:
    """A running :class:`LLMStubServer`, stopped at teardown."""
    with LLMStubServer() as server:
        yield server
