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
    """How a candidate is accepted (see ``cashloop.runner.acceptance``)."""

    rule: str = "sequential"
    #: the run's error budget (``error_control: run``) or each decision's level (``decision``)
    alpha: float = 0.05
    error_control: str = "run"
    #: sequential rule: first look (no acceptance before it), doubling up to ``max_samples``
    initial_samples: int = 500
    max_samples: int = 32_000
    #: sequential rule: stop and reject once even the optimistic bound of the saving is below
    #: this share of the incumbent's cost
    min_improvement: float = 0.005


@attrs.frozen(kw_only=True)
class EvaluationConfig:
    mode: str = "paired"
    #: samples of each iteration's incumbent evaluation, and of the fixed-sample rules
    num_samples: int = 10
    acceptance: AcceptanceConfig = AcceptanceConfig()
    #: how many of the cheapest-looking incumbent profiles are compared with the final one on
    #: the final evaluation's seeds to pick the best profile
    best_candidates: int = 3
    #: a batch estimated (from the run's timings) to need less CPU than this runs in the calling
    #: thread on any executor: shipping it would cost more than it saves; 0 ships every batch
    min_batch_ms: float = 50.0
    #: ``sequential``: agents' candidates judged in order, each against the profile with the
    #: earlier decisions applied (Gauss-Seidel); ``simultaneous``: all against the same incumbent
    judging: str = "sequential"
    #: with a parallel executor, how many undecided earlier agents a later agent's test may
    #: assume outcomes for while they run (its branches run speculatively; results identical)
    speculation: int = 1
    #: samples of the final selection of the best profile, and of its independent hold-out
    final_samples: int = 1000


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
