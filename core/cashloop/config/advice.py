"""Settings that are valid but give wrong answers: ``cashloop validate`` warns about them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cashloop.config.experiment import ExperimentConfig

__all__ = ["config_warnings"]


def config_warnings(cfg: ExperimentConfig, evaluator: Any | None) -> list[str]:
    """Each warning as ``path: what is wrong and what to do``. ``evaluator`` (built, or None)
    is asked for two samples of its initial profile to see whether it is stochastic."""
    found = []
    ev = cfg.evaluation
    if ev.acceptance.rule == "paired-t" and ev.num_samples == 1 and _stochastic(evaluator):
        found.append(
            "evaluation.num_samples: paired-t on 1 sample of a stochastic evaluator decides on "
            "a single draw (no test at all); use rule: sequential, or more samples"
        )
    if ev.mode == "temporal" and cfg.llm.type == "local-search":
        found.append(
            "evaluation.mode: temporal adopts every valid proposal, so local-search (which "
            "proposes steps to test) wanders instead of searching; use mode: paired"
        )
    return found


def _stochastic(evaluator: Any | None) -> bool:
    if evaluator is None:
        return False
    try:
        profile = {a: evaluator.initial_policy(a) for a in evaluator.agents()}
        results = evaluator.evaluate(profile, [1, 2, 3, 4])
    except Exception:
        return False
    # samples differing in cost or in any measure (payments, settlements) mean a random evaluator
    seen = {(tuple(sorted(r.costs.items())), tuple(sorted(r.metrics.items()))) for r in results}
    return len(seen) > 1
