"""The loop's mutable state, and its reconstruction from stored events (resume)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from cashloop import events as ev
from cashloop.json_copy import copy_json
from cashloop.runner.convergence import ConvergenceDetector
from cashloop.types import ProposalRecord

__all__ = ["BestProfile", "LoopState"]


@attrs.frozen(kw_only=True)
class BestProfile:
    """The cheapest evaluated profile so far."""

    iteration: int
    total_cost: int
    costs: Mapping[str, int]
    policies: Mapping[str, Any]


@attrs.define(kw_only=True)
class LoopState:
    policies: dict[str, dict[str, Any]]
    detector: ConvergenceDetector
    iteration: int = 0
    history: dict[str, list[ProposalRecord]] = attrs.field(factory=dict)
    best: BestProfile | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usd: float = 0.0
    tokens_by_agent: dict[str, int] = attrs.field(factory=dict)

    def note_call(self, agent_id: str, prompt: int, completion: int, usd: float) -> None:
        """Add one LLM call to the run's and the agent's accounts."""
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.usd += usd
        self.tokens_by_agent[agent_id] = self.tokens_by_agent.get(agent_id, 0) + prompt + completion

    def note_evaluation(self, iteration: int, costs: Mapping[str, int]) -> None:
        """Remember the profile now held if it is the cheapest seen."""
        total = sum(costs.values())
        if self.best is None or total < self.best.total_cost:
            self.best = BestProfile(
                iteration=iteration,
                total_cost=total,
                costs=dict(costs),
                policies=copy_json(self.policies),
            )

    def restore(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Rebuild the state a run had after its last committed iteration."""
        for event in events:
            kind = event["event_type"]
            if kind == ev.ITERATION_START:
                self.note_evaluation(event["iteration"], event["costs_per_agent"])
            elif kind == ev.POLICY_CHANGE:
                self.history.setdefault(event["agent_id"], []).append(
                    ProposalRecord(
                        iteration=event["iteration"],
                        policy=event["new_policy"],
                        old_cost=event["old_cost"],
                        new_cost=event["new_cost"],
                        delta=event["delta"],
                        accepted=event["accepted"],
                    )
                )
            elif kind == ev.LLM_CALL:
                self.note_call(
                    event["agent_id"],
                    int(event.get("prompt_tokens", 0)),
                    int(event.get("completion_tokens", 0)),
                    float(event.get("cost_usd") or 0.0),
                )
            elif kind == ev.ITERATION_COMPLETE:
                self.iteration = event["iteration"]
                self.policies.update(copy_json(event["policies"]))
                self.detector.observe(event["total_cost"], bool(event.get("changed", False)))
