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


#: One replayed outcome: whether it was accepted, and the axis values of its policy.
Step = tuple[bool, tuple[float | None, ...]]
#: What a replay depends on besides its steps: the axes, the options and the starting base.
Head = tuple[tuple[Axis, ...], LocalSearchOptions, tuple[float | None, ...]]
Replayed = tuple[SearchState, Tried, tuple[float | None, ...]]

#: Replays by (head, steps). The history grows by one record per call, so the previous call's
#: replay is usually the prefix of this one, which then costs one step instead of the whole history.
_MEMO: dict[tuple[Head, tuple[Step, ...]], Replayed] = {}
_MEMO_SIZE = 256
#: Each record's step, by record identity: the loop hands over the same record objects every
#: iteration, so only the newest record's policy is read again.
_STEPS: dict[int, tuple[ProposalRecord, tuple[str, ...], Step]] = {}
_STEPS_SIZE = 4096


def _step(record: ProposalRecord, axes: tuple[Axis, ...], names: tuple[str, ...]) -> Step:
    known = _STEPS.get(id(record))
    if known is not None and known[0] is record and known[1] == names:
        return known[2]
    step = (bool(record.accepted), read_values(record.policy, axes))
    if len(_STEPS) >= _STEPS_SIZE:
        del _STEPS[next(iter(_STEPS))]
    _STEPS[id(record)] = (record, names, step)
    return step


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
    if not axes:
        return initial_state(axes, direction), frozenset()
    records = sorted(history, key=lambda r: r.iteration)
    names = tuple(axis.name for axis in axes)
    steps = tuple(_step(r, axes, names) for r in records)
    unknown: tuple[float | None, ...] = tuple(None for _ in axes)
    head: Head = (axes, options, unknown if any(ok for ok, _ in steps) else current)
    done = _MEMO.get((head, steps))
    if done is None:
        before = _MEMO.get((head, steps[:-1])) if steps else None
        if before is not None:
            done = _apply(before, steps[-1:], axes, options)
        else:
            done = _apply(
                (initial_state(axes, direction), frozenset(), head[2]), steps, axes, options
            )
        if len(_MEMO) >= _MEMO_SIZE:
            del _MEMO[next(iter(_MEMO))]
        _MEMO[(head, steps)] = done
    return done[0], done[1]


def _apply(
    start: Replayed, steps: Sequence[Step], axes: tuple[Axis, ...], options: LocalSearchOptions
) -> Replayed:
    """The state, rejected candidates and incumbent values after replaying ``steps``."""
    state, tried, base = start
    unknown: tuple[float | None, ...] = tuple(None for _ in axes)
    for was_accepted, values in steps:
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
        if was_accepted:
            state = accepted(state, axes, index, step_direction, options.grow)
            base = values if all(v is not None for v in values) else unknown
            tried = frozenset()
        else:
            state = rejected(state, axes, index, step_direction, options.shrink)
            value = values[index]
            if value is not None:
                tried |= {(index, value)}
    return state, tried, base
