"""The stored sweeps: runs named ``<sweep>/<cell>`` grouped, with their state and spend."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cashloop.campaigns.runs import load_runs, summarize, sweep_of

__all__ = ["list_sweeps", "sweep_state"]


def sweep_state(counts: dict[str, int], total: int | None) -> str:
    """``running`` while a cell is written, ``complete`` when every cell completed, otherwise
    ``incomplete`` (continue it with ``cashloop sweep``)."""
    if counts.get("running"):
        return "running"
    if total is not None and counts.get("completed", 0) >= total:
        return "complete"
    return "incomplete"


def list_sweeps(repo: Any) -> list[dict[str, Any]]:
    by_sweep: dict[str, list[str]] = defaultdict(list)
    for record in repo.list_runs():
        sweep = sweep_of(record.run_id)
        if sweep is not None:
            by_sweep[sweep].append(record.run_id)
    rows = []
    for sweep in sorted(by_sweep):
        summaries = [summarize(r) for r in load_runs(repo, sorted(by_sweep[sweep]))]
        counts: dict[str, int] = defaultdict(int)
        for s in summaries:
            counts[s["status"]] += 1
        totals = [s["provenance"].get("sweep", {}).get("cells") for s in summaries]
        total = max((t for t in totals if isinstance(t, int)), default=None)
        rows.append(
            {
                "sweep": sweep,
                "state": sweep_state(counts, total),
                "cells_total": total,
                "cells_stored": len(summaries),
                "completed": counts["completed"],
                "running": counts["running"],
                "failed": counts["failed"],
                "interrupted": counts["interrupted"],
                "tokens": sum(s["tokens"] for s in summaries),
                "usd": round(sum(s["usd"] for s in summaries), 6),
                "factors": next(
                    (
                        s["provenance"]["sweep"].get("swept")
                        for s in summaries
                        if s["provenance"].get("sweep")
                    ),
                    [],
                ),
                "updated_at": max(s["updated_at"] for s in summaries),
            }
        )
    return rows
