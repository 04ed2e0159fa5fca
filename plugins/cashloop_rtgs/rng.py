"""The simulator's single random stream: xorshift64* exactly as SimCash's ``RngManager``.

Only stochastic arrivals draw from it, so a run's arrival schedule depends on the seed and the
scenario alone, never on the policies (the engine caches schedules on that basis).
"""

from __future__ import annotations

import math
from typing import Final

__all__ = ["MASK64", "Xorshift64Star", "rust_round"]

MASK64: Final = (1 << 64) - 1
MULTIPLIER: Final = 0x2545F4914F6CDD1D
TWO_POW_NEG53: Final = 2.0**-53


class Xorshift64Star:
    """``x ^= x>>12; x ^= x<<25; x ^= x>>27`` on 64 bits, output ``x * M mod 2^64``.

    The hot arrival generator inlines these steps; this class is the readable reference the
    tests hold it to.
    """

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        seed &= MASK64
        self.state = seed or 1  # seed 0 becomes 1, as in SimCash

    def next_u64(self) -> int:
        x = self.state
        x ^= x >> 12
        x ^= (x << 25) & MASK64
        x ^= x >> 27
        self.state = x
        return (x * MULTIPLIER) & MASK64

    def next_f64(self) -> float:
        """Uniform in [0, 1): the top 53 bits scaled by 2^-53."""
        return (self.next_u64() >> 11) * TWO_POW_NEG53

    def range(self, lo: int, hi: int) -> int:
        """``lo + out % (hi - lo)``: uniform-ish in [lo, hi) with SimCash's modulo bias."""
        if lo >= hi:
            raise ValueError(f"empty range [{lo}, {hi})")
        return lo + self.next_u64() % (hi - lo)

    def poisson(self, lam: float) -> int:
        """Knuth's method: multiply uniforms until the product drops to ``exp(-lam)``."""
        if lam <= 0.0:
            return 0
        limit = math.exp(-lam)
        k = 0
        p = 1.0
        while True:
            k += 1
            p *= self.next_f64()
            if p <= limit:
                return k - 1


def rust_round(x: float) -> float:
    """Rust's ``f64::round``: halves round away from zero (Python's ``round`` rounds to even)."""
    if not math.isfinite(x):
        return x
    magnitude = abs(x)
    whole = math.floor(magnitude)
    if magnitude - whole >= 0.5:
        whole += 1
    return math.copysign(float(whole), x)
