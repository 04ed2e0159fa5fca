"""Acceptance rules: decide on the paired deltas (incumbent - candidate), not on cost levels.

Every rule is asked the same two questions by the judging code: how many samples it wants before
its next look (:meth:`Verdicts.next_size`), and, given the paired costs so far, whether it has
decided (:meth:`Verdicts.look`). ``sequential`` (the default) looks in growing stages
(:mod:`cashloop.runner.sequential`); ``paired-t`` and ``mean-improvement`` look once, at
``evaluation.num_samples``. Each decision records the samples it used, the mean delta, a one-sided
bound consistent with its test, the p-value and the error level it spent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import attrs

from cashloop.money import mean_cents
from cashloop.runner.sequential import SequentialPlan, sequential_look
from cashloop.runner.statistics import student_t_quantile, student_t_sf

__all__ = ["RULES", "Decision", "FixedRule", "SequentialRule", "Verdicts", "decide"]

RULES = ("sequential", "paired-t", "mean-improvement")


@attrs.frozen(kw_only=True)
class Decision:
    """One candidate's verdict and the evidence behind it."""

    accepted: bool
    reason: str
    rule: str
    samples: int
    mean_delta: float
    std_delta: float
    #: one-sided lower bound of the mean saving at the level the test used (accepted iff > 0
    #: for the testing rules); None for ``mean-improvement``, which makes no test
    lower_bound: float | None
    p_value: float | None
    #: the nominal level the final look compared ``p_value`` with
    level: float
    #: the decision's whole error level (spent from the run's budget)
    alpha: float
    #: the sample counts it looked at
    looks: tuple[int, ...] = ()
    #: the candidate failed while being evaluated (its message), so it could not be judged
    error: str | None = None


def _spread(deltas: Sequence[int]) -> tuple[float, float]:
    n = len(deltas)
    mean = math.fsum(deltas) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(math.fsum((d - mean) ** 2 for d in deltas) / (n - 1))


def decide(rule: str, deltas: Sequence[int], alpha: float) -> Decision:
    """A fixed-sample rule's decision on ``deltas`` at level ``alpha``."""
    n = len(deltas)
    mean, sd = _spread(deltas)
    if rule == "mean-improvement":
        accepted = mean > 0
        verb = "improves" if accepted else "does not improve"
        return Decision(
            accepted=accepted,
            reason=f"mean paired delta {mean:.2f} cents {verb} on the incumbent",
            rule=rule,
            samples=n,
            mean_delta=mean,
            std_delta=sd,
            lower_bound=None,
            p_value=None,
            level=alpha,
            alpha=alpha,
            looks=(n,),
        )
    if rule != "paired-t":
        raise ValueError(f"unknown fixed-sample rule {rule!r}")
    if n < 2:
        return Decision(
            accepted=mean > 0,
            reason=f"single sample: delta {mean:.0f} cents (no t-test with n=1)",
            rule=rule,
            samples=n,
            mean_delta=mean,
            std_delta=0.0,
            lower_bound=mean,
            p_value=None,
            level=alpha,
            alpha=alpha,
            looks=(n,),
        )
    se = sd / math.sqrt(n)
    if se == 0.0:
        p, lower = (0.0 if mean > 0 else 1.0), mean
    else:
        p = student_t_sf(mean / se, n - 1)
        lower = mean - student_t_quantile(1.0 - alpha, n - 1) * se
    accepted = mean > 0 and p < alpha
    relation = "<" if p < alpha else ">="
    return Decision(
        accepted=accepted,
        reason=(
            f"paired t-test: mean delta {mean:.2f} cents, one-sided lower bound {lower:.2f}, "
            f"p={p:.4g} {relation} alpha={alpha:.3g}"
        ),
        rule=rule,
        samples=n,
        mean_delta=mean,
        std_delta=sd,
        lower_bound=lower,
        p_value=p,
        level=alpha,
        alpha=alpha,
        looks=(n,),
    )


class Verdicts(Protocol):
    """One decision in progress (see the module docstring)."""

    def next_size(self) -> int: ...

    def look(self, old: Sequence[int], new: Sequence[int]) -> Decision | None: ...


@attrs.define
class FixedRule:
    """``paired-t`` or ``mean-improvement`` on ``samples`` paired samples, one look."""

    rule: str
    alpha: float
    samples: int

    def next_size(self) -> int:
        return self.samples

    def look(self, old: Sequence[int], new: Sequence[int]) -> Decision | None:
        deltas = [o - n for o, n in zip(old, new, strict=True)]
        return decide(self.rule, deltas, self.alpha)


@attrs.define
class SequentialRule:
    """``sequential``: looks at the plan's stage sizes until it decides."""

    plan: SequentialPlan
    _sizes: list[int] = attrs.field(init=False)
    _looked: list[int] = attrs.field(init=False, factory=list)

    def __attrs_post_init__(self) -> None:
        self._sizes = self.plan.sizes()

    def next_size(self) -> int:
        return self._sizes[len(self._looked)]

    def look(self, old: Sequence[int], new: Sequence[int]) -> Decision | None:
        deltas = [o - n for o, n in zip(old, new, strict=True)]
        previous = self._looked[-1] if self._looked else 0
        self._looked.append(len(deltas))
        seen = sequential_look(self.plan, deltas, previous, mean_cents(list(old)))
        if seen.verdict is None:
            return None
        return Decision(
            accepted=seen.verdict,
            reason=seen.reason,
            rule="sequential",
            samples=seen.samples,
            mean_delta=seen.mean_delta,
            std_delta=seen.std_delta,
            lower_bound=seen.lower_bound,
            p_value=seen.p_value,
            level=seen.level,
            alpha=self.plan.alpha,
            looks=tuple(self._looked),
        )
