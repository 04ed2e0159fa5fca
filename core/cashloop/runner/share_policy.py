"""``SharePolicy``: whether the next batch is worth sharing with helper processes, learnt from
the run's own timings.

Sharing a batch costs round trips and moving results between processes; it pays when each
evaluation is expensive next to that (a Python evaluator), and may not when evaluations take
microseconds (a compiled one). So the policy keeps two measurements: CPU seconds per evaluation
in the caller, which says whether a batch is big enough to try (``min_parallel_seconds``), and
wall seconds per evaluation of inline and of shared batches, which says whether sharing has been
faster: the medians of the last ``WINDOW`` batches of each kind are compared, so one batch that a
busy machine stalled does not decide (the first shared batch, which also starts the helpers and
loads the evaluator in them, does not count; ``JUDGE_AFTER`` more are timed before any verdict).
A run whose shared batches turn out slower goes back to inline ones, and tries sharing again
every ``REPROBE`` eligible batches in case the evaluations grew dearer. With
``min_parallel_seconds`` at 0 every batch is shared. Which path a batch takes never changes a
result, only how long it takes.
"""

from __future__ import annotations

import statistics
from collections import deque

__all__ = ["JUDGE_AFTER", "REPROBE", "WINDOW", "SharePolicy"]

#: eligible batches between two tries of sharing, once shared batches have been slower
REPROBE = 10
#: shared batches timed before sharing can be judged slower (single timings are noisy)
JUDGE_AFTER = 3
#: batches of each kind whose median wall time per evaluation is compared
WINDOW = 3


def _smooth(last: float | None, value: float) -> float:
    return value if last is None else 0.5 * last + 0.5 * value


class SharePolicy:
    """Decides per batch between inline and shared evaluation (module docstring)."""

    def __init__(self, min_parallel_seconds: float) -> None:
        self.min_parallel_seconds = min_parallel_seconds
        #: smoothed CPU seconds per (profile, seed) evaluation in the caller
        self.unit_seconds: float | None = None
        self._inline_walls: deque[float] = deque(maxlen=WINDOW)
        self._shared_walls: deque[float] = deque(maxlen=WINDOW)
        self._shared_batches = 0
        self._declined = 0

    def share(self, units: int) -> bool:
        """Whether a batch of ``units`` evaluations should be shared."""
        if self.min_parallel_seconds <= 0.0:
            return True
        unit = self.unit_seconds
        if unit is None or unit * units < self.min_parallel_seconds:
            return False  # not timed yet, or too small: a run of small batches never shares
        inline, shared = self._inline_walls, self._shared_walls
        timed = self._shared_batches - 1  # the first one does not count
        if not inline or timed < JUDGE_AFTER:
            return True
        if statistics.median(shared) < statistics.median(inline):
            return True
        self._declined += 1
        if self._declined >= REPROBE:
            self._declined = 0
            return True
        return False

    def note_inline(self, cpu: float, wall: float, units: int) -> None:
        """An inline batch of ``units`` evaluations took ``cpu`` and ``wall`` seconds."""
        if units:
            self.unit_seconds = _smooth(self.unit_seconds, cpu / units)
            self._inline_walls.append(wall / units)

    def note_shared(self, wall: float, units: int, local_cpu: float, local_units: int) -> None:
        """A shared batch of ``units`` took ``wall`` seconds; the caller's own part of it,
        ``local_units`` evaluations, took ``local_cpu`` CPU seconds."""
        if local_units:
            self.unit_seconds = _smooth(self.unit_seconds, local_cpu / local_units)
        self._shared_batches += 1
        if units and self._shared_batches > 1:  # the first one also started and loaded helpers
            self._shared_walls.append(wall / units)
