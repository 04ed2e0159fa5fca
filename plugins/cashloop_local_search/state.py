"""The pattern-search state and its transitions, rebuilt from the proposal history each call.

Keeping no state between calls makes a proposal a pure function of the request, so a rerun or a
resumed run proposes exactly what the original did. Transitions depend only on which axis moved,
in which direction, and whether the move was accepted.
"""

from __future__ import annotations

import attrs

from cashloop_local_search.axes import Axis

__all__ = [
    "AxisState",
    "Move",
    "SearchState",
    "Tried",
    "accepted",
    "initial_state",
    "next_move",
    "rejected",
]

#: (axis index, value) pairs already rejected from the current incumbent.
Tried = frozenset[tuple[int, float]]


@attrs.frozen(kw_only=True)
class AxisState:
    """Step and direction of one axis.

    ``direction`` is tried first at the current step; ``flipped`` means it was rejected and the
    opposite direction is being tried; ``exhausted`` means both were rejected at the minimum step.
    """

    step: float
    direction: int
    flipped: bool = False
    exhausted: bool = False


@attrs.frozen(kw_only=True)
class SearchState:
    axes: tuple[AxisState, ...]
    cursor: int = 0

    def replace_axis(self, index: int, axis: AxisState, cursor: int) -> SearchState:
        axes = (*self.axes[:index], axis, *self.axes[index + 1 :])
        return SearchState(axes=axes, cursor=cursor % max(1, len(axes)))

    @property
    def idle(self) -> bool:
        return all(a.exhausted for a in self.axes)


@attrs.frozen(kw_only=True)
class Move:
    """One proposed change: axis ``index`` moves to ``value`` (``direction * step`` away)."""

    index: int
    direction: int
    step: float
    value: float


def initial_state(axes: tuple[Axis, ...], direction: int) -> SearchState:
    return SearchState(
        axes=tuple(AxisState(step=a.initial_step, direction=direction) for a in axes)
    )


def accepted(
    state: SearchState, axes: tuple[Axis, ...], index: int, direction: int, grow: float
) -> SearchState:
    """Keep the direction, grow the step, stay on the axis; other axes may move again."""
    current = state.axes[index]
    moved = AxisState(step=axes[index].grown(current.step, grow), direction=direction)
    others = tuple(attrs.evolve(a, exhausted=False, flipped=False) for a in state.axes)
    return SearchState(axes=others, cursor=index).replace_axis(index, moved, index)


def rejected(
    state: SearchState, axes: tuple[Axis, ...], index: int, direction: int, shrink: float
) -> SearchState:
    """First rejection: try the opposite direction. Second: shrink (or exhaust) and move on."""
    current = state.axes[index]
    if not current.flipped:
        flipped = AxisState(step=current.step, direction=direction, flipped=True)
        return state.replace_axis(index, flipped, index)
    if direction == current.direction:
        return state.replace_axis(index, current, index)  # the first direction again: no news
    axis = axes[index]
    if current.step <= axis.min_step:
        done = AxisState(step=axis.min_step, direction=current.direction, exhausted=True)
        return state.replace_axis(index, done, index + 1)
    smaller = AxisState(step=axis.shrunk(current.step, shrink), direction=current.direction)
    return state.replace_axis(index, smaller, index + 1)


def intended(state: SearchState) -> tuple[int, int] | None:
    """The (axis, direction) the state would try next, ignoring bounds; ``None`` when idle."""
    for offset in range(len(state.axes)):
        index = (state.cursor + offset) % len(state.axes)
        axis = state.axes[index]
        if not axis.exhausted:
            return index, -axis.direction if axis.flipped else axis.direction
    return None


def next_move(
    state: SearchState,
    axes: tuple[Axis, ...],
    base: tuple[float | None, ...],
    tried: Tried,
    shrink: float,
) -> tuple[SearchState, Move | None]:
    """The next move from ``base``. A move the bounds turn into no change, or onto a candidate
    already rejected from this incumbent, counts as rejected without being proposed.

    Returns the state after skipping such moves, and ``None`` once every axis is exhausted.
    """
    while True:
        target = intended(state)
        if target is None:
            return state, None
        index, direction = target
        if index != state.cursor:
            state = SearchState(axes=state.axes, cursor=index)
        origin = base[index]
        step = state.axes[index].step
        if origin is None:
            return state, Move(index=index, direction=direction, step=step, value=float("nan"))
        value = axes[index].moved(origin, direction, step)
        if value != origin and (index, value) not in tried:
            return state, Move(index=index, direction=direction, step=step, value=value)
        state = rejected(state, axes, index, direction, shrink)
