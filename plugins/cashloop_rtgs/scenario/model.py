"""The scenario file as frozen attrs value objects (structured by the core's cattrs converter).

Field names and defaults follow SimCash's scenario schema, so a SimCash Castro scenario loads
unchanged; cost-rate defaults are SimCash's. Cross-field rules live in ``scenario.checks``.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

__all__ = [
    "AgentConfig",
    "AmountDistribution",
    "ArrivalConfig",
    "CostRates",
    "CustomTransactionArrival",
    "DirectTransfer",
    "Exponential",
    "LogNormal",
    "LsmConfig",
    "Normal",
    "OneTime",
    "Repeating",
    "Scenario",
    "ScenarioEvent",
    "ScheduledSettlement",
    "SimulationSettings",
    "Uniform",
]


@attrs.frozen(kw_only=True)
class SimulationSettings:
    ticks_per_day: int
    num_days: int = 1
    rng_seed: int = 0


@attrs.frozen(kw_only=True)
class Uniform:
    type: Literal["Uniform"]
    min: int
    max: int


@attrs.frozen(kw_only=True)
class Normal:
    type: Literal["Normal"]
    mean: float
    std_dev: float


@attrs.frozen(kw_only=True)
class LogNormal:
    """``mean`` and ``std_dev`` are those of the amount itself, in cents."""

    type: Literal["LogNormal"]
    mean: float
    std_dev: float


@attrs.frozen(kw_only=True)
class Exponential:
    type: Literal["Exponential"]
    lambda_: float  # written ``lambda`` in the file


AmountDistribution = Uniform | Normal | LogNormal | Exponential


@attrs.frozen(kw_only=True)
class ArrivalConfig:
    rate_per_tick: float
    amount_distribution: AmountDistribution
    deadline_range: tuple[int, int]
    counterparty_weights: dict[str, float] = attrs.field(factory=dict)
    priority: int = 5
    divisible: bool = False  # accepted for SimCash compatibility; splitting is a policy action


@attrs.frozen(kw_only=True)
class AgentConfig:
    id: str
    opening_balance: int = 0
    unsecured_cap: int = 0
    liquidity_pool: int | None = None
    #: Fraction of the pool allocated when the policy does not set initial_liquidity_fraction.
    liquidity_allocation_fraction: float | None = None
    #: Starting policy: an inline JSON policy object or a path to a .json file (checked by
    #: ``scenario.checks``; the loader replaces a path by the file's object).
    policy: Any = None
    arrival_config: ArrivalConfig | None = None


@attrs.frozen(kw_only=True)
class CostRates:
    delay_cost_per_tick_per_cent: float = 0.0001
    overdraft_bps_per_tick: float = 0.001
    collateral_cost_per_tick_bps: float = 0.0002
    liquidity_cost_per_tick_bps: float = 0.0
    eod_penalty_per_transaction: int = 10_000
    deadline_penalty: int = 50_000
    split_friction_cost: int = 1_000
    overdue_delay_multiplier: float = 5.0


@attrs.frozen(kw_only=True)
class OneTime:
    type: Literal["OneTime"]
    tick: int

    def fires_at(self, tick: int) -> bool:
        return tick == self.tick


@attrs.frozen(kw_only=True)
class Repeating:
    type: Literal["Repeating"]
    start_tick: int
    interval: int

    def fires_at(self, tick: int) -> bool:
        return tick >= self.start_tick and (tick - self.start_tick) % self.interval == 0


@attrs.frozen(kw_only=True)
class CustomTransactionArrival:
    """A payment put in the sender's Q1; ``deadline`` is relative to the arrival tick."""

    type: Literal["CustomTransactionArrival"]
    from_agent: str
    to_agent: str
    amount: int
    schedule: OneTime | Repeating
    priority: int | None = None
    deadline: int | None = None
    is_divisible: bool | None = None


@attrs.frozen(kw_only=True)
class ScheduledSettlement:
    """Money that moves immediately at the scheduled tick (a settled incoming payment)."""

    type: Literal["ScheduledSettlement"]
    from_agent: str
    to_agent: str
    amount: int
    schedule: OneTime | Repeating


@attrs.frozen(kw_only=True)
class DirectTransfer:
    """A balance transfer at the scheduled tick (same effect as ScheduledSettlement)."""

    type: Literal["DirectTransfer"]
    from_agent: str
    to_agent: str
    amount: int
    schedule: OneTime | Repeating


ScenarioEvent = CustomTransactionArrival | ScheduledSettlement | DirectTransfer


@attrs.frozen(kw_only=True)
class LsmConfig:
    enable_bilateral: bool = False
    enable_cycles: bool = False
    max_cycle_length: int = 4
    max_cycles_per_tick: int = 10


@attrs.frozen(kw_only=True)
class Scenario:
    simulation: SimulationSettings
    agents: tuple[AgentConfig, ...]
    cost_rates: CostRates = attrs.field(factory=CostRates)
    scenario_events: tuple[ScenarioEvent, ...] = ()
    deferred_crediting: bool = False
    deadline_cap_at_eod: bool = False
    eod_rush_threshold: float = 0.8
    lsm_config: LsmConfig = attrs.field(factory=LsmConfig)

    @property
    def agent_ids(self) -> tuple[str, ...]:
        """Agent ids in sorted order: the engine's processing order."""
        return tuple(sorted(a.id for a in self.agents))

    @property
    def total_ticks(self) -> int:
        return self.simulation.ticks_per_day * self.simulation.num_days
