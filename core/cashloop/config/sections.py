"""Experiment config sections (frozen attrs, structured by the one converter)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "AcceptanceConfig",
    "BudgetConfig",
    "ComponentConfig",
    "ConvergenceConfig",
    "EvaluationConfig",
    "PluginsConfig",
]


@attrs.frozen(kw_only=True)
class ComponentConfig:
    """A component chosen by ``type:`` name; every other key is the component's options."""

    type: str
    options: Mapping[str, Any] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **self.options}


@attrs.frozen(kw_only=True)
class AcceptanceConfig:
    rule: str = "paired-t"
    alpha: float = 0.05


@attrs.frozen(kw_only=True)
class EvaluationConfig:
    mode: str = "paired"
    num_samples: int = 10
    acceptance: AcceptanceConfig = AcceptanceConfig()
    #: how many of the cheapest-looking incumbent profiles are compared with the final one on
    #: the final evaluation's seeds to pick the best profile
    best_candidates: int = 3


@attrs.frozen(kw_only=True)
class ConvergenceConfig:
    max_iterations: int = 25
    stability_window: int = 5
    stability_threshold: float = 0.01
    no_change_window: int | None = None
    cv_threshold: float | None = None
    trend_alpha: float = 0.05
    regret_threshold: float | None = None
    #: report each agent's best unilateral deviation at the end of a multi-agent run
    equilibrium_report: bool = True
    #: the report passes when no agent gains more than this share of its cost by deviating
    equilibrium_tolerance: float = 0.02
    #: seeds per candidate deviation (default 100 x evaluation.num_samples, at most 2,000)
    equilibrium_samples: int | None = None
    #: when set, the equilibrium check is a convergence criterion: a run converges only when
    #: the check passes with no agent gaining more than this share of its cost
    equilibrium_epsilon: float | None = None


@attrs.frozen(kw_only=True)
class PluginsConfig:
    disabled: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class BudgetConfig:
    """Stop the run cleanly when the LLM spend passes a limit."""

    max_tokens: int | None = None
    max_usd: float | None = None
    #: model -> {"prompt": usd per 1M tokens, "completion": usd per 1M tokens}
    prices: Mapping[str, Mapping[str, float]] = attrs.field(factory=dict)
