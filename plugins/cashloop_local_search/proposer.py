"""The ``local-search`` proposer: an offline, deterministic coordinate pattern search."""

from __future__ import annotations

import json
from typing import Any, final

from cashloop.json_copy import copy_json
from cashloop.plugin import PolicyProposal, PolicyRequest
from cashloop_local_search.axes import Axis, build_axes, read_values
from cashloop_local_search.options import LocalSearchOptions
from cashloop_local_search.replay import replay
from cashloop_local_search.state import Move, SearchState, next_move

__all__ = ["MODEL_NAME", "LocalSearchProposer"]

MODEL_NAME = "local-search"


@final
class LocalSearchProposer:
    """Moves one declared parameter at a time; never touches the trees.

    Stateless: the proposal is a pure function of the request's current policy, history and
    constraints and of the options, so reruns and resumed runs reproduce it exactly. The request
    seed is not needed (the search has no randomness), nor are the prompts.
    """

    __slots__ = ("_options",)

    #: The loop need not build prompts for this proposer (its ``llm_call`` events hold none).
    reads_prompts = False

    def __init__(self, options: LocalSearchOptions) -> None:
        self._options = options

    @property
    def options(self) -> LocalSearchOptions:
        return self._options

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        return self.propose_now(request)

    def propose_now(self, request: PolicyRequest) -> PolicyProposal:
        """The synchronous core of :meth:`propose`."""
        current = request.current_policy
        axes = build_axes(current, request.constraints, self._options)
        policy: dict[str, Any] = copy_json(dict(current))
        if not axes:
            reason = "no declared numeric parameter to tune; keeping the policy"
            return _proposal(policy, reason, exhausted=True)
        base = read_values(current, axes)
        state, tried = replay(request.history, axes, self._options, base)
        state, move = next_move(state, axes, base, tried, self._options.shrink)
        if move is None:
            reason = "every step is at its minimum and was rejected both ways; keeping the best"
            return _proposal(policy, reason, exhausted=True)
        axis = axes[move.index]
        params = policy["parameters"]
        params[axis.name] = axis.as_json(move.value, params[axis.name])
        explained = _explain(axis, move, base[move.index], state, request)
        return _proposal(policy, explained, exhausted=False)


def _proposal(policy: dict[str, Any], reasoning: str, *, exhausted: bool) -> PolicyProposal:
    """``exhausted``: the smallest step was tried (and rejected) both ways on every axis."""
    return PolicyProposal(
        policy=policy,
        raw_response=json.dumps(policy),
        model=MODEL_NAME,
        reasoning=f"local-search: {reasoning}",
        exhausted=exhausted,
    )


def _explain(
    axis: Axis, move: Move, old: float | None, state: SearchState, request: PolicyRequest
) -> str:
    way = "up" if move.direction > 0 else "down"
    why = "first move"
    if state.axes[move.index].flipped:
        why = "the other direction was rejected"
    elif request.history:
        last = max(request.history, key=lambda r: r.iteration)
        why = "the last move was accepted" if last.accepted else "trying a smaller step"
    return f"{axis.name} {old:g} -> {move.value:g} ({way} by {move.step:g}; {why})"
