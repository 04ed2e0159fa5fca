"""What a payment-tree condition can see: the agent snapshot and the field catalogue.

The engine takes one :class:`AgentSnapshot` per agent per tick, before any decision, and every
Q1 payment of that agent is judged against it (SimCash evaluates the whole queue against one
immutable agent view). Each field is a float-valued expression of ``(payment, snapshot)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from cashloop_rtgs.liquidity import available_liquidity

__all__ = ["FIELDS", "FIELD_DOCS", "FIELD_EXPRESSIONS", "AgentSnapshot", "FieldGetter"]

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
        self.available_liquidity = float(available_liquidity(balance, unsecured_cap))
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


#: name -> (Python expression over ``p`` (payment) and ``s`` (snapshot), one-line description).
#: The expressions are float-valued (money is converted as Rust's ``as f64``); the tree compiler
#: inlines them into generated code and ``FIELDS`` wraps them as functions.
_CATALOGUE: Final[dict[str, tuple[str, str]]] = {
    # the payment being decided
    "amount": ("_f(p.amount)", "payment amount in cents"),
    "remaining_amount": ("_f(p.remaining)", "unsettled part of the payment, cents"),
    "settled_amount": ("_f(p.amount - p.remaining)", "settled part, cents"),
    "priority": ("_f(p.priority)", "payment priority 0-10"),
    "arrival_tick": ("_f(p.arrival)", "tick the payment arrived"),
    "deadline_tick": ("_f(p.deadline)", "tick of the payment's deadline"),
    "ticks_to_deadline": (
        "(p.deadline - s.tick)",
        "deadline_tick - current_tick (negative once past the deadline)",
    ),
    "is_past_deadline": ("(1.0 if s.tick > p.deadline else 0.0)", "1 if current_tick > deadline"),
    "is_overdue": ("(1.0 if p.overdue_since >= 0 else 0.0)", "1 if marked overdue (penalised)"),
    "overdue_duration": (
        "(max(0.0, s.tick - p.overdue_since) if p.overdue_since >= 0 else 0.0)",
        "ticks since the payment became overdue, 0 if not overdue",
    ),
    "queue_age": ("max(0.0, s.tick - p.arrival)", "ticks since arrival"),
    "is_split": ("(0.0 if p.parent is None else 1.0)", "1 for a child of a split payment"),
    # the deciding bank (one snapshot per tick, taken before any decision)
    "balance": ("s.balance", "settlement account balance, cents"),
    "credit_limit": ("s.unsecured_cap", "unsecured intraday credit cap, cents"),
    "unsecured_cap": ("s.unsecured_cap", "same as credit_limit"),
    "credit_used": ("s.credit_used", "max(0, -balance)"),
    "credit_headroom": ("s.credit_headroom", "credit_limit - credit_used"),
    "effective_liquidity": (
        "s.effective_liquidity",
        "balance + credit_limit - max(0, -balance)",
    ),
    "available_liquidity": (
        "s.available_liquidity",
        "largest payment that settles now: max(balance,0) + max(0, credit_headroom)",
    ),
    "outgoing_queue_size": ("s.q1_size", "number of payments in the bank's Q1"),
    "queue1_total_value": ("s.q1_value", "remaining value of all Q1 payments"),
    "headroom": (
        "(s.available_liquidity - s.q1_value)",
        "available_liquidity - queue1_total_value",
    ),
    # the clock
    "current_tick": ("s.tick", "global tick (day * ticks_per_day + tick in day)"),
    "system_tick_in_day": ("s.tick_in_day", "tick within the day, from 0"),
    "system_ticks_per_day": ("s.ticks_per_day", "ticks in one day"),
    "system_current_day": ("s.day", "day number, from 0"),
    "ticks_remaining_in_day": ("s.ticks_remaining", "ticks_per_day - tick_in_day - 1"),
    "day_progress_fraction": ("s.day_progress", "tick_in_day / ticks_per_day"),
    "is_eod_rush": (
        "s.eod_rush",
        "1 once day_progress_fraction >= the scenario's eod_rush_threshold (0.8)",
    ),
}

FIELD_EXPRESSIONS: Final[dict[str, str]] = {name: expr for name, (expr, _) in _CATALOGUE.items()}
FIELD_DOCS: Final[dict[str, str]] = {name: doc for name, (_, doc) in _CATALOGUE.items()}
FIELDS: Final[dict[str, FieldGetter]] = {
    name: eval(f"lambda p, s: {expr}", {"_f": float}) for name, expr in FIELD_EXPRESSIONS.items()
}
