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
from cashloop.runner.statistics import paired_t_test, student_t_quantile

__all__ = ["Decision", "FixedRule", "SequentialRule", "Verdicts", "decide"]


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


def decide(rule: str, deltas: Sequence[int], alpha: float) -> Decision:
    """A fixed-sample rule's decision on ``deltas`` at level ``alpha`` (the t statistics are
    :func:`~cashloop.runner.statistics.paired_t_test`'s; the bound is its one-sided one)."""
    n = len(deltas)
    test = paired_t_test(deltas, alpha)
    mean = test.mean_delta

    def decision(accepted: bool, reason: str, lower: float | None) -> Decision:
        return Decision(
            accepted=accepted,
            reason=reason,
            rule=rule,
            samples=n,
            mean_delta=mean,
            std_delta=test.std_delta,
            lower_bound=lower,
            p_value=test.p_value if rule == "paired-t" else None,
            level=alpha,
            alpha=alpha,
            looks=(n,),
        )

    if rule == "mean-improvement":
        verb = "improves" if mean > 0 else "does not improve"
        return decision(
            mean > 0, f"mean paired delta {mean:.2f} cents {verb} on the incumbent", None
        )
    if rule != "paired-t":
        raise ValueError(f"unknown fixed-sample rule {rule!r}")
    p = test.p_value
    if p is None:
        return decision(
            mean > 0, f"single sample: delta {mean:.0f} cents (no t-test with n=1)", mean
        )
    se = test.std_delta / math.sqrt(n)
    lower = mean - student_t_quantile(1.0 - alpha, n - 1) * se if se else mean
    relation = "<" if p < alpha else ">="
    reason = (
        f"paired t-test: mean delta {mean:.2f} cents, one-sided lower bound {lower:.2f}, "
        f"p={p:.4g} {relation} alpha={alpha:.3g}"
    )
    return decision(mean > 0 and p < alpha, reason, lower)


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
