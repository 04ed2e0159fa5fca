"""The equilibrium report: how much each agent could gain by deviating alone from a profile.

For each agent, every declared numeric parameter (``policy_constraints.allowed_parameters``, set
under the policy's ``"parameters"``, with both bounds) is searched with the others' policies
fixed: a coarse grid over its range, then finer grids around the best value found, all on one set
of hold-out common seeds (labelled ``"equilibrium"``, distinct from the loop's). The winner is
then confirmed on fresh seeds (``"equilibrium-confirm"``), so the reported gain is not the
maximum of noisy estimates (the winner's curse): ε is the agent's mean cost in the profile minus
its mean cost after the deviation, on those fresh seeds, with a 95 % interval. ε > 0 means the
agent gains by deviating; the profile passes when no agent's ε exceeds ``tolerance`` times its
cost. Only parameters are searched, not decision trees, nor several parameters at once, so when
the policy space has trees the ε found is a lower bound on the best deviation's gain.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from cashloop.json_copy import copy_json
from cashloop.runner.seeds import sample_seeds
from cashloop.runner.statistics import student_t_quantile
from cashloop.types import ParameterSpec, PolicyConstraints, SampleResult

if TYPE_CHECKING:
    from cashloop.config import ExperimentConfig

__all__ = ["EquilibriumSettings", "equilibrium_report", "report_for_run", "settings_for"]

Profile = Mapping[str, Any]
EvaluateMany = Callable[[list[Profile], Sequence[int]], list[list[SampleResult]]]

#: Share of the interval: a two-sided 95 % interval for each agent's ε.
CONFIDENCE = 0.95


@attrs.frozen(kw_only=True)
class EquilibriumSettings:
    """How hard the report looks: seeds per candidate, confirmation seeds, grid shape."""

    search_samples: int
    confirm_samples: int
    tolerance: float = 0.02
    grid_points: int = 21
    refine_rounds: int = 2
    refine_points: int = 3


def settings_for(
    num_samples: int, tolerance: float, samples: int | None = None
) -> EquilibriumSettings:
    """The report's sample sizes for a run evaluating ``num_samples`` seeds per comparison:
    ``samples`` when given, else 100 times as many (at most 2,000; one sample per candidate
    stays one, a deterministic evaluator needing no more); confirmation uses twice that."""
    search = samples if samples is not None else min(100 * num_samples, 2000)
    if samples is None and num_samples == 1:
        search = 1
    return EquilibriumSettings(
        search_samples=search, confirm_samples=2 * search, tolerance=tolerance
    )


@attrs.frozen(kw_only=True)
class _Axis:
    spec: ParameterSpec
    lower: float
    upper: float

    @property
    def integral(self) -> bool:
        return self.spec.param_type in ("int", "bool")

    def value(self, x: float, like: Any) -> Any:
        x = min(self.upper, max(self.lower, x))
        if self.spec.param_type == "bool":
            return x >= 0.5 if isinstance(like, bool) else round(x)
        if self.integral:
            return round(x)
        return round(x, 6)

    def grid(self, points: int, like: Any) -> list[Any]:
        step = (self.upper - self.lower) / max(points - 1, 1)
        return [self.value(self.lower + i * step, like) for i in range(points)]


def _axes(policy: Mapping[str, Any], constraints: PolicyConstraints) -> list[_Axis]:
    params = policy.get("parameters")
    if not isinstance(params, Mapping):
        return []
    axes = []
    for spec in constraints.allowed_parameters:
        value = params.get(spec.name)
        if isinstance(value, bool) and spec.param_type == "bool":
            axes.append(_Axis(spec=spec, lower=0.0, upper=1.0))
        elif (
            spec.param_type in ("float", "int")
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and spec.min_value is not None
            and spec.max_value is not None
            and spec.max_value > spec.min_value
        ):
            axes.append(_Axis(spec=spec, lower=spec.min_value, upper=spec.max_value))
    return axes


def _deviated(profile: Profile, agent: str, name: str, value: Any) -> dict[str, Any]:
    policies = dict(profile)
    policy = copy_json(dict(profile[agent]))
    policy["parameters"][name] = value
    policies[agent] = policy
    return policies


def _costs(results: Sequence[SampleResult], agent: str) -> list[int]:
    return [int(r.costs.get(agent, 0)) for r in results]


@attrs.frozen(kw_only=True)
class _Gain:
    mean: float
    lower: float
    upper: float
    cost: float


def _gain(base: Sequence[int], deviation: Sequence[int]) -> _Gain:
    """Mean paired gain (base - deviation) with its two-sided interval."""
    deltas = [b - d for b, d in zip(base, deviation, strict=True)]
    n = len(deltas)
    mean = sum(deltas) / n
    cost = sum(base) / n
    if n < 2:
        return _Gain(mean=mean, lower=mean, upper=mean, cost=cost)
    sd = math.sqrt(sum((d - mean) ** 2 for d in deltas) / (n - 1))
    half = student_t_quantile(1.0 - (1.0 - CONFIDENCE) / 2.0, n - 1) * sd / math.sqrt(n)
    return _Gain(mean=mean, lower=mean - half, upper=mean + half, cost=cost)


def _search(
    evaluate_many: EvaluateMany,
    profile: Profile,
    agent: str,
    axes: list[_Axis],
    seeds: Sequence[int],
    settings: EquilibriumSettings,
) -> tuple[str, Any, float]:
    """The single-parameter deviation with the highest mean gain: (parameter, value, gain).

    The coarse grid is screened on the first quarter of ``seeds``; each refinement evaluates the
    best value so far and its neighbours on all of them, and the winner is chosen among those.
    """
    params = profile[agent]["parameters"]
    own = {(a.spec.name, params[a.spec.name]) for a in axes}
    screened: dict[tuple[str, Any], float] = dict.fromkeys(own, 0.0)
    measured: dict[tuple[str, Any], float] = dict.fromkeys(own, 0.0)
    bases: dict[int, list[int]] = {}

    def gains(candidates: list[tuple[str, Any]], n: int) -> dict[tuple[str, Any], float]:
        fresh = [c for c in dict.fromkeys(candidates) if c not in own]
        if not fresh:
            return {}
        deviations = [_deviated(profile, agent, name, v) for name, v in fresh]
        results = evaluate_many([*([] if n in bases else [profile]), *deviations], seeds[:n])
        if n not in bases:
            bases[n] = _costs(results.pop(0), agent)
        base = bases[n]
        return {
            c: sum(b - d for b, d in zip(base, _costs(r, agent), strict=True)) / n
            for c, r in zip(fresh, results, strict=True)
        }

    grid = [
        (a.spec.name, v) for a in axes for v in a.grid(settings.grid_points, params[a.spec.name])
    ]
    screened.update(gains(grid, max(1, len(seeds) // 4)))
    spacing = {a.spec.name: (a.upper - a.lower) / max(settings.grid_points - 1, 1) for a in axes}
    by_name = {a.spec.name: a for a in axes}
    best = max(screened.items(), key=lambda item: item[1])[0]
    for _ in range(settings.refine_rounds):
        name, value = best
        axis = by_name[name]
        spacing[name] = max(spacing[name] / (settings.refine_points + 1), 0.0)
        if axis.integral and spacing[name] < 1:
            spacing[name] = 1.0
        around = [
            (name, axis.value(float(value) + k * spacing[name], value))
            for k in range(-settings.refine_points, settings.refine_points + 1)
        ]
        measured.update(gains([c for c in around if c not in measured], len(seeds)))
        best = max(measured.items(), key=lambda item: item[1])[0]
    # the best deviation measured, even when it looked no better than the profile: its gain on
    # fresh seeds says how close the profile is to a best response
    deviations = {c: g for c, g in measured.items() if c not in own} or {
        c: g for c, g in screened.items() if c not in own
    }
    if not deviations:
        return (*next(iter(own)), 0.0)
    (name, value), gain = max(deviations.items(), key=lambda item: item[1])
    return name, value, gain


def _agent_report(
    evaluate_many: EvaluateMany,
    profile: Profile,
    agent: str,
    constraints: PolicyConstraints,
    master_seed: int,
    settings: EquilibriumSettings,
) -> dict[str, Any]:
    axes = _axes(profile[agent], constraints)
    confirm = sample_seeds(master_seed, "equilibrium-confirm", agent, settings.confirm_samples)
    if not axes:
        (own,) = evaluate_many([profile], confirm)
        cost = sum(_costs(own, agent)) / len(confirm)
        return _entry(_Gain(mean=0.0, lower=0.0, upper=0.0, cost=cost), {}, 0, settings, [])
    search = sample_seeds(master_seed, "equilibrium", agent, settings.search_samples)
    name, value, _ = _search(evaluate_many, profile, agent, axes, search, settings)
    names = [a.spec.name for a in axes]
    base, deviation = evaluate_many([profile, _deviated(profile, agent, name, value)], confirm)
    gain = _gain(_costs(base, agent), _costs(deviation, agent))
    return _entry(gain, {name: value}, len(confirm), settings, names)


def _entry(
    gain: _Gain,
    deviation: dict[str, Any],
    samples: int,
    settings: EquilibriumSettings,
    searched: list[str],
) -> dict[str, Any]:
    cost = round(gain.cost)
    relative = gain.mean / abs(gain.cost) if gain.cost else (0.0 if gain.mean <= 0 else math.inf)
    return {
        "epsilon": round(gain.mean),
        "epsilon_lower": math.floor(gain.lower),
        "epsilon_upper": math.ceil(gain.upper),
        "relative_epsilon": relative if math.isfinite(relative) else None,
        "best_deviation": deviation,
        "samples": samples,
        "cost": cost,
        "passes": gain.mean <= settings.tolerance * abs(gain.cost),
        "parameters_searched": searched,
    }


def equilibrium_report(
    *,
    evaluate_many: EvaluateMany,
    profile: Profile,
    agents: Sequence[str],
    constraints: PolicyConstraints,
    master_seed: int,
    settings: EquilibriumSettings,
) -> dict[str, Any]:
    """The ``equilibrium`` event's payload for ``profile`` (see the module's docstring)."""
    report = {
        agent: _agent_report(evaluate_many, profile, agent, constraints, master_seed, settings)
        for agent in agents
    }
    return {
        "agents": report,
        "passes": all(entry["passes"] for entry in report.values()),
        "lower_bound_only": bool(constraints.allowed_actions)
        or any(_has_tree(profile[a]) for a in agents),
        "tolerance": settings.tolerance,
        "confidence": CONFIDENCE,
        "search_samples": settings.search_samples,
        "confirm_samples": settings.confirm_samples,
    }


def _has_tree(policy: Mapping[str, Any]) -> bool:
    """Whether the policy holds decision trees the report does not search."""
    return any(isinstance(v, Mapping) and "type" in v for v in policy.values())


def report_for_run(
    config: ExperimentConfig,
    evaluate_many: EvaluateMany,
    profile: Profile,
    agents: Sequence[str],
    *,
    force: bool = False,
) -> dict[str, Any] | None:
    """The report a run makes at its end: for multi-agent runs with
    ``convergence.equilibrium_report`` on, and whenever ``equilibrium_epsilon`` makes it a
    convergence criterion (or ``force``); ``None`` otherwise."""
    conv = config.convergence
    wanted = (conv.equilibrium_report and len(agents) >= 2) or conv.equilibrium_epsilon is not None
    if not (wanted or force):
        return None
    tolerance = (
        conv.equilibrium_epsilon
        if conv.equilibrium_epsilon is not None
        else conv.equilibrium_tolerance
    )
    settings = settings_for(config.evaluation.num_samples, tolerance, conv.equilibrium_samples)
    return equilibrium_report(
        evaluate_many=evaluate_many,
        profile=profile,
        agents=agents,
        constraints=config.policy_constraints,
        master_seed=config.master_seed,
        settings=settings,
    )
