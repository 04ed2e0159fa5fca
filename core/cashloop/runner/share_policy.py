"""``SharePolicy``: whether the next batch is worth shipping to the executor's workers, learnt
from the run's own timings; the same rule for every executor.

Shipping a batch costs round trips and moving results between processes (or machines); it pays
when each evaluation is expensive next to that (a Python evaluator, a large scenario) and may not
when evaluations take microseconds (the compiled rtgs engine on a small scenario). The policy keeps
two measurements: CPU seconds per evaluation in the caller, which says whether a batch is big
enough to ship at all (``min_batch_seconds``), and wall seconds per evaluation of inline and of
shipped batches, which says whether shipping has been faster: the medians of the last ``WINDOW``
batches of each kind are compared, so one batch that a busy machine stalled does not decide (the
first shipped batch, which also starts the workers, does not count; ``JUDGE_AFTER`` more are
timed before any verdict). A run whose shipped batches turn out slower goes back to inline ones,
and tries shipping again every ``REPROBE`` eligible batches. With ``min_batch_seconds`` at 0 every
batch is shipped. Which path a batch takes never changes a result, only how long it takes.
"""

from __future__ import annotations

import statistics
from collections import deque

__all__ = ["JUDGE_AFTER", "REPROBE", "WINDOW", "SharePolicy"]

#: eligible batches between two tries of shipping, once shipped batches have been slower
REPROBE = 10
#: shipped batches timed before shipping can be judged slower (single timings are noisy)
JUDGE_AFTER = 3
#: batches of each kind whose median wall time per evaluation is compared
WINDOW = 3


class SharePolicy:
    """Decides per batch between inline and shipped evaluation (module docstring)."""

    def __init__(self, min_batch_seconds: float) -> None:
        self.min_batch_seconds = min_batch_seconds
        #: CPU seconds per (profile, seed) evaluation in the caller (the latest inline batch's)
        self.unit_seconds: float | None = None
        self._inline_walls: deque[float] = deque(maxlen=WINDOW)
        self._shipped_walls: deque[float] = deque(maxlen=WINDOW)
        self._shipped_batches = 0
        self._declined = 0

    def share(self, units: int) -> bool:
        """Whether a batch of ``units`` evaluations should be shipped to the workers."""
        if self.min_batch_seconds <= 0.0:
            return True
        unit = self.unit_seconds
        if unit is None or unit * units < self.min_batch_seconds:
            return False  # not timed yet, or too small: a run of small batches never ships
        timed = self._shipped_batches - 1  # the first one does not count
        if not self._inline_walls or timed < JUDGE_AFTER:
            return True
        if statistics.median(self._shipped_walls) < statistics.median(self._inline_walls):
            return True
        self._declined += 1
        if self._declined >= REPROBE:
            self._declined = 0
            return True
        return False

    def note_inline(self, cpu: float, wall: float, units: int) -> None:
        """An inline batch of ``units`` evaluations took ``cpu`` and ``wall`` seconds."""
        if units:
            self.unit_seconds = cpu / units
            self._inline_walls.append(wall / units)

    def note_shipped(self, wall: float, units: int) -> None:
        """A shipped batch of ``units`` evaluations took ``wall`` seconds."""
        self._shipped_batches += 1
        if units and self._shipped_batches > 1:  # the first one also started the workers
            self._shipped_walls.append(wall / units)
