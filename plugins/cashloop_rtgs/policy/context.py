"""What a payment-tree condition can see: the agent snapshot and the field catalogue.

The engine takes one :class:`AgentSnapshot` per agent per tick, before any decision, and every
Q1 payment of that agent is judged against it (SimCash evaluates the whole queue against one
immutable agent view). Each field is a function of ``(payment, snapshot)`` returning a float.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

__all__ = ["FIELDS", "FIELD_DOCS", "AgentSnapshot", "FieldGetter"]

FieldGetter = Callable[[Any, "AgentSnapshot"], float]


class AgentSnapshot:
    """One agent's state at the start of the policy step of one tick."""

    __slots__ = (
        "available_liquidity",
        "balance",
        "credit_headroom",
        "credit_used",
        "day",
        "day_progress",
        "effective_liquidity",
        "eod_rush",
        "q1_size",
        "q1_value",
        "tick",
        "tick_in_day",
        "ticks_per_day",
        "ticks_remaining",
        "unsecured_cap",
    )

    def __init__(
        self,
        *,
        tick: int,
        ticks_per_day: int,
        eod_rush_threshold: float,
        balance: int,
        unsecured_cap: int,
        q1_size: int,
        q1_value: int,
    ) -> None:
        credit_used = -balance if balance < 0 else 0
        headroom = unsecured_cap - credit_used
        self.tick = float(tick)
        self.balance = float(balance)
        self.unsecured_cap = float(unsecured_cap)
        self.credit_used = float(credit_used)
        self.credit_headroom = float(headroom)
        self.effective_liquidity = float(balance + headroom)
        self.available_liquidity = float((balance if balance > 0 else 0) + max(0, headroom))
        self.q1_size = float(q1_size)
        self.q1_value = float(q1_value)
        day, tick_in_day = divmod(tick, ticks_per_day)
        progress = tick_in_day / ticks_per_day
        self.day = float(day)
        self.tick_in_day = float(tick_in_day)
        self.ticks_per_day = float(ticks_per_day)
        self.ticks_remaining = float(max(0, ticks_per_day - tick_in_day - 1))
        self.day_progress = progress
        self.eod_rush = 1.0 if progress >= eod_rush_threshold else 0.0


def _flag(value: bool) -> float:
    return 1.0 if value else 0.0


#: name -> (getter, one-line description for the policy schema text)
_CATALOGUE: Final[dict[str, tuple[FieldGetter, str]]] = {
    # the payment being decided
    "amount": (lambda p, s: float(p.amount), "payment amount in cents"),
    "remaining_amount": (lambda p, s: float(p.remaining), "unsettled part of the payment, cents"),
    "settled_amount": (lambda p, s: float(p.amount - p.remaining), "settled part, cents"),
    "priority": (lambda p, s: float(p.priority), "payment priority 0-10"),
    "arrival_tick": (lambda p, s: float(p.arrival), "tick the payment arrived"),
    "deadline_tick": (lambda p, s: float(p.deadline), "tick of the payment's deadline"),
    "ticks_to_deadline": (
        lambda p, s: p.deadline - s.tick,
        "deadline_tick - current_tick (negative once past the deadline)",
    ),
    "is_past_deadline": (lambda p, s: _flag(s.tick > p.deadline), "1 if current_tick > deadline"),
    "is_overdue": (lambda p, s: _flag(p.overdue_since >= 0), "1 if marked overdue (penalised)"),
    "overdue_duration": (
        lambda p, s: max(0.0, s.tick - p.overdue_since) if p.overdue_since >= 0 else 0.0,
        "ticks since the payment became overdue, 0 if not overdue",
    ),
    "queue_age": (lambda p, s: max(0.0, s.tick - p.arrival), "ticks since arrival"),
    "is_split": (lambda p, s: _flag(p.parent is not None), "1 for a child of a split payment"),
    # the deciding bank (one snapshot per tick, taken before any decision)
    "balance": (lambda p, s: s.balance, "settlement account balance, cents"),
    "credit_limit": (lambda p, s: s.unsecured_cap, "unsecured intraday credit cap, cents"),
    "unsecured_cap": (lambda p, s: s.unsecured_cap, "same as credit_limit"),
    "credit_used": (lambda p, s: s.credit_used, "max(0, -balance)"),
    "credit_headroom": (lambda p, s: s.credit_headroom, "credit_limit - credit_used"),
    "effective_liquidity": (
        lambda p, s: s.effective_liquidity,
        "balance + credit_limit - max(0, -balance)",
    ),
    "available_liquidity": (
        lambda p, s: s.available_liquidity,
        "largest payment that settles now: max(balance,0) + max(0, credit_headroom)",
    ),
    "outgoing_queue_size": (lambda p, s: s.q1_size, "number of payments in the bank's Q1"),
    "queue1_total_value": (lambda p, s: s.q1_value, "remaining value of all Q1 payments"),
    "headroom": (
        lambda p, s: s.available_liquidity - s.q1_value,
        "available_liquidity - queue1_total_value",
    ),
    # the clock
    "current_tick": (lambda p, s: s.tick, "global tick (day * ticks_per_day + tick in day)"),
    "system_tick_in_day": (lambda p, s: s.tick_in_day, "tick within the day, from 0"),
    "system_ticks_per_day": (lambda p, s: s.ticks_per_day, "ticks in one day"),
    "system_current_day": (lambda p, s: s.day, "day number, from 0"),
    "ticks_remaining_in_day": (
        lambda p, s: s.ticks_remaining,
        "ticks_per_day - tick_in_day - 1",
    ),
    "day_progress_fraction": (lambda p, s: s.day_progress, "tick_in_day / ticks_per_day"),
    "is_eod_rush": (
        lambda p, s: s.eod_rush,
        "1 once day_progress_fraction >= the scenario's eod_rush_threshold (0.8)",
    ),
}

FIELDS: Final[dict[str, FieldGetter]] = {name: g for name, (g, _) in _CATALOGUE.items()}
FIELD_DOCS: Final[dict[str, str]] = {name: doc for name, (_, doc) in _CATALOGUE.items()}
