"""Affordability: how much a bank can pay right now (rtgs-model.md, "Affordability")."""

from __future__ import annotations

__all__ = ["available_liquidity"]


def available_liquidity(balance: int, unsecured_cap: int) -> int:
    """``max(balance, 0) + max(0, unsecured_cap - max(0, -balance))`` (collateral terms are
    zero in this model). A payment settles whole when its amount is at most this."""
    headroom = unsecured_cap - (-balance if balance < 0 else 0)
    return (balance if balance > 0 else 0) + (headroom if headroom > 0 else 0)
