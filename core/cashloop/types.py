"""Frozen value types exchanged between the core and plugins (DESIGN §2.3).

Money is integer cents everywhere (INV-1): ``SampleResult.costs`` values are ``int``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "ParameterSpec",
    "PolicyConstraints",
    "PolicyProposal",
    "PolicyRequest",
    "ProposalRecord",
    "RunInfo",
    "SampleResult",
    "ValidationResult",
    "breakdown_key",
]


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return dict(value or {})


def _int_costs(value: Mapping[str, int]) -> Mapping[str, int]:
    costs = dict(value)
    for agent, cost in costs.items():
        if isinstance(cost, bool) or not isinstance(cost, int):
            raise TypeError(
                f"SampleResult.costs[{agent!r}] must be integer cents, got {type(cost).__name__}"
            )
    return costs


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _record_tuple(value: Iterable[ProposalRecord]) -> tuple[ProposalRecord, ...]:
    return tuple(value)


def breakdown_key(agent_id: str, component: str) -> str:
    """Metric key under which an evaluator reports one agent's cost component."""
    return f"cost.{agent_id}.{component}"


@attrs.frozen(kw_only=True)
class SampleResult:
    """Per-agent cost in integer cents for one sample (one seed).

    Conventional metric keys: ``settled``, ``total``, ``settlement_rate``, ``avg_delay`` and
    ``breakdown_key(agent, component)`` for a per-component cost breakdown.
    """

    seed: int
    costs: Mapping[str, int] = attrs.field(converter=_int_costs)
    metrics: Mapping[str, float] = attrs.field(factory=dict, converter=_frozen_mapping)

    @classmethod
    def _rebuilt(cls, seed: int, costs: dict[str, int], metrics: dict[str, float]) -> SampleResult:
        """A result rebuilt from one that was already checked (results travelling back from a
        helper process): the dicts are taken as they are, without converting them again."""
        result = object.__new__(cls)
        object.__setattr__(result, "seed", seed)
        object.__setattr__(result, "costs", costs)
        object.__setattr__(result, "metrics", metrics)
        return result

    @property
    def total_cost(self) -> int:
        return sum(self.costs.values())

    def breakdown(self, agent_id: str) -> dict[str, float]:
        """The cost components the evaluator reported for ``agent_id``."""
        prefix = f"cost.{agent_id}."
        return {k[len(prefix) :]: v for k, v in self.metrics.items() if k.startswith(prefix)}


@attrs.frozen(kw_only=True)
class ValidationResult:
    """Outcome of a policy check; ``errors`` are sentences an LLM can act on."""

    is_valid: bool
    errors: Sequence[str] = attrs.field(default=(), converter=_str_tuple)

    @classmethod
    def ok(cls) -> ValidationResult:
        return cls(is_valid=True)

    @classmethod
    def failed(cls, errors: Sequence[str]) -> ValidationResult:
        return cls(is_valid=not errors, errors=errors)


@attrs.frozen(kw_only=True)
class ParameterSpec:
    """One tunable an optimizer may set: name, type and inclusive bounds."""

    name: str
    param_type: str = "float"
    min_value: float | None = None
    max_value: float | None = None
    description: str = ""


@attrs.frozen(kw_only=True)
class PolicyConstraints:
    """What a proposed policy may use (config ``policy_constraints``)."""

    allowed_parameters: tuple[ParameterSpec, ...] = ()
    allowed_fields: tuple[str, ...] = ()
    allowed_actions: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    def parameter(self, name: str) -> ParameterSpec | None:
        return next((p for p in self.allowed_parameters if p.name == name), None)


@attrs.frozen(kw_only=True)
class ProposalRecord:
    """An earlier proposal for one agent, with what the evaluation decided."""

    iteration: int
    policy: Mapping[str, Any]
    old_cost: int
    new_cost: int
    delta: int
    accepted: bool
    #: the evidence the decision rested on: samples used, the one-sided lower bound of the mean
    #: saving its test used (None: no test), and the rule's reason
    samples: int = 0
    lower_bound: float | None = None
    reason: str = ""


@attrs.frozen(kw_only=True)
class PolicyRequest:
    """Everything a proposer needs; algorithmic proposers need not parse the prompts."""

    agent_id: str
    iteration: int
    system_prompt: str
    user_prompt: str
    current_policy: Mapping[str, Any]
    history: Sequence[ProposalRecord] = attrs.field(default=(), converter=_record_tuple)
    constraints: PolicyConstraints = attrs.field(factory=PolicyConstraints)
    schema: str = ""
    seed: int = 0
    attempt: int = 1


@attrs.frozen(kw_only=True)
class PolicyProposal:
    """A proposer's answer: the parsed policy plus what the provider reported."""

    policy: dict[str, Any]
    raw_response: str = ""
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_seconds: float = 0.0
    reasoning: str | None = None
    #: Whether the proposer has nothing left to try around the incumbent: ``True`` once it has
    #: searched it out (the policy is then the incumbent), ``False`` while it still has
    #: candidates to try (a run does not stop for lack of accepted changes meanwhile), ``None``
    #: when it does not say (LLMs). A run is reported converged only when its stopping
    #: criterion holds and every proposer is exhausted or the equilibrium check passes.
    exhausted: bool | None = None


@attrs.frozen(kw_only=True)
class RunInfo:
    """Identity of the run a lifecycle hook belongs to."""

    run_id: str
    experiment_name: str
    master_seed: int = 0
    config_dir: str = ""
