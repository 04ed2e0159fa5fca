"""Components the storage conformance kit runs with (config ``plugins.modules``).

``kit-quadratic`` is a tiny deterministic evaluator (cost quadratic in each agent's parameter,
plus seeded noise); ``kit-proposer`` proposes a fixed, deterministic sequence of policies and
reports token use, reading an API key from the variable ``api_key_env`` names, as real clients
do. ``CASHLOOP_KIT_STOP=ITERATION:EVENT_TYPE:HOW`` stops the process right after the storage
backend received that event: ``crash`` ends it at once (``os._exit``, as ``kill -9`` would),
``interrupt`` raises ``KeyboardInterrupt`` (Ctrl-C).
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from cashloop.plugin import (
    EvaluatorSpec,
    LLMClientSpec,
    PolicyProposal,
    PolicyRequest,
    SampleResult,
    hookimpl,
)

__all__ = ["STOP_ENV", "KitEvaluator", "KitProposer"]

STOP_ENV: Final = "CASHLOOP_KIT_STOP"
PARAMETER: Final = "initial_liquidity_fraction"


@attrs.frozen(kw_only=True)
class KitEvaluatorOptions:
    """``fail_on``: evaluating a policy with this parameter value raises (a failed run)."""

    optima: Mapping[str, float] = attrs.field(factory=lambda: {"BANK_A": 0.3, "BANK_B": 0.6})
    fail_on: float | None = None


class KitEvaluator:
    """Implements ``cashloop.plugin.PolicyEvaluator``; deterministic for (policies, seed)."""

    def __init__(self, options: KitEvaluatorOptions) -> None:
        self.options = options

    def agents(self) -> Sequence[str]:
        return list(self.options.optima)

    def initial_policy(self, agent_id: str) -> dict[str, Any]:
        return {"parameters": {PARAMETER: 0.9}}

    def policy_schema(self) -> str:
        return '{"parameters": {"' + PARAMETER + '": X}} with X between 0 and 1'

    def describe(self) -> str:
        return "storage conformance kit: quadratic costs in one parameter"

    def evaluate(
        self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]
    ) -> Sequence[SampleResult]:
        values = {a: float(policies[a]["parameters"][PARAMETER]) for a in self.options.optima}
        if self.options.fail_on is not None and self.options.fail_on in values.values():
            raise RuntimeError(f"kit evaluator told to fail on {PARAMETER}={self.options.fail_on}")
        return [
            SampleResult(
                seed=seed,
                costs={
                    agent: 10_000
                    + round(1_000_000 * (values[agent] - optimum) ** 2)
                    + random.Random(f"{seed}:{agent}").randint(-100, 100)
                    for agent, optimum in self.options.optima.items()
                },
            )
            for seed in seeds
        ]


@attrs.frozen(kw_only=True)
class KitProposerOptions:
    """``api_key_env``: the variable holding the (pretend) API key; it must be set."""

    api_key_env: str | None = None
    model: str = "kit-model"


class KitProposer:
    """Implements ``cashloop.plugin.LLMClient``: iteration ``i`` proposes ``0.9 - 0.1 * i``
    (BANK_B a little less), 100 prompt and 20 completion tokens per call."""

    def __init__(self, options: KitProposerOptions) -> None:
        self.model = options.model
        self._key = os.environ.get(options.api_key_env, "") if options.api_key_env else ""

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        offset = 0.05 if request.agent_id == "BANK_B" else 0.0
        value = round(max(0.0, 0.9 - 0.1 * request.iteration - offset), 4)
        policy = {"parameters": {PARAMETER: value}}
        return PolicyProposal(
            policy=policy,
            raw_response=f'{{"parameters": {{"{PARAMETER}": {value}}}}}',
            model=self.model,
            prompt_tokens=100,
            completion_tokens=20,
        )


@hookimpl
def register_evaluators() -> list[EvaluatorSpec]:
    return [EvaluatorSpec(name="kit-quadratic", factory=KitEvaluator, options=KitEvaluatorOptions)]


@hookimpl
def register_llm_clients() -> list[LLMClientSpec]:
    return [LLMClientSpec(name="kit-proposer", factory=KitProposer, options=KitProposerOptions)]


@hookimpl
def record_event(iteration: int, event_type: str) -> None:
    """Stop the process where ``$CASHLOOP_KIT_STOP`` says (after storage got the event)."""
    where = os.environ.get(STOP_ENV)
    if not where:
        return
    at, kind, how = where.split(":")
    if iteration == int(at) and event_type == kind:
        if how == "crash":
            os._exit(9)
        raise KeyboardInterrupt
