"""The ``sequential`` acceptance rule: common seeds added in stages until the decision is clear.

A candidate is compared with its incumbent on the same seeds; the paired deltas (incumbent minus
candidate, in cents: positive means the candidate is cheaper) are looked at after ``initial``
samples, then after twice as many, and so on up to ``maximum``. At each look:

* **accept** when the one-sided paired t statistic passes this look's boundary. The decision's
  error level ``alpha`` is spent across the looks in proportion to the samples seen (linear
  alpha-spending: by ``n`` samples, ``alpha * n / maximum`` may have been spent); each look's
  boundary is the Student-t quantile of what it may spend, so by the union bound the chance of
  accepting a candidate that is not better stays below ``alpha`` whenever the test stops;
* **reject** (futility) when even the optimistic bound ``mean + z(futility) * se`` is below the
  smallest improvement worth having (``min_improvement`` times the incumbent's cost): stopping to
  reject never raises the chance of a false acceptance;
* **reject** at ``maximum`` samples when neither happened.

rtgs deltas are heavily skewed (rare deadline and end-of-day penalties of 50,000-100,000 cents),
so a small sample often contains none of the penalties a worse candidate causes and looks good.
No acceptance is therefore allowed before ``initial`` samples (500 by default); with that and the
small per-decision levels a run-level budget gives, the measured acceptance rate of truly worse
exp2 moves is at or below 1 % (``benchmarks/decision_quality.py`` measures it on the evaluator's
own cost distributions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

from cashloop.runner.statistics import mean_and_sd, student_t_quantile, student_t_sf

__all__ = ["Look", "SequentialPlan", "sequential_look"]


@attrs.frozen(kw_only=True)
class SequentialPlan:
    """The stages and boundaries of one decision."""

    alpha: float
    initial: int = 500
    maximum: int = 32_000
    min_improvement: float = 0.005
    futility_z: float = 2.326

    def sizes(self) -> list[int]:
        """Sample counts at which the test looks: initial, doubled each time, then maximum."""
        sizes, n = [], max(2, min(self.initial, self.maximum))
        while n < self.maximum:
            sizes.append(n)
            n *= 2
        sizes.append(self.maximum)
        return sizes

    def spent_by(self, samples: int) -> float:
        """The error level that may have been spent once ``samples`` samples were looked at."""
        return self.alpha * min(1.0, samples / self.maximum)


@attrs.frozen(kw_only=True)
class Look:
    """What one look at the paired deltas concluded (``verdict`` None: take more samples)."""

    samples: int
    mean_delta: float
    std_delta: float
    statistic: float
    boundary: float
    level: float
    p_value: float
    lower_bound: float
    upper_bound: float
    verdict: bool | None
    reason: str


def sequential_look(
    plan: SequentialPlan, deltas: Sequence[int], previous: int, reference_cost: float
) -> Look:
    """Look at ``deltas`` (all samples so far; the previous look saw ``previous`` of them).
    ``reference_cost`` is the incumbent's mean cost, which scales ``min_improvement``."""
    n = len(deltas)
    mean, sd = mean_and_sd(deltas)
    se = sd / math.sqrt(n) if n else 0.0
    level = plan.spent_by(n) - (plan.spent_by(previous) if previous else 0.0)
    boundary = student_t_quantile(1.0 - level, n - 1) if level > 0 and n > 1 else math.inf
    if se > 0:
        statistic = mean / se
        p_value = student_t_sf(statistic, n - 1)
    else:
        statistic = math.inf if mean > 0 else -math.inf if mean < 0 else 0.0
        p_value = 0.0 if mean > 0 else 1.0
    lower = mean - boundary * se if se > 0 else mean
    upper = mean + plan.futility_z * se
    worth = plan.min_improvement * abs(reference_cost)
    if statistic > boundary and lower > 0:
        verdict: bool | None = True
        reason = (
            f"sequential test: mean saving {mean:.2f} cents over {n} samples, lower bound "
            f"{lower:.2f} > 0 (t={statistic:.2f} > {boundary:.2f})"
        )
    elif upper < worth:
        verdict = False
        reason = (
            f"sequential test: mean saving {mean:.2f} cents over {n} samples; even its upper "
            f"bound {upper:.2f} is below the smallest saving worth having ({worth:.0f} cents)"
        )
    elif n >= plan.maximum:
        verdict = False
        reason = (
            f"sequential test: mean saving {mean:.2f} cents over {n} samples, not clearly better "
            f"(t={statistic:.2f} <= {boundary:.2f}) at the most samples allowed"
        )
    else:
        verdict, reason = None, "undecided"
    return Look(
        samples=n,
        mean_delta=mean,
        std_delta=sd,
        statistic=statistic,
        boundary=boundary,
        level=level,
        p_value=p_value,
        lower_bound=lower,
        upper_bound=upper,
        verdict=verdict,
        reason=reason,
    )
