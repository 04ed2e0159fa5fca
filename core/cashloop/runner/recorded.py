"""``RecordedClient``: re-executes a run offline from its recorded LLM answers.

Answers are matched by the hash of the request (prompts, agent, iteration, attempt), so a rerun that
asks the same questions gets the same answers — and produces the same event log at zero API cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cashloop import events as ev
from cashloop.errors import UserError
from cashloop.policy_json import AnswerTooLargeError, PolicyParseError, parse_policy_json
from cashloop.types import PolicyProposal, PolicyRequest

__all__ = ["RecordedClient", "RecordedLLMError", "RerunDivergedError"]


class RecordedLLMError(RuntimeError):
    """A provider error replayed from the record; ``recorded_error`` is the original text."""

    def __init__(
        self,
        recorded_error: str,
        recorded_latency: float = 0.0,
        provider_error_kind: str | None = None,
    ) -> None:
        super().__init__(recorded_error)
        self.recorded_error = recorded_error
        self.recorded_latency = recorded_latency
        self.provider_error_kind = provider_error_kind


class RerunDivergedError(UserError):
    """The rerun asked a question the original run never asked."""


class RecordedClient:
    """An LLM client answering from ``llm_call`` events of a stored run."""

    def __init__(self, events: Iterable[Mapping[str, Any]], run_id: str = "") -> None:
        self.run_id = run_id
        self._calls: dict[str, Mapping[str, Any]] = {}
        for event in events:
            if event.get("event_type") == ev.LLM_CALL and event.get("request_hash"):
                self._calls.setdefault(str(event["request_hash"]), event)
        # a run recorded from a proposer that read no prompts hashed its requests without them
        self.reads_prompts = any(
            call.get("system_prompt") or call.get("user_prompt") for call in self._calls.values()
        )

    def __len__(self) -> int:
        return len(self._calls)

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        from cashloop.runner.proposals import request_hash

        key = request_hash(request)
        call = self._calls.get(key)
        if call is None:
            raise RerunDivergedError(
                f"the rerun of {self.run_id or 'the run'} asked agent {request.agent_id} "
                f"(iteration {request.iteration}, attempt {request.attempt}) a question the "
                "original run never asked; the evaluator, config or cashloop version differ"
            )
        proposal = PolicyProposal(
            policy={},
            raw_response=str(call.get("raw_response") or ""),
            model=str(call.get("model") or ""),
            prompt_tokens=int(call.get("prompt_tokens", 0)),
            completion_tokens=int(call.get("completion_tokens", 0)),
            latency_seconds=float(call.get("latency_seconds", 0.0)),
            reasoning=call.get("reasoning"),
        )
        outcome = call.get("outcome")
        if outcome == "llm_error":
            error = str(call.get("error") or "recorded provider error")
            kind = call.get("provider_error")
            raise RecordedLLMError(error, proposal.latency_seconds, str(kind) if kind else None)
        if outcome == "answer_too_large":
            fields = {k: call[k] for k in ("answer_chars", "answer_sha256") if k in call}
            error = str(call.get("error") or "")
            raise AnswerTooLargeError(error, proposal=proposal, fields=fields)
        if outcome == "parse_error" and call.get("error"):
            raise PolicyParseError(str(call["error"]), proposal=proposal)
        policy = parse_policy_json(proposal.raw_response)
        return PolicyProposal(
            policy=policy,
            raw_response=proposal.raw_response,
            model=proposal.model,
            prompt_tokens=proposal.prompt_tokens,
            completion_tokens=proposal.completion_tokens,
            latency_seconds=proposal.latency_seconds,
            reasoning=proposal.reasoning,
            exhausted=call.get("exhausted"),
        )
