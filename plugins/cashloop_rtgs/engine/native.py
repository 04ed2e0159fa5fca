"""The compiled fast path: ``cashloop_rtgs._native``, driven with the same inputs as the
pure-Python reference and giving identical results.

The extension is built at install time when a C compiler is present; without it, or with
``CASHLOOP_RTGS_PURE=1``, :func:`load_native_engine` returns None and the engine runs the
reference (``arrivals.py``, ``simulation.py``). Scenarios the compiled loop does not cover (LSM
offsetting, distributions it cannot draw exactly) also use the reference; so does any run whose
balances or costs would leave the int64 range (the extension then returns None).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from cashloop_rtgs.engine.fastfill import pure_requested
from cashloop_rtgs.engine.simulation import allocations
from cashloop_rtgs.engine.world import ArrivalRow, World
from cashloop_rtgs.errors import PolicyRuntimeError
from cashloop_rtgs.policy.compiler import DROP, HOLD, RELEASE, CompiledPolicy, TreeEvaluationError

__all__ = ["NativeEngine", "NativeRun", "load_native_engine", "native_module", "unpack_arrivals"]

#: (costs flattened agent-major in COMPONENTS order, settled, total, delay ticks, balances)
NativeRun = tuple[tuple[int, ...], int, int, int, tuple[int, ...]]


def native_module() -> ModuleType | None:
    """The compiled extension, or None when it is not built or disabled."""
    if pure_requested():
        return None
    try:
        from cashloop_rtgs import _native  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _native  # type: ignore[no-any-return]


def load_native_engine(world: World, module: ModuleType | None) -> NativeEngine | None:
    """A compiled engine for ``world`` (``module``: :func:`native_module`'s answer), or None
    when the reference path must run."""
    if module is None or world.lsm_bilateral:
        return None
    try:
        return NativeEngine(module, world)
    except OverflowError:  # a scheduled amount beyond int64
        return None


class NativeEngine:
    """Everything seed-independent packed once; ``arrivals`` and ``run`` per seed."""

    def __init__(self, module: ModuleType, world: World) -> None:
        self._module = module
        self.world = world
        rates = world.rates
        self._world_args = (
            len(world.ids),
            world.ticks_per_day,
            world.total_ticks,
            world.deferred_crediting,
            world.semantics.eod_penalty_overdue_only,
            world.eod_rush_threshold,
            tuple(world.unsecured_cap),
            tuple(world.opening),
            rates.delay_scaled,
            rates.overdue_mult_scaled,
            rates.overdraft_scaled,
            rates.liquidity_scaled,
            rates.deadline_penalty,
            rates.eod_penalty,
            rates.split_friction,
            RELEASE,
            HOLD,
            DROP,
        )
        self._static = _pack_static(world)
        self._plans = _native_plans(world)

    def arrivals(self, seed: int) -> bytes | None:
        """The seed's packed arrivals (None: this scenario's draws need the reference path)."""
        world = self.world
        if self._plans is None:
            return None
        next_day = 0 if world.semantics.arrival_cap_next_day else 1
        try:
            packed: bytes = self._module.arrivals(
                seed,
                world.total_ticks,
                world.ticks_per_day,
                world.deadline_cap_at_eod,
                next_day,
                self._plans,
            )
        except OverflowError:
            return None
        return packed

    def run(self, arrivals: bytes, policies: Sequence[CompiledPolicy]) -> NativeRun | None:
        """One simulation, or None when a value left the int64 range."""
        try:
            result: NativeRun | None = self._module.simulate(
                self._world_args,
                self._static,
                arrivals,
                tuple(allocations(self.world, policies)),
                tuple(p.constant_action for p in policies),
                tuple(p.decide for p in policies),
                TreeEvaluationError,
            )
        except OverflowError:
            return None
        except TreeEvaluationError as exc:
            agent, tick = getattr(exc, "cashloop_where", (0, 0))
            raise PolicyRuntimeError.during_run(self.world.ids[agent], tick, exc) from None
        return result


def unpack_arrivals(packed: bytes, total_ticks: int) -> tuple[tuple[ArrivalRow, ...], ...]:
    """Packed arrivals as the reference generator returns them (tests compare the two)."""
    values = array("q")
    values.frombytes(packed)
    schedule = []
    i = 0
    for _ in range(total_ticks):
        count = values[i]
        i += 1
        rows = []
        for _ in range(count):
            s, r, amount, deadline, priority = values[i : i + 5]
            rows.append((s, r, amount, deadline, priority))
            i += 5
        schedule.append(tuple(rows))
    return tuple(schedule)


def _pack_static(world: World) -> bytes:
    """Per tick: the move count and moves, then the event-payment count and rows."""
    values = array("q")
    for moves, events in world.static_inputs:
        values.append(len(moves))
        for move in moves:
            values.extend(move)
        values.append(len(events))
        for row in events:
            values.extend(row)
    return values.tobytes()


def _native_plans(world: World) -> tuple[tuple[Any, ...], ...] | None:
    """The arrival plans as the extension reads them, or None if one is out of its reach."""
    plans = []
    for p in world.arrival_plans:
        if p.native_amount is None or not p.receivers or p.deadline_span < 1:
            return None
        kind, ulo, uspan, shift, scale = p.native_amount
        plans.append(
            (
                p.sender,
                math.exp(-p.rate) if p.rate > 0.0 else -1.0,
                kind,
                ulo,
                uspan,
                shift,
                scale,
                p.receivers,
                p.weights,
                p.total_weight,
                p.deadline_lo,
                p.deadline_span,
                p.priority,
            )
        )
    return tuple(plans)
