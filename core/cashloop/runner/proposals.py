"""The proposal phase: ask the proposer for every optimized agent concurrently, parse, validate,
and retry with the errors fed back. Events are emitted afterwards in agent order, so the event log
does not depend on which answer arrived first.

A proposer whose ``reads_prompts`` attribute is ``False`` (an algorithmic one, such as
``local-search``) gets requests with empty prompts: they are not built, and its ``llm_call`` events
and request hashes hold empty prompts. Any other client gets the prompts as always."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from cashloop.errors import UserError
from cashloop.policy_json import AnswerTooLargeError, PolicyParseError
from cashloop.prompts import AgentContext, build_user_prompt
from cashloop.protocols import ConstraintValidator, LLMClient, PolicyEvaluator
from cashloop.runner.answer_limits import (
    AnswerLimits,
    cap_errors,
    policy_problems,
    policy_size_problem,
    storable_text,
    truncated_answer,
)
from cashloop.runner.provider_health import provider_error_kind
from cashloop.types import PolicyConstraints, PolicyProposal, PolicyRequest

__all__ = ["Attempt", "ProposalOutcome", "ProposalService", "reads_prompts", "request_hash"]


def reads_prompts(client: object) -> bool:
    """Whether ``client`` needs the prompts: yes, unless it says ``reads_prompts = False``."""
    return getattr(client, "reads_prompts", True) is not False


def request_hash(request: PolicyRequest) -> str:
    """Identity of a request for offline re-execution (prompts, agent, iteration, attempt)."""
    key = json.dumps(
        [
            request.agent_id,
            request.iteration,
            request.attempt,
            request.system_prompt,
            request.user_prompt,
        ],
        ensure_ascii=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@attrs.frozen(kw_only=True)
class Attempt:
    number: int
    request: PolicyRequest
    proposal: PolicyProposal | None
    # "ok" | "parse_error" | "answer_too_large" | "constraint_violation" | "llm_error"
    kind: str
    errors: tuple[str, ...] = ()
    latency_seconds: float = 0.0
    #: "auth" or "transport" when the provider itself failed (see provider_health)
    provider_error: str | None = None
    #: the stored answer when it differs from the proposal's (an oversized one, truncated)
    stored_answer: str | None = None
    #: extra event fields (an oversized answer's size and hash)
    extra: dict[str, Any] = attrs.field(factory=dict)

    def event(self) -> dict[str, Any]:
        """The ``llm_call`` event data of this attempt."""
        p = self.proposal
        return {
            "agent_id": self.request.agent_id,
            "attempt": self.number,
            "model": p.model if p else "",
            "prompt_tokens": p.prompt_tokens if p else 0,
            "completion_tokens": p.completion_tokens if p else 0,
            "latency_seconds": round(p.latency_seconds if p else self.latency_seconds, 6),
            "system_prompt": self.request.system_prompt,
            "user_prompt": self.request.user_prompt,
            "raw_response": (
                self.stored_answer
                if self.stored_answer is not None
                else storable_text(p.raw_response if p else "")
            ),
            "reasoning": p.reasoning if p else None,
            "exhausted": p.exhausted if p else None,
            "request_hash": request_hash(self.request),
            "outcome": self.kind,
            "error": "; ".join(self.errors) if self.kind != "ok" else None,
            **({"provider_error": self.provider_error} if self.provider_error else {}),
            **self.extra,
        }


@attrs.frozen(kw_only=True)
class ProposalOutcome:
    agent_id: str
    attempts: tuple[Attempt, ...]
    policy: dict[str, Any] | None

    @property
    def rejection_reason(self) -> str | None:
        return None if self.policy is not None else self.attempts[-1].kind

    @property
    def exhausted(self) -> bool | None:
        """What the accepted answer said about the proposer's exhaustion (``None``: nothing,
        or no valid answer)."""
        if self.policy is None:
            return None
        last = self.attempts[-1].proposal
        return last.exhausted if last is not None else None

    @property
    def tokens(self) -> tuple[int, int]:
        ps = [a.proposal for a in self.attempts if a.proposal is not None]
        return sum(p.prompt_tokens for p in ps), sum(p.completion_tokens for p in ps)


def _provider_gave_up(attempts: Sequence[Attempt]) -> bool:
    """Whether retrying is pointless: a refused key stays refused, and a provider that failed
    twice in a row after its SDK's own retries is down (a single timeout is retried once)."""
    last = attempts[-1].provider_error
    if last == "auth":
        return True
    return last is not None and len(attempts) >= 2 and attempts[-2].provider_error is not None


class ProposalService:
    """Requests, parses and validates proposals, with bounded concurrency per client."""

    def __init__(
        self,
        client: LLMClient,
        *,
        evaluator: PolicyEvaluator,
        validators: Sequence[ConstraintValidator],
        constraints: PolicyConstraints,
        system_prompt: str,
        max_retries: int,
        concurrency: int,
        schema: str,
        limits: AnswerLimits | None = None,
    ) -> None:
        self.client = client
        self.with_prompts = reads_prompts(client)
        self.evaluator = evaluator
        self.validators = list(validators)
        self.constraints = constraints
        self.system_prompt = system_prompt
        self.max_retries = max_retries
        self.schema = schema
        self.limits = limits or AnswerLimits()
        self._limit = asyncio.Semaphore(concurrency)

    def validate(self, agent_id: str, policy: Mapping[str, Any]) -> list[str]:
        """Every problem of ``policy``: the answer limits first (a policy over them never
        reaches a validator), then the evaluator's and the validators' own checks."""
        problems = policy_problems(policy, self.limits)
        if not problems and (too_big := policy_size_problem(policy, self.limits)):
            problems = [too_big]
        if problems:
            return problems
        errors: dict[str, None] = {}  # ordered and de-duplicated in linear time
        own = getattr(self.evaluator, "validate", None)
        checks = ([own] if callable(own) else []) + [v.validate for v in self.validators]
        for check in checks:
            result = check(agent_id, policy)
            if not result.is_valid:
                errors.update(dict.fromkeys(result.errors))
        return list(errors)

    async def propose_all(
        self, contexts: Sequence[AgentContext], seeds: Mapping[str, int]
    ) -> list[ProposalOutcome]:
        tasks = [self._propose(ctx, seeds[ctx.agent_id]) for ctx in contexts]
        return list(await asyncio.gather(*tasks))

    async def _propose(self, ctx: AgentContext, seed: int) -> ProposalOutcome:
        attempts: list[Attempt] = []
        errors: list[str] = []
        for number in range(1, self.max_retries + 2):
            request = PolicyRequest(
                agent_id=ctx.agent_id,
                iteration=ctx.iteration,
                system_prompt=self.system_prompt if self.with_prompts else "",
                user_prompt=build_user_prompt(ctx, errors) if self.with_prompts else "",
                current_policy=ctx.current_policy,
                history=ctx.history,
                constraints=self.constraints,
                schema=self.schema,
                seed=seed,
                attempt=number,
            )
            attempt = await self._attempt(request, number)
            attempts.append(attempt)
            if attempt.kind == "ok":
                assert attempt.proposal is not None
                return ProposalOutcome(
                    agent_id=ctx.agent_id,
                    attempts=tuple(attempts),
                    policy=attempt.proposal.policy,
                )
            errors = list(attempt.errors)
            if _provider_gave_up(attempts):
                break  # the loop judges the provider's health (ProviderHealth)
        return ProposalOutcome(agent_id=ctx.agent_id, attempts=tuple(attempts), policy=None)

    async def _attempt(self, request: PolicyRequest, number: int) -> Attempt:
        started = time.perf_counter()
        async with self._limit:
            try:
                proposal = await self.client.propose(request)
            except AnswerTooLargeError as exc:  # replayed from a record
                return Attempt(
                    number=number,
                    request=request,
                    proposal=exc.proposal,
                    kind="answer_too_large",
                    errors=(str(exc),),
                    extra=dict(exc.fields),
                )
            except PolicyParseError as exc:
                if exc.proposal is not None and (big := self._oversized(request, exc.proposal)):
                    return big
                return Attempt(
                    number=number,
                    request=request,
                    proposal=exc.proposal,
                    kind="parse_error",
                    errors=cap_errors([str(exc)], self.limits.max_feedback_errors),
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if isinstance(exc, UserError):
                    raise
                text = getattr(exc, "recorded_error", None) or f"{type(exc).__name__}: {exc}"
                latency = getattr(exc, "recorded_latency", None)
                return Attempt(
                    number=number,
                    request=request,
                    proposal=None,
                    kind="llm_error",
                    errors=cap_errors([text], 1),
                    provider_error=provider_error_kind(exc),
                    latency_seconds=(
                        latency if latency is not None else time.perf_counter() - started
                    ),
                )
        if big := self._oversized(request, proposal):
            return big
        if not isinstance(proposal.policy, dict) or not proposal.policy:
            return Attempt(
                number=number,
                request=request,
                proposal=proposal,
                kind="parse_error",
                errors=("The answer held no policy object; reply with one JSON object.",),
            )
        problems = self.validate(request.agent_id, proposal.policy)
        kind = "constraint_violation" if problems else "ok"
        errors = cap_errors(problems, self.limits.max_feedback_errors)
        return Attempt(number=number, request=request, proposal=proposal, kind=kind, errors=errors)

    def _oversized(self, request: PolicyRequest, proposal: PolicyProposal) -> Attempt | None:
        """The rejection of an answer over ``max_answer_chars``, recorded truncated."""
        answer = proposal.raw_response
        if len(answer) <= self.limits.max_answer_chars:
            return None
        stored, fields = truncated_answer(answer)
        return Attempt(
            number=request.attempt,
            request=request,
            proposal=attrs.evolve(proposal, policy={}, raw_response=stored),
            kind="answer_too_large",
            errors=(
                f"The answer was {len(answer):,} characters, over the limit of "
                f"{self.limits.max_answer_chars:,}; reply with one compact JSON policy.",
            ),
            stored_answer=stored,
            extra=fields,
        )
