"""Optional liquidity-saving mechanism: bilateral offsetting of queued payments.

Off in every shipped scenario. For each pair of agents (sorted order) with Q2 payments both
ways, all of them settle at once when the net payer can afford the net amount; only the net
moves (credited late under deferred crediting). Cycle detection is not implemented. This is a
faithful T2-style offset, not a cent-exact replica of SimCash's LSM.
"""

from __future__ import annotations

from collections.abc import Sequence

from cashloop_rtgs.engine.payment import Payment
from cashloop_rtgs.liquidity import available_liquidity

__all__ = ["offset_bilateral"]


def offset_bilateral(
    q2: list[Payment],
    balance: list[int],
    caps: Sequence[int],
    credits: list[int] | None,
    tick: int,
) -> list[Payment]:
    """Settle every affordable bilateral offset in ``q2``; return what is still queued."""
    gross: dict[tuple[int, int], int] = {}
    for p in q2:
        key = (p.sender, p.receiver)
        gross[key] = gross.get(key, 0) + p.remaining
    offset: set[tuple[int, int]] = set()
    for a, b in sorted(gross):
        if a > b or (b, a) not in gross:
            continue
        net = gross[(a, b)] - gross[(b, a)]
        payer, payee = (a, b) if net >= 0 else (b, a)
        net = abs(net)
        if net > available_liquidity(balance[payer], caps[payer]):
            continue
        balance[payer] -= net
        if credits is None:
            balance[payee] += net
        else:
            credits[payee] += net
        offset.update(((a, b), (b, a)))
    if not offset:
        return q2
    waiting = []
    for p in q2:
        if (p.sender, p.receiver) in offset:
            p.mark_settled(tick)
        else:
            waiting.append(p)
    return waiting
