"""Amount distributions as pure functions of the uniforms they consume.

Draw order per arrival is fixed by SimCash: amount, receiver, deadline offset. Each sampler here
states how many draws it takes (``DRAWS``) and turns them into integer cents; the arrival
generator feeds it from the seed's stream. Continuous draws are rounded half away from zero
(Rust's ``f64::round``) and floored at 1 cent; non-finite values saturate as Rust's ``as i64``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from cashloop_rtgs.rng import TWO_POW_NEG53, rust_round

if TYPE_CHECKING:
    from cashloop_rtgs.scenario.model import AmountDistribution

__all__ = ["AmountSampler", "amount_sampler", "standard_normal"]

I64_MAX: Final = (1 << 63) - 1
TWO_PI: Final = 2.0 * math.pi

#: (draws needed, function of the raw u64 draws -> cents)
AmountSampler = tuple[int, Callable[..., int]]


def _to_cents(x: float) -> int:
    """``max(1, x.round() as i64)`` with Rust's saturating float-to-int cast."""
    if math.isnan(x):
        return 1
    if math.isinf(x):
        return I64_MAX if x > 0 else 1
    r = rust_round(x)
    if r >= 9.223372036854775807e18:
        return I64_MAX
    return max(1, int(r))


def standard_normal(raw1: int, raw2: int) -> float:
    """Box-Muller on two draws: ``sqrt(-2 ln u1) * cos(2π u2)`` (ln 0 is -inf, as in Rust)."""
    u1 = (raw1 >> 11) * TWO_POW_NEG53
    u2 = (raw2 >> 11) * TWO_POW_NEG53
    ln_u1 = math.log(u1) if u1 > 0.0 else -math.inf
    return math.sqrt(-2.0 * ln_u1) * math.cos(TWO_PI * u2)


def amount_sampler(dist: AmountDistribution) -> AmountSampler:
    """The (draw count, sampler) pair for one scenario distribution."""
    kind = dist.type
    if kind == "Uniform":
        lo, span = dist.min, dist.max + 1 - dist.min  # inclusive bounds: range(min, max + 1)

        def uniform(raw: int) -> int:
            return lo + raw % span

        return 1, uniform
    if kind == "Normal":
        mean, sd = float(dist.mean), float(dist.std_dev)

        def normal(raw1: int, raw2: int) -> int:
            return _to_cents(mean + sd * standard_normal(raw1, raw2))

        return 2, normal
    if kind == "LogNormal":
        # mean and std_dev describe the amount itself; convert to the log-space parameters.
        m, s = float(dist.mean), float(dist.std_dev)
        sigma_sq = math.log(1.0 + (s * s) / (m * m))
        mu = math.log(m) - sigma_sq / 2.0
        sigma = math.sqrt(sigma_sq)

        def lognormal(raw1: int, raw2: int) -> int:
            return _to_cents(math.exp(mu + sigma * standard_normal(raw1, raw2)))

        return 2, lognormal
    if kind == "Exponential":
        lam = float(dist.lambda_)

        def exponential(raw: int) -> int:
            u = (raw >> 11) * TWO_POW_NEG53
            ln_u = math.log(u) if u > 0.0 else -math.inf
            return _to_cents(-ln_u / lam)

        return 1, exponential
    raise ValueError(f"unknown amount distribution {kind!r}")
