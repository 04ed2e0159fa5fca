"""The ``anthropic`` backend: the Messages API through the official SDK.

With ``thinking_budget`` set, extended thinking is turned on and the model's thinking text is
kept as the proposal's ``reasoning``, so a run records why a policy was proposed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from cashloop.types import PolicyProposal, PolicyRequest
from cashloop_llm.common import PerLoopSDK, build_proposal, import_sdk, read_api_key
from cashloop_llm.options import AnthropicOptions, check_anthropic

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic
    from anthropic.types import Message

__all__ = ["AnthropicClient", "create_anthropic_client"]


class AnthropicClient:
    """An :class:`cashloop.plugin.LLMClient` on ``AsyncAnthropic``; holds no key in its repr."""

    def __init__(self, options: AnthropicOptions, sdk: PerLoopSDK[AsyncAnthropic]) -> None:
        self.options = options
        self._sdk = sdk

    def __repr__(self) -> str:
        where = self.options.base_url or "api.anthropic.com"
        thinking = self.options.thinking_budget
        return f"AnthropicClient(model={self.options.model!r}, at={where!r}, thinking={thinking!r})"

    def _arguments(self, request: PolicyRequest) -> dict[str, Any]:
        options = self.options
        arguments: dict[str, Any] = {
            "model": options.model,
            "max_tokens": options.max_tokens,
            "system": request.system_prompt,
            "messages": [{"role": "user", "content": request.user_prompt}],
        }
        if options.thinking_budget is not None:
            arguments["thinking"] = {"type": "enabled", "budget_tokens": options.thinking_budget}
        if options.temperature is not None:
            # The SDK's signature no longer lists temperature; the API still takes it.
            arguments["extra_body"] = {"temperature": options.temperature}
        return arguments

    async def aclose(self) -> None:
        """Close the HTTP connections; call it from the event loop that made the calls."""
        await self._sdk.aclose()

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        """Ask the model for a policy; raise ``PolicyParseError`` (with the call) if none came."""
        started = time.perf_counter()
        message: Message = await self._sdk.get().messages.create(**self._arguments(request))
        latency = time.perf_counter() - started
        texts: list[str] = []
        thoughts: list[str] = []
        for block in message.content:
            if block.type == "text":
                texts.append(block.text)
            elif block.type == "thinking":
                thoughts.append(block.thinking)
        usage = message.usage
        return build_proposal(
            "".join(texts),
            model=message.model or self.options.model,
            prompt_tokens=usage.input_tokens if usage else 0,
            completion_tokens=usage.output_tokens if usage else 0,
            latency_seconds=latency,
            reasoning="\n\n".join(thoughts) if thoughts else None,
        )


def create_anthropic_client(options: AnthropicOptions) -> AnthropicClient:
    """Factory of the ``anthropic`` spec: check options, read the key, build the SDK client."""
    check_anthropic(options)
    anthropic = import_sdk("anthropic", "anthropic")
    key = read_api_key("anthropic", options.api_key_env, options.base_url, "ANTHROPIC_API_KEY")

    def build() -> AsyncAnthropic:
        return anthropic.AsyncAnthropic(  # type: ignore[no-any-return]
            api_key=key,
            base_url=options.base_url,
            timeout=options.timeout_seconds,
            max_retries=options.http_retries,
        )

    return AnthropicClient(options, PerLoopSDK(build))
