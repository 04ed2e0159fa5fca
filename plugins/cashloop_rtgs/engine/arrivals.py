"""Stochastic arrivals for one seed: the only consumer of the random stream.

Per tick, agents in sorted order draw ``n ~ Poisson(rate)`` and, per payment, the amount, the
receiver (one draw) and the deadline offset (one draw), exactly in SimCash's order. Draws come
from a buffer of raw xorshift64* outputs filled in blocks (``fill``), so a faster block
generator can be swapped in without touching the consumption logic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from cashloop_rtgs.rng import MASK64, MULTIPLIER, TWO_POW_NEG53

if TYPE_CHECKING:
    from cashloop_rtgs.engine.world import ArrivalRow, World

__all__ = ["Fill", "fill_python", "generate_arrivals"]

#: fill(state, count) -> (count raw outputs, new state)
Fill = Callable[[int, int], tuple[list[int], int]]

CHUNK: Final = 64


def fill_python(state: int, count: int) -> tuple[list[int], int]:
    """The next ``count`` xorshift64* outputs after ``state`` (pure Python)."""
    out = [0] * count
    x = state
    mask, mult = MASK64, MULTIPLIER
    for j in range(count):
        x ^= x >> 12
        x ^= (x << 25) & mask
        x ^= x >> 27
        out[j] = (x * mult) & mask
    return out, x


def generate_arrivals(
    world: World, seed: int, fill: Fill = fill_python, first_block: int = CHUNK
) -> tuple[tuple[ArrivalRow, ...], ...]:
    """Per global tick, the stochastic payments entering Q1, in arrival order.

    ``first_block`` draws are generated up front (a bulk generator asks for about the expected
    number of draws of the run), then more in blocks of ``CHUNK`` as needed.
    """
    total = world.total_ticks
    if not world.arrival_plans:
        return ((),) * total
    tpd = world.ticks_per_day
    cap_at_eod = world.deadline_cap_at_eod
    next_day = 0 if world.semantics.arrival_cap_next_day else 1
    scale = TWO_POW_NEG53
    plans = [
        (
            p.sender,
            math.exp(-p.rate) if p.rate > 0.0 else -1.0,
            p.amount_draws,
            p.amount,
            p.receivers,
            len(p.receivers),
            p.weights,
            p.total_weight,
            p.deadline_lo,
            p.deadline_span,
            p.priority,
            p.amount_draws + 2,
        )
        for p in world.arrival_plans
    ]
    state = (seed & MASK64) or 1
    buf, state = fill(state, first_block)
    n, i = first_block, 0
    schedule = []
    for t in range(total):
        rows = []
        latest = (t // tpd + 1) * tpd - next_day if cap_at_eod else total
        latest = min(latest, total)
        earliest = t + 1
        for (
            sender,
            limit,
            draws,
            amount,
            receivers,
            n_receivers,
            weights,
            total_weight,
            lo,
            span,
            priority,
            need,
        ) in plans:
            if limit < 0.0:  # rate 0: Poisson returns 0 without drawing
                continue
            count = 0
            p = 1.0
            while True:  # Knuth: multiply uniforms until the product reaches exp(-rate)
                if i >= n:
                    buf, state = fill(state, CHUNK)
                    n, i = CHUNK, 0
                p *= (buf[i] >> 11) * scale
                i += 1
                if p <= limit:
                    break
                count += 1
            for _ in range(count):
                if i + need > n:
                    more, state = fill(state, CHUNK)
                    buf = buf[i:] + more
                    n, i = len(buf), 0
                value = amount(buf[i], buf[i + 1]) if draws == 2 else amount(buf[i])  # type: ignore[operator]
                i += draws
                if n_receivers == 1:  # the draw is still consumed, but cannot matter
                    receiver = receivers[0]
                elif weights is None:
                    receiver = receivers[buf[i] % n_receivers]
                else:
                    target = (buf[i] >> 11) * scale * total_weight
                    receiver = receivers[-1]
                    for r, w in zip(receivers, weights, strict=True):
                        target -= w
                        if target <= 0.0:
                            receiver = r
                            break
                deadline = t + lo + buf[i + 1] % span
                i += 2
                if deadline > latest:
                    deadline = latest
                if deadline < earliest:
                    deadline = earliest
                rows.append((sender, receiver, value, deadline, priority))
        schedule.append(tuple(rows))
    return tuple(schedule)
