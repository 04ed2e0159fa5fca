"""Acceptance rules: decide on the paired deltas (incumbent - candidate), not on cost levels."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from cashloop.runner.statistics import PairedTest, paired_t_test

__all__ = ["RULES", "Decision", "decide"]


@attrs.frozen(kw_only=True)
class Decision:
    accepted: bool
    reason: str
    test: PairedTest


def _mean_improvement(deltas: Sequence[int], alpha: float) -> Decision:
    test = paired_t_test(deltas, alpha)
    total = sum(deltas)
    accepted = total > 0
    verb = "improves" if accepted else "does not improve"
    return Decision(
        accepted=accepted,
        reason=f"mean paired delta {test.mean_delta:.2f} cents {verb} on the incumbent",
        test=test,
    )


def _paired_t(deltas: Sequence[int], alpha: float) -> Decision:
    test = paired_t_test(deltas, alpha)
    if test.p_value is None:
        accepted = test.mean_delta > 0
        return Decision(
            accepted=accepted,
            reason=f"single sample: delta {test.mean_delta:.0f} cents (no t-test with n=1)",
            test=test,
        )
    accepted = test.mean_delta > 0 and test.p_value < alpha
    relation = "<" if test.p_value < alpha else ">="
    return Decision(
        accepted=accepted,
        reason=(
            f"paired t-test: mean delta {test.mean_delta:.2f} cents, "
            f"p={test.p_value:.4g} {relation} alpha={alpha:g}"
        ),
        test=test,
    )


RULES: dict[str, Callable[[Sequence[int], float], Decision]] = {
    "mean-improvement": _mean_improvement,
    "paired-t": _paired_t,
}


def decide(rule: str, deltas: Sequence[int], alpha: float) -> Decision:
    return RULES[rule](deltas, alpha)
