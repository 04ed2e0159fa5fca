"""The ``scripted`` backend: answers read from a file, for tests, demos and offline reruns.

The file (YAML or JSON) is either a list of answers used for every agent, or a mapping
``agent_id -> list of answers``. An answer is a string (raw model text, parsed like a real answer,
so malformed answers can be scripted) or a mapping (a policy). The n-th call for an agent gets its
n-th answer; once they run out, the last one repeats.
"""

from __future__ import annotations

import json
import pathlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from cashloop.errors import UserError
from cashloop.types import PolicyProposal, PolicyRequest
from cashloop_llm.common import build_proposal
from cashloop_llm.options import ScriptedOptions

__all__ = ["SCRIPTED_MODEL", "Script", "ScriptedClient", "create_scripted_client", "load_script"]

SCRIPTED_MODEL = "scripted"


@attrs.frozen(kw_only=True)
class Script:
    """Raw answer texts: ``shared`` for every agent, or ``per_agent``."""

    path: pathlib.Path
    shared: tuple[str, ...] = ()
    per_agent: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    def answers_for(self, agent_id: str) -> tuple[str, ...]:
        if not self.per_agent:
            return self.shared
        try:
            return self.per_agent[agent_id]
        except KeyError:
            known = ", ".join(sorted(self.per_agent))
            raise UserError(
                f"scripted answers {self.path}: no answers for agent {agent_id!r} "
                f"(the file has answers for: {known})"
            ) from None


def _answer_text(answer: object, where: str, path: pathlib.Path) -> str:
    if isinstance(answer, str):
        return answer
    if isinstance(answer, Mapping):
        try:
            return json.dumps(answer, indent=2)
        except (TypeError, ValueError) as err:
            raise UserError(f"scripted answers {path}: {where} is not plain JSON ({err})") from None
    raise UserError(
        f"scripted answers {path}: {where} must be a text or a policy mapping, "
        f"got {type(answer).__name__}"
    )


def _answer_list(value: object, where: str, path: pathlib.Path) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise UserError(f"scripted answers {path}: {where} must be a list of answers")
    if not value:
        raise UserError(f"scripted answers {path}: {where} is empty; give at least one answer")
    return tuple(_answer_text(item, f"{where}[{i}]", path) for i, item in enumerate(value))


def _read(path: pathlib.Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"scripted answers {path}: file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"scripted answers {path}: cannot read the file ({err})") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise UserError(f"scripted answers {path}: invalid JSON ({err})") from None
    import yaml  # only scripted runs need it; keeps plugin import fast

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        detail = str(err).replace("\n", " ")
        raise UserError(f"scripted answers {path}: invalid YAML ({detail})") from None


def load_script(path: pathlib.Path) -> Script:
    """Read and check an answers file; any problem is a :class:`UserError` naming the file."""
    data = _read(path)
    if isinstance(data, Mapping):
        if not data:
            raise UserError(f"scripted answers {path}: the mapping of agents is empty")
        per_agent = {
            str(agent): _answer_list(answers, f"agent {agent!r}", path)
            for agent, answers in data.items()
        }
        return Script(path=path, per_agent=per_agent)
    if isinstance(data, list):
        return Script(path=path, shared=_answer_list(data, "the answer list", path))
    raise UserError(
        f"scripted answers {path}: expected a list of answers or a mapping of agent id to "
        f"a list of answers, got {type(data).__name__}"
    )


class ScriptedClient:
    """An :class:`cashloop.plugin.LLMClient` replaying a :class:`Script`."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self._calls: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"ScriptedClient(path={str(self.script.path)!r})"

    def calls(self, agent_id: str) -> int:
        """How many answers ``agent_id`` has been given."""
        return self._calls.get(agent_id, 0)

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        """The agent's next scripted answer; ``PolicyParseError`` if it holds no policy."""
        started = time.perf_counter()
        answers = self.script.answers_for(request.agent_id)
        index = self._calls.get(request.agent_id, 0)
        self._calls[request.agent_id] = index + 1
        text = answers[min(index, len(answers) - 1)]
        return build_proposal(
            text,
            model=SCRIPTED_MODEL,
            prompt_tokens=0,
            completion_tokens=0,
            latency_seconds=time.perf_counter() - started,
        )


def create_scripted_client(options: ScriptedOptions) -> ScriptedClient:
    """Factory of the ``scripted`` spec: the file is read and checked now, not at first call."""
    return ScriptedClient(load_script(pathlib.Path(options.path)))
