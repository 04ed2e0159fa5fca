"""The ``rtgs`` evaluator: the PolicyEvaluator protocol over the RTGS engine (DESIGN §2.3).

It is picklable: only the options and the loaded scenario travel; the world, the compiled
policies and the per-seed arrival schedules are rebuilt lazily in each process.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from cashloop.errors import UserError
from cashloop.plugin import SampleResult, ValidationResult, breakdown_key
from cashloop_rtgs.cache import LRUCache
from cashloop_rtgs.engine.arrivals import CHUNK, Fill, generate_arrivals
from cashloop_rtgs.engine.costs import COMPONENTS
from cashloop_rtgs.engine.fastfill import pure_requested, select_fill
from cashloop_rtgs.engine.native import NativeEngine, NativeRun, load_native_engine, native_module
from cashloop_rtgs.engine.simulation import RunResult, simulate
from cashloop_rtgs.engine.world import SEMANTICS, ArrivalRow, World
from cashloop_rtgs.errors import InvalidPolicyError
from cashloop_rtgs.options import RtgsOptions
from cashloop_rtgs.policy.compiler import CompiledPolicy, compile_policy
from cashloop_rtgs.policy.describe import describe_scenario, policy_schema_text
from cashloop_rtgs.policy.grammar import FRACTION_PARAMETER
from cashloop_rtgs.policy.schema import check_policy, literal_zero_divisions
from cashloop_rtgs.rng import MASK64
from cashloop_rtgs.sandbox import BootstrapSandbox
from cashloop_rtgs.scenario import Scenario, load_scenario

__all__ = ["RtgsEvaluator", "default_policy"]

_ARRIVAL_CACHE_SIZE: Final = 512
_POLICY_CACHE_SIZE: Final = 256


def default_policy(fraction: float = 0.5) -> dict[str, Any]:
    """Release every payment at once, committing ``fraction`` of the liquidity pool."""
    return {
        "version": "2.0",
        "policy_id": "release_all",
        "description": "Release every payment as soon as it arrives.",
        "parameters": {FRACTION_PARAMETER: fraction},
        "payment_tree": {"type": "action", "node_id": "release", "action": "Release"},
    }


class RtgsEvaluator:
    """Scores policy profiles on a scenario; deterministic for ``(policies, seed)``."""

    def __init__(self, options: RtgsOptions, scenario: Scenario | None = None) -> None:
        self.options = options
        self.scenario = scenario if scenario is not None else load_scenario(options.scenario)
        self._reset_caches()

    # -- pickling: ship the data, rebuild the machinery -----------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"options": self.options, "scenario": self.scenario}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.options = state["options"]
        self.scenario = state["scenario"]
        self._reset_caches()

    def _reset_caches(self) -> None:
        self._agent_ids = self.scenario.agent_ids
        self._breakdown_keys = [
            [breakdown_key(agent, component) for component in COMPONENTS]
            for agent in self._agent_ids
        ]
        self._flat_keys = [key for keys in self._breakdown_keys for key in keys]
        self._pure_fill = pure_requested()  # read now, like the engine choice below
        self._fill_choice: tuple[Fill, bool] | None = None  # made when the reference first runs
        self._native_module = native_module()  # None: not built, or CASHLOOP_RTGS_PURE set
        self._world: World | None = None
        self._sandbox: BootstrapSandbox | None = None
        self._arrivals: LRUCache[int, tuple[tuple[ArrivalRow, ...], ...]] = LRUCache(
            _ARRIVAL_CACHE_SIZE
        )
        self._native: NativeEngine | Literal[False] | None = False  # False: not looked up yet
        self._packed: LRUCache[int, bytes | None] = LRUCache(_ARRIVAL_CACHE_SIZE)
        self._compiled: LRUCache[str, CompiledPolicy | list[str]] = LRUCache(_POLICY_CACHE_SIZE)
        self._initial_policies: dict[str, dict[str, Any]] = {}

    @property
    def world(self) -> World:
        if self._world is None:
            self._world = World.build(self.scenario, SEMANTICS[self.options.semantics])
        return self._world

    # -- PolicyEvaluator -----------------------------------------------------------------------
    def agents(self) -> Sequence[str]:
        return self._agent_ids

    def initial_policy(self, agent_id: str) -> dict[str, Any]:
        agent = self._agent(agent_id)
        if isinstance(agent.policy, Mapping):
            return copy.deepcopy(dict(agent.policy))
        fraction = agent.liquidity_allocation_fraction
        return default_policy(0.5 if fraction is None else fraction)

    def policy_schema(self) -> str:
        return policy_schema_text()

    def describe(self) -> str:
        return describe_scenario(self.scenario, self.options)

    def validate(self, agent_id: str, policy: Mapping[str, Any]) -> ValidationResult:
        if agent_id not in self.agents():
            return ValidationResult.failed(
                [f"unknown agent '{agent_id}'; agents: {', '.join(self.agents())}"]
            )
        compiled = self._compile(policy)
        if isinstance(compiled, list):
            return ValidationResult.failed(compiled)
        # a literal division by 0 would only fail at evaluation: refuse the proposal now
        return ValidationResult.failed(literal_zero_divisions(policy))

    def evaluate(
        self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]
    ) -> list[SampleResult]:
        compiled = self.compile_profile(policies)
        if self.options.sampling == "bootstrap-sandbox":
            if self._sandbox is None:
                initial = self.compile_profile({})
                self._sandbox = BootstrapSandbox(
                    self.world, initial, self._context_seed(), self._fill()[0]
                )
            return [self._sample(seed, _flat(self._sandbox.run(seed, compiled))) for seed in seeds]
        native = self.native_engine
        if native is None:
            world = self.world
            return [
                self._sample(seed, _flat(simulate(world, self.arrivals(seed), compiled)))
                for seed in seeds
            ]
        samples = []
        for seed in seeds:
            packed = self._native_arrivals(native, seed)
            run = None if packed is None else native.run(packed, compiled)
            if run is None:  # outside the compiled engine's exact range: the reference runs
                run = _flat(simulate(self.world, self.arrivals(seed), compiled))
            samples.append(self._sample(seed, run))
        return samples

    @property
    def native_engine(self) -> NativeEngine | None:
        """The compiled engine for this scenario, or None (not built, disabled, or LSM)."""
        if self._native is False:
            self._native = load_native_engine(self.world, self._native_module)
        return self._native

    def _native_arrivals(self, native: NativeEngine, seed: int) -> bytes | None:
        key = seed & MASK64
        return self._packed.get(key, lambda: native.arrivals(key))

    def arrivals(self, seed: int) -> tuple[tuple[ArrivalRow, ...], ...]:
        """The seed's stochastic arrivals (policy-independent, so cached per seed)."""
        key = seed & MASK64

        def make() -> tuple[tuple[ArrivalRow, ...], ...]:
            world = self.world
            fill, bulk = self._fill()
            block = int(world.expected_draws() * 1.25) + 16 if bulk else CHUNK
            return generate_arrivals(world, key, fill, block)

        return self._arrivals.get(key, make)

    # -- helpers -------------------------------------------------------------------------------
    def _fill(self) -> tuple[Fill, bool]:
        """The reference engine's random-block generator (numpy's when installed), chosen at
        its first use: the compiled engine draws its own, so a run on it never imports numpy."""
        if self._fill_choice is None:
            self._fill_choice = select_fill(self._pure_fill)
        return self._fill_choice

    @property
    def random_stream(self) -> str:
        """Which generator the reference engine draws with: ``numpy`` or ``pure-Python``."""
        return "numpy" if self._fill()[1] else "pure-Python"

    def compile_profile(self, policies: Mapping[str, Mapping[str, Any]]) -> list[CompiledPolicy]:
        """One compiled policy per agent (sorted order); missing agents get their initial one."""
        unknown = sorted(set(policies) - set(self.agents()))
        if unknown:
            raise UserError(
                f"policies given for unknown agent(s) {', '.join(unknown)}; "
                f"agents: {', '.join(self.agents())}"
            )
        profile = []
        for agent_id in self._agent_ids:
            policy = policies.get(agent_id)
            if policy is None:
                policy = self._initial_policies.get(agent_id) or self.initial_policy(agent_id)
                self._initial_policies[agent_id] = policy
            compiled = self._compile(policy)
            if isinstance(compiled, list):
                raise InvalidPolicyError(agent_id, compiled)
            profile.append(compiled)
        return profile

    def _compile(self, policy: Mapping[str, Any]) -> CompiledPolicy | list[str]:
        """The compiled policy, or its schema errors (both cached by canonical JSON)."""
        key = repr(policy)  # exact for JSON data; a reordered copy merely misses the cache

        def make() -> CompiledPolicy | list[str]:
            errors = check_policy(policy)
            return errors if errors else compile_policy(policy)

        return self._compiled.get(key, make)

    def _context_seed(self) -> int:
        seed = self.options.context_seed
        return self.scenario.simulation.rng_seed if seed is None else seed

    def _agent(self, agent_id: str) -> Any:
        for agent in self.scenario.agents:
            if agent.id == agent_id:
                return agent
        raise UserError(f"unknown agent '{agent_id}'; agents: {', '.join(self.agents())}")

    def _sample(self, seed: int, run: NativeRun) -> SampleResult:
        """The sample's integer costs, their breakdown and the settlement metrics."""
        flat, settled, total, delay_ticks, _ = run
        width = len(COMPONENTS)
        costs = {
            agent: sum(flat[i * width : (i + 1) * width]) for i, agent in enumerate(self._agent_ids)
        }
        metrics: dict[str, float] = dict(zip(self._flat_keys, flat, strict=True))  # cents
        metrics["settled"] = float(settled)
        metrics["total"] = float(total)
        metrics["settlement_rate"] = settled / total if total else 1.0
        metrics["avg_delay"] = delay_ticks / settled if settled else 0.0
        return SampleResult(seed=seed, costs=costs, metrics=metrics)


def _flat(run: RunResult) -> NativeRun:
    """A reference-engine result in the compiled engine's shape."""
    flat = tuple(cost for row in run.costs for cost in row)
    return flat, run.settled, run.total, run.delay_ticks, run.balances
