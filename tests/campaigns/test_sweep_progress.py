"""The sweep's progress line: cells done, running and failed; tokens and dollars against the
budget; elapsed time and an ETA from the cells finished so far."""

from __future__ import annotations

from cashloop.campaigns.progress_view import progress_line
from cashloop.campaigns.scheduler import SweepProgress
from cashloop.campaigns.spec import SweepBudget


def test_progress_line_shows_counts_spend_and_eta() -> None:
    progress = SweepProgress(total=12, done=5, running=["a", "b", "c"], failed=["d"])
    progress.tokens, progress.usd = 12_345, 0.5
    progress.finished_here = [10.0, 20.0]  # 15 s a cell; 6 cells left, 3 at a time
    line = progress_line("grid", progress, 3, SweepBudget(max_tokens=50_000, max_usd=2.0))
    assert line.startswith("sweep grid: 5/12 done, 3 running, 1 failed;")
    assert "tokens 12,345/50,000, $0.5000/$2.00" in line
    assert line.endswith("ETA 0:30")


def test_eta_is_unknown_until_a_cell_finished_and_zero_when_all_are() -> None:
    assert SweepProgress(total=4).eta(2) is None
    assert SweepProgress(total=4, done=4).eta(2) == 0.0
