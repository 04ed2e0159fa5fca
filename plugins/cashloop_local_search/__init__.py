"""Built-in ``local-search`` proposer: the offline default used when no LLM is configured."""

from __future__ import annotations

from collections.abc import Iterable

from cashloop.errors import ConfigError
from cashloop.plugin import LLMClientSpec, hookimpl
from cashloop_local_search.options import LocalSearchOptions
from cashloop_local_search.proposer import LocalSearchProposer

__all__ = ["LocalSearchOptions", "LocalSearchProposer", "create", "register_llm_clients"]


def create(options: LocalSearchOptions) -> LocalSearchProposer:
    """Build the proposer; invalid options raise ConfigError naming each ``llm.<option>``."""
    problems = options.problems()
    if problems:
        raise ConfigError([f"llm.{p}" for p in problems])
    return LocalSearchProposer(options)


@hookimpl
def register_llm_clients() -> Iterable[LLMClientSpec]:
    return [
        LLMClientSpec(
            name="local-search",
            factory=create,
            options=LocalSearchOptions,
            description="offline deterministic pattern search over policy_constraints "
            "parameters (no LLM, no network)",
        )
    ]
