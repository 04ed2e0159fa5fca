"""Prompts built in the core: what the LLM is told, the same for every backend."""

from __future__ import annotations

from cashloop.prompts.system import build_system_prompt
from cashloop.prompts.user import AgentContext, build_user_prompt

__all__ = ["AgentContext", "build_system_prompt", "build_user_prompt"]
