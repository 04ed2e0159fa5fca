"""Optional numpy block generator for the random stream, bit-identical to ``fill_python``.

xorshift64*'s state update is linear over GF(2), so the state after ``n`` steps is the XOR of
the columns ``A^n e_b`` for the set bits ``b`` of the starting state. A table of those columns
for ``n = 1..512`` turns a block of draws into one gathered XOR-reduction plus a wrapping
multiply, all exact integer arithmetic. numpy is imported lazily and only if installed; without
it (or with ``CASHLOOP_RTGS_PURE=1``) the engine uses the pure-Python generator.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Final

from cashloop_rtgs.engine.arrivals import Fill, fill_python
from cashloop_rtgs.rng import MULTIPLIER

__all__ = ["TABLE_STEPS", "numpy_fill", "pure_requested", "select_fill"]

TABLE_STEPS: Final = 512


@functools.cache
def _table() -> Any:
    """``table[b, n]``: the state ``n + 1`` steps after the state with only bit ``b`` set."""
    import numpy as np

    states = np.array([1 << b for b in range(64)], dtype=np.uint64)
    table = np.empty((64, TABLE_STEPS), dtype=np.uint64)
    s12, s25, s27 = np.uint64(12), np.uint64(25), np.uint64(27)
    for n in range(TABLE_STEPS):
        states ^= states >> s12
        states ^= states << s25  # numpy drops the bits shifted past 64, as the mask does
        states ^= states >> s27
        table[:, n] = states
    return table


def numpy_fill(state: int, count: int) -> tuple[list[int], int]:
    """The next ``count`` outputs after ``state``, computed with numpy."""
    import numpy as np

    table = _table()
    multiplier = np.uint64(MULTIPLIER)
    out: list[int] = []
    while count > 0:
        step = min(count, TABLE_STEPS)
        bits = [b for b in range(64) if (state >> b) & 1]
        states = np.bitwise_xor.reduce(table[bits, :step], axis=0)
        out += (states * multiplier).tolist()  # uint64 products wrap modulo 2^64
        state = int(states[step - 1])
        count -= step
    return out, state


def pure_requested() -> bool:
    """Whether ``CASHLOOP_RTGS_PURE`` asks for the pure-Python paths."""
    return bool(os.environ.get("CASHLOOP_RTGS_PURE"))


def select_fill(pure: bool | None = None) -> tuple[Fill, bool]:
    """The block generator to use, and whether it prefers one large block per run; ``pure``
    (default: :func:`pure_requested`) keeps to the pure-Python one."""
    if pure_requested() if pure is None else pure:
        return fill_python, False
    try:
        import numpy  # noqa: F401
    except ImportError:
        return fill_python, False
    return numpy_fill, True
