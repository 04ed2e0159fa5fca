"""Rebuild the search state from the proposal history of one agent."""

from __future__ import annotations

from collections.abc import Sequence

from cashloop.plugin import ProposalRecord
from cashloop_local_search.axes import Axis, read_values
from cashloop_local_search.options import LocalSearchOptions
from cashloop_local_search.state import (
    SearchState,
    Tried,
    accepted,
    initial_state,
    next_move,
    rejected,
)

__all__ = ["replay"]


def _changed_axes(
    record: tuple[float | None, ...], base: tuple[float | None, ...]
) -> list[int] | None:
    """Axes whose value differs from ``base``; ``None`` when either side is unknown."""
    if any(v is None for v in record) or any(v is None for v in base):
        return None
    return [
        i
        for i, (new, old) in enumerate(zip(record, base, strict=True))
        if new != old  # exact, as when the move was made
    ]


def replay(
    history: Sequence[ProposalRecord],
    axes: tuple[Axis, ...],
    options: LocalSearchOptions,
    current: tuple[float | None, ...],
) -> tuple[SearchState, Tried]:
    """Apply every recorded outcome, oldest first, to the initial state; also return the
    candidates rejected since the last acceptance, so they are not proposed again.

    The incumbent each record was compared with is the last accepted policy before it. Before
    the first acceptance it is the starting policy: the ``current`` one while nothing was ever
    accepted; otherwise the history does not hold it, and those records are taken to be the moves
    the state intended, which is what this proposer made.
    """
    direction = -1 if options.initial_direction == "down" else 1
    state = initial_state(axes, direction)
    tried: Tried = frozenset()
    if not axes:
        return state, tried
    records = sorted(history, key=lambda r: r.iteration)
    unknown: tuple[float | None, ...] = tuple(None for _ in axes)
    base = unknown if any(r.accepted for r in records) else current
    for record in records:
        values = read_values(record.policy, axes)
        state, move = next_move(state, axes, base, tried, options.shrink)
        changed = _changed_axes(values, base)
        if changed == []:
            continue  # a repeat of the incumbent: nothing learned about any direction
        if changed is not None and len(changed) == 1:
            index = changed[0]
            old, new = base[index], values[index]
            step_direction = 1 if (new or 0.0) > (old or 0.0) else -1
        elif move is not None:
            index, step_direction = move.index, move.direction
        else:
            continue
        if record.accepted:
            state = accepted(state, axes, index, step_direction, options.grow)
            base = values if all(v is not None for v in values) else unknown
            tried = frozenset()
        else:
            state = rejected(state, axes, index, step_direction, options.shrink)
            value = values[index]
            if value is not None:
                tried |= {(index, value)}
    return state, tried
