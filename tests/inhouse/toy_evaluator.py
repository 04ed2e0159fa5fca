"""A tiny deterministic in-house evaluator, registered by dotted path (config ``plugins.modules``).

It runs the whole loop in milliseconds without the RTGS simulator. Each agent's cost is quadratic
in its own parameter around a known optimum, plus seeded integer noise:

    cost(agent) = base_cents + round(scale_cents * (x - optimum[agent]) ** 2) + noise

with ``noise`` uniform in ``[-noise_cents, noise_cents]`` drawn from (seed, agent) only, so the
paired delta of two policies on the same seed is noise-free (common random numbers).

Put ``tests/inhouse`` on ``sys.path`` and select it with::

    plugins: {modules: [toy_evaluator]}
    evaluator: {type: toy}
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from cashloop.plugin import (
    EvaluatorSpec,
    SampleResult,
    ValidationResult,
    breakdown_key,
    hookimpl,
)

__all__ = ["ToyEvaluator", "ToyOptions", "register_evaluators", "toy_cost"]

DEFAULT_OPTIMA = {"BANK_A": 0.3, "BANK_B": 0.6}


@attrs.frozen(kw_only=True)
class ToyOptions:
    """``optima``: agent -> the parameter value of least cost (its keys are the agents)."""

    optima: Mapping[str, float] = attrs.field(factory=lambda: dict(DEFAULT_OPTIMA))
    parameter: str = "initial_liquidity_fraction"
    initial: float = 0.9
    base_cents: int = 10_000
    scale_cents: int = 1_000_000
    noise_cents: int = 100


def toy_cost(options: ToyOptions, agent_id: str, value: float) -> int:
    """The noise-free cost in cents of ``agent_id`` at parameter ``value``."""
    distance = value - options.optima[agent_id]
    return options.base_cents + round(options.scale_cents * distance * distance)


def _noise(seed: int, agent_id: str, bound: int) -> int:
    return random.Random(f"{seed}:{agent_id}").randint(-bound, bound) if bound else 0


class ToyEvaluator:
    """Implements ``cashloop.plugin.PolicyEvaluator`` (plus ``validate``); picklable."""

    def __init__(self, options: ToyOptions) -> None:
        self.options = options

    def agents(self) -> Sequence[str]:
        return list(self.options.optima)

    def initial_policy(self, agent_id: str) -> dict[str, Any]:
        return {"parameters": {self.options.parameter: self.options.initial}}

    def policy_schema(self) -> str:
        p = self.options.parameter
        return (
            'A policy is a JSON object {"parameters": {"' + p + '": X}} where X is a number '
            "between 0.0 and 1.0. Each agent's cost is smallest at one unknown value of X."
        )

    def describe(self) -> str:
        return (
            f"toy: {len(self.options.optima)} agents, quadratic cost in '{self.options.parameter}'"
        )

    def validate(self, agent_id: str, policy: Mapping[str, Any]) -> ValidationResult:
        value = self._value(policy)
        if value is None:
            return ValidationResult.failed(
                [f"Set parameters.{self.options.parameter} to a number between 0.0 and 1.0."]
            )
        if not 0.0 <= value <= 1.0:
            return ValidationResult.failed(
                [f"parameters.{self.options.parameter} is {value:g}; it must be within [0.0, 1.0]."]
            )
        return ValidationResult.ok()

    def evaluate(
        self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]
    ) -> Sequence[SampleResult]:
        results = []
        for seed in seeds:
            costs: dict[str, int] = {}
            metrics: dict[str, float] = {"settled": 10.0, "total": 10.0, "settlement_rate": 1.0}
            for agent in self.options.optima:
                value = self._value(policies.get(agent, {}))
                base = toy_cost(
                    self.options, agent, self.options.initial if value is None else value
                )
                noise = _noise(seed, agent, self.options.noise_cents)
                costs[agent] = base + noise
                metrics[breakdown_key(agent, "distance")] = float(base)
                metrics[breakdown_key(agent, "noise")] = float(noise)
            results.append(SampleResult(seed=seed, costs=costs, metrics=metrics))
        return results

    def _value(self, policy: Mapping[str, Any]) -> float | None:
        params = policy.get("parameters")
        value = params.get(self.options.parameter) if isinstance(params, Mapping) else None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return None
        return float(value)


def make_toy(options: ToyOptions) -> ToyEvaluator:
    if not options.optima:
        from cashloop.errors import ConfigError

        raise ConfigError(["evaluator.optima: name at least one agent"])
    return ToyEvaluator(options)


@hookimpl
def register_evaluators() -> list[EvaluatorSpec]:
    return [
        EvaluatorSpec(
            name="toy",
            factory=make_toy,
            options=ToyOptions,
            description="quadratic cost around a known optimum per agent (tests)",
        )
    ]
