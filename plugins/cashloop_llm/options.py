"""Options of the LLM backends, as the config's ``llm:`` section gives them.

The core structures these with cattrs (extra keys are errors); values are checked by the
factories through :func:`check_openai` / :func:`check_anthropic` (and by ``cashloop validate``
through the options' ``problems()``), which list every problem at once
so the user fixes the whole section in one go. Options hold the NAME of the environment variable
with the API key, never the key itself.
"""

from __future__ import annotations

import pathlib
import re

import attrs

from cashloop.errors import ConfigError

__all__ = [
    "RESPONSE_FORMATS",
    "AnthropicOptions",
    "OpenAIOptions",
    "ScriptedOptions",
    "anthropic_problems",
    "check_anthropic",
    "check_openai",
    "openai_problems",
]

#: Structured-output modes of the OpenAI backend; ``auto`` starts strict and falls back.
RESPONSE_FORMATS = ("auto", "json_schema", "json_object", "text")
#: Reasoning efforts the Chat Completions API knows.
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
#: Smallest extended-thinking budget the Messages API accepts.
MIN_THINKING_BUDGET = 1024

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@attrs.frozen(kw_only=True)
class OpenAIOptions:
    """``llm: {type: openai, ...}``: OpenAI or any OpenAI-compatible server (Ollama, vLLM, ...)."""

    model: str
    temperature: float | None = None
    max_tokens: int | None = None
    timeout_seconds: float = 120.0
    base_url: str | None = None
    #: None: OPENAI_API_KEY for OpenAI itself; no key at all for a custom ``base_url``
    api_key_env: str | None = None
    reasoning_effort: str | None = None
    http_retries: int = 3
    response_format: str = "auto"

    def problems(self) -> list[str]:
        """Every invalid value as ``key: message`` (``cashloop validate`` asks too), and what
        the environment lacks (the SDK, the API key), so validate refuses what run refuses."""
        return openai_problems(self) + environment_problems(
            "openai", "openai", self.api_key_env, self.base_url, "OPENAI_API_KEY"
        )


@attrs.frozen(kw_only=True)
class AnthropicOptions:
    """``llm: {type: anthropic, ...}``: the Anthropic Messages API."""

    model: str
    temperature: float | None = None
    max_tokens: int = 4096
    timeout_seconds: float = 120.0
    base_url: str | None = None
    #: None: ANTHROPIC_API_KEY for Anthropic itself; no key at all for a custom ``base_url``
    api_key_env: str | None = None
    thinking_budget: int | None = None
    http_retries: int = 3

    def problems(self) -> list[str]:
        """Every invalid value as ``key: message`` (``cashloop validate`` asks too), and what
        the environment lacks (the SDK, the API key), so validate refuses what run refuses."""
        return anthropic_problems(self) + environment_problems(
            "anthropic", "anthropic", self.api_key_env, self.base_url, "ANTHROPIC_API_KEY"
        )


@attrs.frozen(kw_only=True)
class ScriptedOptions:
    """``llm: {type: scripted, path: answers.yaml}``: canned answers for tests and demos."""

    path: pathlib.Path


def _common_problems(
    *,
    model: str,
    max_tokens: int | None,
    timeout_seconds: float,
    base_url: str | None,
    api_key_env: str | None,
    http_retries: int,
) -> list[str]:
    problems: list[str] = []
    if not model.strip():
        problems.append("model: must name a model")
    if max_tokens is not None and max_tokens < 1:
        problems.append("max_tokens: must be >= 1")
    if not timeout_seconds > 0:
        problems.append("timeout_seconds: must be > 0")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        problems.append("base_url: must start with http:// or https://")
    if api_key_env is not None and not _ENV_NAME.match(api_key_env):
        problems.append("api_key_env: must be an environment variable name, such as MY_API_KEY")
    if http_retries < 0:
        problems.append("http_retries: must be >= 0")
    return problems


def environment_problems(
    backend: str, module: str, env_name: str | None, base_url: str | None, default_env: str
) -> list[str]:
    """The SDK must be installed and the API key's variable set (its value is never read
    here beyond being non-empty), exactly as the factory will require them."""
    import importlib.util
    import os

    problems = []
    if importlib.util.find_spec(module) is None:
        problems.append(
            f"type: the '{backend}' LLM backend needs the {module} package: "
            f"pip install 'cashloop[{module}]'"
        )
    name = env_name or (None if base_url is not None else default_env)
    if base_url is None and name and not os.environ.get(name, "").strip():
        problems.append(
            f"api_key_env: the '{backend}' LLM backend needs an API key in the environment "
            f"variable {name}; set it, or set llm.base_url for a local server"
        )
    return problems


def _temperature_problems(temperature: float | None, upper: float) -> list[str]:
    if temperature is None:
        return []
    if temperature < 0:
        return ["temperature: must be >= 0.0"]
    if temperature > upper:
        return [f"temperature: must be <= {upper}"]
    return []


def check_openai(options: OpenAIOptions) -> None:
    """Raise :class:`ConfigError` listing every invalid value of ``options``."""
    _raise_if_any(openai_problems(options))


def check_anthropic(options: AnthropicOptions) -> None:
    """Raise :class:`ConfigError` listing every invalid value of ``options``."""
    _raise_if_any(anthropic_problems(options))


def _raise_if_any(problems: list[str]) -> None:
    if problems:
        raise ConfigError([f"llm.{p}" for p in problems])


def openai_problems(options: OpenAIOptions) -> list[str]:
    """Every invalid value of ``options`` as ``key: message``."""
    problems = _common_problems(
        model=options.model,
        max_tokens=options.max_tokens,
        timeout_seconds=options.timeout_seconds,
        base_url=options.base_url,
        api_key_env=options.api_key_env,
        http_retries=options.http_retries,
    )
    problems += _temperature_problems(options.temperature, 2.0)
    if options.reasoning_effort is not None and options.reasoning_effort not in REASONING_EFFORTS:
        problems.append(f"reasoning_effort: must be one of {', '.join(REASONING_EFFORTS)}")
    if options.response_format not in RESPONSE_FORMATS:
        problems.append(f"response_format: must be one of {', '.join(RESPONSE_FORMATS)}")
    return problems


def anthropic_problems(options: AnthropicOptions) -> list[str]:
    """Every invalid value of ``options`` as ``key: message``."""
    problems = _common_problems(
        model=options.model,
        max_tokens=options.max_tokens,
        timeout_seconds=options.timeout_seconds,
        base_url=options.base_url,
        api_key_env=options.api_key_env,
        http_retries=options.http_retries,
    )
    problems += _temperature_problems(options.temperature, 1.0)
    budget = options.thinking_budget
    if budget is not None:
        if budget < MIN_THINKING_BUDGET:
            problems.append(f"thinking_budget: must be >= {MIN_THINKING_BUDGET}")
        elif budget >= options.max_tokens:
            problems.append(
                f"thinking_budget: must be less than llm.max_tokens ({options.max_tokens})"
            )
        if options.temperature is not None and options.temperature != 1.0:
            problems.append(
                "temperature: extended thinking (llm.thinking_budget) only works with "
                "temperature 1.0; remove llm.temperature"
            )
    return problems
