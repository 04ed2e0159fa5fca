"""Pieces shared by the SDK backends: lazy SDK import, API key lookup, proposal building."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    import asyncio

from cashloop.errors import UserError
from cashloop.policy_json import PolicyParseError, parse_policy_json
from cashloop.types import PolicyProposal

__all__ = ["LOCAL_SERVER_KEY", "PerLoopSDK", "build_proposal", "import_sdk", "read_api_key"]

#: Sent to a local server (``base_url`` set) when no key is configured; such servers ignore it.
LOCAL_SERVER_KEY = "no-key-needed"


def import_sdk(backend: str, module: str) -> ModuleType:
    """Import a provider SDK on first use, so ``cashloop --help`` never pays for it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(
            f"the '{backend}' LLM backend needs the {module} package: "
            f"pip install 'cashloop[{module}]'"
        ) from None


def read_api_key(backend: str, env_name: str | None, base_url: str | None, default_env: str) -> str:
    """The key from the environment variable ``env_name``; never from config or arguments.

    With no ``env_name`` configured, the provider's own API reads ``default_env``; a custom
    ``base_url`` gets no key at all, so a provider key in the environment is never sent to a
    server it was not issued for (name the variable in ``llm.api_key_env`` when that server needs
    one). A local server may need no key, so a dummy key is sent when the variable is empty.
    """
    name = env_name or (None if base_url is not None else default_env)
    key = os.environ.get(name, "").strip() if name else ""
    if key:
        return key
    if base_url is not None:
        return LOCAL_SERVER_KEY
    raise UserError(
        f"the '{backend}' LLM backend needs an API key in the environment variable {name} "
        f"(named by llm.api_key_env); set it, or set llm.base_url for a local server"
    )


def build_proposal(
    text: str,
    *,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    latency_seconds: float,
    reasoning: str | None = None,
) -> PolicyProposal:
    """Parse ``text`` into a proposal.

    When it holds no policy, raise :class:`PolicyParseError` carrying the call's record (policy
    ``{}``), so the loop can log the call and retry with feedback.
    """
    record = PolicyProposal(
        policy={},
        raw_response=text,
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_seconds=latency_seconds,
        reasoning=reasoning,
    )
    try:
        policy = parse_policy_json(text)
    except PolicyParseError as err:
        raise PolicyParseError(str(err), proposal=record) from None
    return PolicyProposal(
        policy=policy,
        raw_response=text,
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_seconds=latency_seconds,
        reasoning=reasoning,
    )


class _Closable(Protocol):
    async def close(self) -> None: ...


_SDK = TypeVar("_SDK", bound=_Closable)


class PerLoopSDK(Generic[_SDK]):
    """The SDK client for the running event loop.

    An SDK client pools connections bound to the event loop that opened them, so a caller that
    drives one LLM client from several loops (``asyncio.run`` per call) gets a fresh SDK client
    per loop instead of "Event loop is closed" errors. The first client is built at once, so
    construction errors surface in the factory.
    """

    def __init__(self, build: Callable[[], _SDK]) -> None:
        self._build = build
        self._client = build()
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"PerLoopSDK({type(self._client).__name__})"

    def get(self) -> _SDK:
        import asyncio  # here, not at import: loading the plugin must stay cheap

        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            self._client, self._loop = self._build(), loop
        return self._client

    async def aclose(self) -> None:
        """Close the current SDK client's connections (from the loop that uses it)."""
        await self._client.close()
