"""Pieces shared by the SDK backends: lazy SDK import, API key lookup, proposal building."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from cashloop.errors import UserError
from cashloop.policy_json import PolicyParseError, parse_policy_json
from cashloop.types import PolicyProposal

__all__ = ["LOCAL_SERVER_KEY", "build_proposal", "import_sdk", "read_api_key"]

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


def read_api_key(backend: str, env_name: str, base_url: str | None) -> str:
    """The key from the environment variable ``env_name``; never from config or arguments.

    A local server (``base_url`` set) may need no key, so a dummy key is used then.
    """
    key = os.environ.get(env_name, "").strip()
    if key:
        return key
    if base_url is not None:
        return LOCAL_SERVER_KEY
    raise UserError(
        f"the '{backend}' LLM backend needs an API key in the environment variable {env_name} "
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
