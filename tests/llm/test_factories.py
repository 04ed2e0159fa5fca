"""Factory checks: option validation, API keys, missing SDKs, and that keys never leak."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cashloop.errors import ConfigError, UserError
from cashloop.policy_json import PolicyParseError
from cashloop.testing.llm_stub import LLMStubServer, StubReply
from cashloop.types import PolicyRequest
from cashloop_llm.anthropic_backend import create_anthropic_client
from cashloop_llm.common import LOCAL_SERVER_KEY
from cashloop_llm.openai_backend import create_openai_client
from cashloop_llm.options import AnthropicOptions, OpenAIOptions


def test_openai_options_list_every_problem(api_key: str) -> None:
    options = OpenAIOptions(
        model=" ",
        temperature=2.5,
        max_tokens=0,
        timeout_seconds=0,
        base_url="localhost:11434",
        api_key_env="not a name",
        reasoning_effort="extreme",
        http_retries=-1,
        response_format="yaml",
    )
    with pytest.raises(ConfigError) as caught:
        create_openai_client(options)
    assert set(caught.value.errors) == {
        "llm.model: must name a model",
        "llm.temperature: must be <= 2.0",
        "llm.max_tokens: must be >= 1",
        "llm.timeout_seconds: must be > 0",
        "llm.base_url: must start with http:// or https://",
        "llm.api_key_env: must be an environment variable name, such as MY_API_KEY",
        "llm.reasoning_effort: must be one of none, minimal, low, medium, high, xhigh, max",
        "llm.http_retries: must be >= 0",
        "llm.response_format: must be one of auto, json_schema, json_object, text",
    }


def test_negative_temperature_is_rejected(api_key: str) -> None:
    with pytest.raises(ConfigError, match=r"llm.temperature: must be >= 0.0"):
        create_openai_client(OpenAIOptions(model="m", temperature=-0.1, api_key_env=api_key))


def test_anthropic_options_list_every_problem(api_key: str) -> None:
    options = AnthropicOptions(model="c", temperature=0.5, thinking_budget=512, api_key_env=api_key)
    with pytest.raises(ConfigError) as caught:
        create_anthropic_client(options)
    assert caught.value.errors == (
        "llm.thinking_budget: must be >= 1024",
        "llm.temperature: extended thinking (llm.thinking_budget) only works with "
        "temperature 1.0; remove llm.temperature",
    )
    with pytest.raises(ConfigError, match=r"must be less than llm\.max_tokens"):
        create_anthropic_client(
            AnthropicOptions(model="c", max_tokens=2000, thinking_budget=2000, api_key_env=api_key)
        )
    with pytest.raises(ConfigError, match=r"llm.temperature: must be <= 1.0"):
        create_anthropic_client(AnthropicOptions(model="c", temperature=1.5, api_key_env=api_key))


@pytest.mark.parametrize(
    ("factory", "options"),
    [
        (create_openai_client, OpenAIOptions(model="m", api_key_env="CASHLOOP_UNSET_KEY")),
        (create_anthropic_client, AnthropicOptions(model="c", api_key_env="CASHLOOP_UNSET_KEY")),
    ],
)
def test_missing_key_is_a_clear_user_error(
    monkeypatch: pytest.MonkeyPatch, factory: object, options: object
) -> None:
    monkeypatch.delenv("CASHLOOP_UNSET_KEY", raising=False)
    with pytest.raises(UserError) as caught:
        factory(options)  # type: ignore[operator]
    message = str(caught.value)
    assert "CASHLOOP_UNSET_KEY" in message
    assert "llm.base_url" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("module", "factory", "options"),
    [
        ("openai", create_openai_client, OpenAIOptions(model="m")),
        ("anthropic", create_anthropic_client, AnthropicOptions(model="c")),
    ],
)
def test_missing_sdk_is_a_one_line_user_error(
    monkeypatch: pytest.MonkeyPatch, api_key: str, module: str, factory: object, options: object
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(UserError) as caught:
        factory(options)  # type: ignore[operator]
    assert str(caught.value) == (
        f"the '{module}' LLM backend needs the {module} package: pip install 'cashloop[{module}]'"
    )


def test_plugin_import_loads_no_sdk() -> None:
    code = (
        "import sys, cashloop_llm; "
        "print([m for m in ('openai', 'anthropic', 'yaml') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def _assert_no_secret(secret: str, *things: object) -> None:
    for thing in things:
        assert secret not in repr(thing), thing
        assert secret not in str(thing), thing


async def test_the_key_never_appears_in_what_the_clients_expose(
    llm_stub_server: LLMStubServer, api_key: str, policy_request: PolicyRequest
) -> None:
    secret = os.environ[api_key]
    openai_client = create_openai_client(
        OpenAIOptions(model="m", base_url=llm_stub_server.openai_base_url, api_key_env=api_key)
    )
    anthropic_client = create_anthropic_client(
        AnthropicOptions(
            model="c", base_url=llm_stub_server.anthropic_base_url, api_key_env=api_key
        )
    )
    exposed: list[object] = [
        openai_client,
        anthropic_client,
        openai_client.options,
        anthropic_client.options,
    ]
    for client in (openai_client, anthropic_client):
        exposed.append(await client.propose(policy_request))
        llm_stub_server.enqueue(StubReply(text="no policy here"))
        with pytest.raises(PolicyParseError) as parse_error:
            await client.propose(policy_request)
        exposed += [parse_error.value, parse_error.value.proposal]
        llm_stub_server.enqueue(StubReply(status=401, error_message="invalid x-api-key"))
        with pytest.raises(Exception) as api_error:
            await client.propose(policy_request)
        exposed.append(api_error.value)
    _assert_no_secret(secret, *exposed)


def test_missing_key_error_does_not_reveal_other_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-be-used-or-shown")
    monkeypatch.delenv("CASHLOOP_UNSET_KEY", raising=False)
    with pytest.raises(UserError) as caught:
        create_openai_client(OpenAIOptions(model="m", api_key_env="CASHLOOP_UNSET_KEY"))
    assert "sk-should-not" not in str(caught.value)


def _sent_auth(server: LLMStubServer) -> str:
    sent = server.requests[-1]
    return f"{sent.headers.get('x-api-key', '')} {sent.headers.get('authorization', '')}"


async def test_a_provider_key_is_not_sent_to_a_custom_server_unless_named(
    llm_stub_server: LLMStubServer, policy_request: PolicyRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OPENAI_API_KEY / ANTHROPIC_API_KEY are for the providers' own APIs: a base_url server
    gets a placeholder unless llm.api_key_env names the variable to send."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-real-key")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-real-key")
    clients = [
        create_openai_client(OpenAIOptions(model="m", base_url=llm_stub_server.openai_base_url)),
        create_anthropic_client(
            AnthropicOptions(model="c", base_url=llm_stub_server.anthropic_base_url)
        ),
    ]
    for client in clients:
        await client.propose(policy_request)
        auth = _sent_auth(llm_stub_server)
        assert "real-key" not in auth
        assert LOCAL_SERVER_KEY in auth


async def test_a_named_key_variable_is_sent_to_a_custom_server(
    llm_stub_server: LLMStubServer, policy_request: PolicyRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-meant-for-this-proxy")
    client = create_openai_client(
        OpenAIOptions(
            model="m", base_url=llm_stub_server.openai_base_url, api_key_env="OPENAI_API_KEY"
        )
    )
    await client.propose(policy_request)
    assert "sk-openai-meant-for-this-proxy" in _sent_auth(llm_stub_server)


def test_the_providers_own_api_reads_the_standard_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UserError, match="environment variable OPENAI_API_KEY"):
        create_openai_client(OpenAIOptions(model="m"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(UserError, match="environment variable ANTHROPIC_API_KEY"):
        create_anthropic_client(AnthropicOptions(model="c"))
