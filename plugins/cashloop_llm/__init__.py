"""Built-in LLM backends: ``openai`` (and OpenAI-compatible servers), ``anthropic``, ``scripted``.

Registered through the ``llm`` entry point of the ``cashloop`` group. Importing this package
imports no provider SDK; each backend imports its SDK when its client is built.
"""

from __future__ import annotations

from collections.abc import Iterable

from cashloop.plugin import LLMClientSpec, hookimpl
from cashloop_llm.anthropic_backend import create_anthropic_client
from cashloop_llm.openai_backend import create_openai_client
from cashloop_llm.options import AnthropicOptions, OpenAIOptions, ScriptedOptions
from cashloop_llm.scripted import create_scripted_client

__all__ = ["register_llm_clients"]


@hookimpl
def register_llm_clients() -> Iterable[LLMClientSpec]:
    """The three backends this plugin provides."""
    return (
        LLMClientSpec(
            name="openai",
            factory=create_openai_client,
            options=OpenAIOptions,
            description="OpenAI Chat Completions, or any compatible server via base_url "
            "(Ollama, vLLM, LM Studio)",
        ),
        LLMClientSpec(
            name="anthropic",
            factory=create_anthropic_client,
            options=AnthropicOptions,
            description="Anthropic Messages API, optional extended thinking",
        ),
        LLMClientSpec(
            name="scripted",
            factory=create_scripted_client,
            options=ScriptedOptions,
            description="Canned answers from a YAML/JSON file, for tests and demos",
        ),
    )
