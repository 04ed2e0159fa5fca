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

from cashloop_rtgs.rng import TWO_POW_NEG53
from cashloop_rtgs.scenario.model import Exponential, LogNormal, Normal, Uniform

if TYPE_CHECKING:
    from cashloop_rtgs.scenario.model import AmountDistribution

__all__ = ["AmountSampler", "amount_sampler", "native_amount_spec", "standard_normal"]

I64_MAX: Final = (1 << 63) - 1
TWO_PI: Final = 2.0 * math.pi

#: (draws needed, function of the raw u64 draws -> cents)
AmountSampler = tuple[int, Callable[..., int]]


def _to_cents(x: float) -> int:
    """``max(1, x.round() as i64)``: halves away from zero, Rust's saturating cast.

    Below 1 (and NaN) the result is 1; at or above 2^63 it saturates; in between ``int``
    truncates a positive float exactly and ``x - r`` is exact, so this is Rust's rounding.
    """
    if not x >= 1.0:
        return 1
    if x >= 9.223372036854775807e18:
        return I64_MAX
    r = int(x)
    return r + 1 if x - r >= 0.5 else r


def _exp(x: float) -> float:
    """``exp`` that overflows to inf, as Rust's ``f64::exp`` does."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def standard_normal(raw1: int, raw2: int) -> float:
    """Box-Muller on two draws: ``sqrt(-2 ln u1) * cos(2π u2)`` (ln 0 is -inf, as in Rust)."""
    u1 = (raw1 >> 11) * TWO_POW_NEG53
    u2 = (raw2 >> 11) * TWO_POW_NEG53
    ln_u1 = math.log(u1) if u1 > 0.0 else -math.inf
    return math.sqrt(-2.0 * ln_u1) * math.cos(TWO_PI * u2)


def amount_sampler(dist: AmountDistribution) -> AmountSampler:
    """The (draw count, sampler) pair for one scenario distribution.

    The samplers run once per payment (the arrival generator's hot path), so the Gaussian one
    inlines ``standard_normal``, its readable definition.
    """
    if isinstance(dist, Uniform):
        lo, span = dist.min, dist.max + 1 - dist.min  # inclusive bounds: range(min, max + 1)

        def uniform(raw: int) -> int:
            return lo + raw % span

        return 1, uniform
    if isinstance(dist, Exponential):
        lam = float(dist.lambda_)

        def exponential(raw: int) -> int:
            u = (raw >> 11) * TWO_POW_NEG53
            return _to_cents(-(math.log(u) if u > 0.0 else -math.inf) / lam)

        return 1, exponential
    shift, scale, log_normal = _gaussian_parameters(dist)
    transform = _exp if log_normal else None

    def gaussian(
        raw1: int,
        raw2: int,
        log: Callable[[float], float] = math.log,
        sqrt: Callable[[float], float] = math.sqrt,
        cos: Callable[[float], float] = math.cos,
    ) -> int:
        u1 = (raw1 >> 11) * TWO_POW_NEG53
        z = sqrt(-2.0 * (log(u1) if u1 > 0.0 else -math.inf)) * cos(
            TWO_PI * ((raw2 >> 11) * TWO_POW_NEG53)
        )
        x = shift + scale * z
        return _to_cents(x if transform is None else transform(x))

    return 2, gaussian


def _gaussian_parameters(dist: AmountDistribution) -> tuple[float, float, bool]:
    """(shift, scale, log-normal?) of a Normal or LogNormal distribution."""
    if isinstance(dist, Normal):
        return float(dist.mean), float(dist.std_dev), False
    if isinstance(dist, LogNormal):
        # mean and std_dev describe the amount itself; convert to the log-space parameters.
        m, s = float(dist.mean), float(dist.std_dev)
        sigma_sq = math.log(1.0 + (s * s) / (m * m))
        return math.log(m) - sigma_sq / 2.0, math.sqrt(sigma_sq), True
    raise ValueError(f"unknown amount distribution {dist!r}")


#: native kinds: 0 Uniform, 1 Exponential, 2 Normal, 3 LogNormal
NativeAmountSpec = tuple[int, int, int, float, float]
_I64_RANGE: Final = range(-(1 << 63), 1 << 63)


def native_amount_spec(dist: AmountDistribution) -> NativeAmountSpec | None:
    """``(kind, uniform lo, uniform span, shift, scale)`` for the compiled engine, or None
    when the distribution lies outside what it computes exactly (the reference path runs)."""
    if isinstance(dist, Uniform):
        lo, span = dist.min, dist.max + 1 - dist.min
        if span < 1 or lo not in _I64_RANGE or lo + span not in _I64_RANGE:
            return None
        return 0, lo, span, 0.0, 0.0
    if isinstance(dist, Exponential):
        lam = float(dist.lambda_)
        return (1, 0, 0, 0.0, lam) if lam > 0.0 and math.isfinite(lam) else None
    shift, scale, log_normal = _gaussian_parameters(dist)
    return (3 if log_normal else 2), 0, 0, shift, scale
