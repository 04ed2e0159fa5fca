"""Cost rates as SimCash's scaled integers, and the per-tick formulas that use them.

Each rate is converted once (``round(rate * scale)``) and each product is rounded half up
once per agent per tick: ``(x * rate_scaled + divisor // 2) // divisor``.
"""

from __future__ import annotations

import math
from typing import Final

import attrs

from cashloop_rtgs.rng import rust_round
from cashloop_rtgs.scenario.model import CostRates

__all__ = ["COMPONENTS", "MULT_SCALE", "RateTable"]

#: Cost components reported per agent, in breakdown order.
COMPONENTS: Final = (
    "liquidity_cost",
    "delay_cost",
    "deadline_penalty",
    "eod_penalty",
    "overdraft_cost",
    "split_friction",
)

MULT_SCALE: Final = 1_000  # multipliers (overdue_delay_multiplier) are scaled by 1e3
DELAY_DIVISOR: Final = MULT_SCALE * 1_000_000  # delay rate scaled by 1e6
OVERDRAFT_DIVISOR: Final = 10_000 * 1_000  # bps, scaled by 1e3
LIQUIDITY_DIVISOR: Final = 10_000 * 1_000_000  # bps, scaled by 1e6


def _scaled(rate: float, scale: int) -> int:
    if not math.isfinite(rate) or rate < 0:
        return 0
    return int(rust_round(rate * scale))


@attrs.frozen(kw_only=True)
class RateTable:
    """The scenario's cost rates, ready for integer arithmetic."""

    delay_scaled: int
    overdue_mult_scaled: int
    overdraft_scaled: int
    liquidity_scaled: int
    deadline_penalty: int
    eod_penalty: int
    split_friction: int

    @classmethod
    def from_rates(cls, rates: CostRates) -> RateTable:
        mult = rates.overdue_delay_multiplier
        return cls(
            delay_scaled=_scaled(rates.delay_cost_per_tick_per_cent, 1_000_000),
            overdue_mult_scaled=(
                _scaled(mult, MULT_SCALE) if math.isfinite(mult) and mult >= 0 else MULT_SCALE
            ),
            overdraft_scaled=_scaled(rates.overdraft_bps_per_tick, 1_000),
            liquidity_scaled=_scaled(rates.liquidity_cost_per_tick_bps, 1_000_000),
            deadline_penalty=rates.deadline_penalty,
            eod_penalty=rates.eod_penalty_per_transaction,
            split_friction=rates.split_friction_cost,
        )

    def delay(self, weighted_scaled: int) -> int:
        """Delay cost of ``sum(remaining * multiplier * 1000)`` queued cents."""
        return (weighted_scaled * self.delay_scaled + DELAY_DIVISOR // 2) // DELAY_DIVISOR

    def overdraft(self, balance: int) -> int:
        if balance >= 0:
            return 0
        return (-balance * self.overdraft_scaled + OVERDRAFT_DIVISOR // 2) // OVERDRAFT_DIVISOR

    def liquidity(self, allocation: int) -> int:
        """Opportunity cost of the allocated pool liquidity for one tick."""
        if allocation <= 0:
            return 0
        return (allocation * self.liquidity_scaled + LIQUIDITY_DIVISOR // 2) // LIQUIDITY_DIVISOR
