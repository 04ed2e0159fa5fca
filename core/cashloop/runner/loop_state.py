"""The loop's mutable state, and the one way it follows from events.

The live loop applies each event it emits (:meth:`LoopState.apply`), and a resumed run applies
its committed events the same way, so a resumed run's state is the uninterrupted run's by
construction: there is no second, hand-written restore.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from cashloop import events as ev
from cashloop.json_copy import copy_json
from cashloop.runner.convergence import ConvergenceDetector
from cashloop.runner.error_budget import ErrorBudget
from cashloop.types import ProposalRecord

__all__ = ["BestProfile", "LoopState", "committed_prefix"]


@attrs.frozen(kw_only=True)
class BestProfile:
    """An evaluated profile: the iteration it was first the incumbent (or the last iteration),
    its total and per-agent mean costs, and its policies."""

    iteration: int
    total_cost: int
    costs: Mapping[str, int]
    policies: Mapping[str, Any]


@attrs.define(kw_only=True)
class LoopState:
    policies: dict[str, dict[str, Any]]
    detector: ConvergenceDetector
    budget: ErrorBudget = attrs.field(factory=lambda: ErrorBudget(alpha=0.05, planned=1))
    iteration: int = 0
    history: dict[str, list[ProposalRecord]] = attrs.field(factory=dict)
    #: each distinct incumbent profile with its cheapest estimate (by canonical policies JSON)
    estimates: dict[str, BestProfile] = attrs.field(factory=dict)
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
        """Remember the incumbent profile's estimate (the cheapest one, if seen before)."""
        key = _profile_key(self.policies)
        total = sum(costs.values())
        known = self.estimates.get(key)
        if known is None:
            self.estimates[key] = BestProfile(
                iteration=iteration,
                total_cost=total,
                costs=dict(costs),
                policies=copy_json(self.policies),
            )
        elif total < known.total_cost:
            self.estimates[key] = attrs.evolve(known, total_cost=total, costs=dict(costs))

    def cheapest(self, count: int, *, besides: Mapping[str, Any]) -> list[BestProfile]:
        """The ``count`` distinct profiles with the lowest estimates, other than ``besides``."""
        skip = _profile_key(besides)
        ranked = sorted(
            (p for key, p in self.estimates.items() if key != skip),
            key=lambda p: (p.total_cost, p.iteration),
        )
        return ranked[:count]

    def first_seen(self, policies: Mapping[str, Any], default: int) -> int:
        """The iteration ``policies`` was first the incumbent, or ``default``."""
        known = self.estimates.get(_profile_key(policies))
        return default if known is None else known.iteration

    def restore(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Apply a resumed run's committed events in order (the state after its last one)."""
        for event in events:
            self.apply(event)

    def apply(self, event: Mapping[str, Any]) -> None:
        """Follow one event (``{"event_type", "iteration", **data}``): the live loop calls this
        after emitting each event, and resume for each committed event."""
        kind = event["event_type"]
        if kind == ev.ITERATION_START:
            self.iteration = event["iteration"]
            self.note_evaluation(event["iteration"], event["costs_per_agent"])
        elif kind == ev.POLICY_CHANGE:
            accepted = bool(event["accepted"])
            if "alpha" in event:  # the error level the decision charged to the run's budget
                self.budget.charge(float(event["alpha"]))
            self.history.setdefault(event["agent_id"], []).append(
                ProposalRecord(
                    iteration=event["iteration"],
                    policy=copy_json(event["new_policy"]),
                    old_cost=event["old_cost"],
                    new_cost=event["new_cost"],
                    delta=event["delta"],
                    accepted=accepted,
                    samples=int(event.get("samples") or 0),
                    lower_bound=event.get("lower_bound"),
                    reason=str(event.get("reason") or ""),
                )
            )
            if accepted:
                self.policies[event["agent_id"]] = copy_json(event["new_policy"])
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
            self.detector.observe(
                event["total_cost"],
                bool(event.get("changed", False)),
                exhausted=event.get("exhausted"),
                proposed=bool(event.get("proposed", True)),
            )


def committed_prefix(events: Sequence[Mapping[str, Any]]) -> int:
    """How many of ``events`` belong to whole iterations: those up to the last
    ``iteration_complete``, or only the leading ``experiment_start`` when no iteration completed.
    A resumed run keeps these and re-executes what follows (the iteration in flight)."""
    for index in range(len(events) - 1, -1, -1):
        if events[index]["event_type"] == ev.ITERATION_COMPLETE:
            return index + 1
    return 1 if events and events[0]["event_type"] == ev.EXPERIMENT_START else 0


def _profile_key(policies: Mapping[str, Any]) -> str:
    """A profile's identity: its policies as canonical JSON."""
    return json.dumps(policies, sort_keys=True, separators=(",", ":"))
