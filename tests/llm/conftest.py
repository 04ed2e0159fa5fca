"""Shared fixtures of the LLM backend tests.

``llm_stub_server`` comes from ``cashloop.testing`` (the ``pytest11`` plugin), as it does for
third-party plugin authors.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cashloop.types import PolicyRequest

__all__ = ["api_key", "make_request", "policy_request"]


#: A distinctive key value: tests assert it never leaks into reprs, errors or proposals.
SECRET = "sk-cashloop-TEST-SECRET-7f3a9c"
KEY_ENV = "CASHLOOP_TEST_LLM_KEY"


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Put the secret key in ``KEY_ENV``; returns the variable's name."""
    monkeypatch.setenv(KEY_ENV, SECRET)
    return KEY_ENV


def _request(agent_id: str = "BANK_A", attempt: int = 1) -> PolicyRequest:
    return PolicyRequest(
        agent_id=agent_id,
        iteration=1,
        system_prompt="You optimise payment policies. Answer with JSON.",
        user_prompt=f"Propose a policy for {agent_id} as a JSON object.",
        current_policy={"parameters": {"initial_liquidity_fraction": 0.5}},
        attempt=attempt,
    )


@pytest.fixture
def make_request() -> Callable[..., PolicyRequest]:
    """Build a request for an agent: ``make_request("BANK_B")``."""
    return _request


@pytest.fixture
def policy_request() -> PolicyRequest:
    return _request()
