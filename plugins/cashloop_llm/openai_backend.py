"""The ``openai`` backend: Chat Completions through the official SDK.

Chat Completions is the endpoint local servers (Ollama, vLLM, LM Studio) implement, so one client
reaches them all through ``base_url``. Structured output is asked for as strictly as the server
allows: a JSON schema, else JSON mode, else plain text; the first mode the server accepts is
remembered for the client's lifetime.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from cashloop.types import PolicyProposal, PolicyRequest
from cashloop_llm.common import PerLoopSDK, build_proposal, import_sdk, read_api_key
from cashloop_llm.options import OpenAIOptions, check_openai

if TYPE_CHECKING:
    from openai import APIStatusError, AsyncOpenAI
    from openai.types.chat import ChatCompletion

__all__ = ["FALLBACK_ORDER", "OpenAIClient", "create_openai_client"]

#: Modes tried in order when ``response_format`` is ``auto``.
FALLBACK_ORDER = ("json_schema", "json_object", "text")

#: Accepts any JSON object: the policy's shape is checked by validators, not by the server.
_POLICY_SCHEMA: dict[str, Any] = {
    "name": "policy",
    "description": "The complete proposed policy as one JSON object.",
    "schema": {"type": "object", "additionalProperties": True},
    "strict": False,
}


def _response_format(mode: str) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": _POLICY_SCHEMA}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def _rejects_format(err: APIStatusError) -> bool:
    """Whether a 400/422 says the server does not support the requested ``response_format``."""
    text = f"{err.message} {err.body!r}".lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object"))


class OpenAIClient:
    """An :class:`cashloop.plugin.LLMClient` on ``AsyncOpenAI``; holds no key in its repr."""

    def __init__(self, options: OpenAIOptions, sdk: PerLoopSDK[AsyncOpenAI]) -> None:
        self.options = options
        self._sdk = sdk
        auto = options.response_format == "auto"
        self._mode = FALLBACK_ORDER[0] if auto else options.response_format
        self._can_fall_back = auto

    @property
    def response_mode(self) -> str:
        """The structured-output mode the next call uses."""
        return self._mode

    def __repr__(self) -> str:
        where = self.options.base_url or "api.openai.com"
        return f"OpenAIClient(model={self.options.model!r}, at={where!r}, mode={self._mode!r})"

    def _arguments(self, request: PolicyRequest, mode: str) -> dict[str, Any]:
        options = self.options
        arguments: dict[str, Any] = {
            "model": options.model,
            "messages": [
                {"role": "system", "content": request.system_prompt},
                {"role": "user", "content": request.user_prompt},
            ],
        }
        response_format = _response_format(mode)
        if response_format is not None:
            arguments["response_format"] = response_format
        if options.temperature is not None:
            arguments["temperature"] = options.temperature
        if options.max_tokens is not None:
            # OpenAI's reasoning models only take max_completion_tokens; local servers know
            # max_tokens.
            key = "max_tokens" if options.base_url else "max_completion_tokens"
            arguments[key] = options.max_tokens
        if options.reasoning_effort is not None:
            arguments["reasoning_effort"] = options.reasoning_effort
        return arguments

    async def _complete(self, request: PolicyRequest) -> ChatCompletion:
        openai = import_sdk("openai", "openai")
        while True:
            mode = self._mode
            try:
                completion: ChatCompletion = await self._sdk.get().chat.completions.create(
                    **self._arguments(request, mode)
                )
                return completion
            except (openai.BadRequestError, openai.UnprocessableEntityError) as err:
                if not (self._can_fall_back and mode != "text" and _rejects_format(err)):
                    raise
                if self._mode == mode:  # a concurrent call may have moved on already
                    self._mode = FALLBACK_ORDER[FALLBACK_ORDER.index(mode) + 1]

    async def aclose(self) -> None:
        """Close the HTTP connections; call it from the event loop that made the calls."""
        await self._sdk.aclose()

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        """Ask the model for a policy; raise ``PolicyParseError`` (with the call) if none came."""
        started = time.perf_counter()
        completion = await self._complete(request)
        latency = time.perf_counter() - started
        message = completion.choices[0].message if completion.choices else None
        # A refusal is recorded as the raw response; it holds no policy, so the loop retries.
        text = (message.content or message.refusal or "") if message else ""
        usage = completion.usage
        return build_proposal(
            text,
            model=completion.model or self.options.model,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            latency_seconds=latency,
            reasoning=_reasoning_text(message),
        )


def _reasoning_text(message: Any) -> str | None:
    """Reasoning some OpenAI-compatible servers return beside the answer (vLLM, Ollama)."""
    extra = getattr(message, "model_extra", None) or {}
    for key in ("reasoning_content", "reasoning"):
        value = extra.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def create_openai_client(options: OpenAIOptions) -> OpenAIClient:
    """Factory of the ``openai`` spec: check options, read the key, build the SDK client."""
    check_openai(options)
    openai = import_sdk("openai", "openai")
    key = read_api_key("openai", options.api_key_env, options.base_url, "OPENAI_API_KEY")

    def build() -> AsyncOpenAI:
        return openai.AsyncOpenAI(  # type: ignore[no-any-return]
            api_key=key,
            base_url=options.base_url,
            timeout=options.timeout_seconds,
            max_retries=options.http_retries,
        )

    return OpenAIClient(options, PerLoopSDK(build))
