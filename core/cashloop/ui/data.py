"""What the dashboard's JSON API returns, computed from stored runs (pure functions of a run)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cashloop.campaigns.runs import StoredRun, summarize, sweep_of

__all__ = ["call_detail", "run_list_row", "run_view"]

_PROMPT_KEYS = ("system_prompt", "user_prompt", "raw_response", "reasoning")


def run_list_row(record: Any) -> dict[str, Any]:
    """One row of the runs page, from the run's record alone (cheap to poll)."""
    return {
        "run_id": record.run_id,
        "sweep": sweep_of(record.run_id),
        "experiment_name": record.experiment_name,
        "status": record.status,
        "iterations": record.num_iterations,
        "final_cost": record.final_cost,
        "best_cost": record.best_cost,
        "converged": record.converged,
        "convergence_reason": record.convergence_reason,
        "master_seed": record.master_seed,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def sweep_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sweeps with their cells' counts by status, from the runs page's rows."""
    sweeps: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = row["sweep"]
        if name is None:
            continue
        entry = sweeps.setdefault(
            name, {"sweep": name, "cells": 0, "completed": 0, "running": 0, "failed": 0,
                   "interrupted": 0, "updated_at": row["updated_at"]},
        )  # fmt: skip
        entry["cells"] += 1
        entry[row["status"]] = entry.get(row["status"], 0) + 1
        entry["updated_at"] = max(entry["updated_at"], row["updated_at"])
    return sorted(sweeps.values(), key=lambda s: s["updated_at"], reverse=True)


def run_view(run: StoredRun, *, being_written: bool) -> dict[str, Any]:
    """Everything the run page draws: costs per iteration, parameters, decisions with their
    intervals, LLM calls (without their prompts), the equilibrium report and provenance."""
    done = run.of_type("iteration_complete")
    agents = sorted({a for e in done for a in (e.get("costs_per_agent") or {})})
    if not agents:
        agents = [str(a) for a in run.start.get("agents") or []]
    parameters: dict[str, list[list[float]]] = {}
    for e in done:
        for agent, policy in sorted((e.get("policies") or {}).items()):
            params = policy.get("parameters") if isinstance(policy, Mapping) else None
            for name, value in sorted((params or {}).items()):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    parameters.setdefault(f"{agent} {name}", []).append(
                        [int(e["iteration"]), float(value)]
                    )
    summary = summarize(run)
    return {
        "summary": summary,
        "being_written": being_written,
        "max_iterations": run.start.get("max_iterations"),
        "agents": agents,
        "iterations": [
            {
                "iteration": e.get("iteration"),
                "costs": e.get("costs_per_agent") or {},
                "accepted": e.get("accepted_changes") or {},
                "total": e.get("total_cost"),
            }
            for e in done
        ],
        "parameters": parameters,
        "decisions": [_decision(d) for d in run.of_type("policy_change")],
        "rejections": [
            {
                k: r.get(k)
                for k in ("iteration", "agent_id", "rejection_reason", "validation_errors")
            }
            for r in run.of_type("policy_rejected")
        ],
        "calls": [
            {"index": i, **{k: v for k, v in c.items() if k not in _PROMPT_KEYS}}
            for i, c in enumerate(run.of_type("llm_call"))
        ],
        "events": len(run.events),
    }


def _decision(d: Mapping[str, Any]) -> dict[str, Any]:
    deltas = d.get("sample_deltas")
    return {
        "iteration": d.get("iteration"),
        "agent_id": d.get("agent_id"),
        "old_cost": d.get("old_cost"),
        "new_cost": d.get("new_cost"),
        "delta": d.get("delta"),
        "mean_delta": d.get("mean_delta", d.get("delta")),
        "lower": d.get("lower_bound", d.get("ci_lower")),
        "upper": d.get("ci_upper"),
        "p_value": d.get("p_value"),
        "alpha": d.get("alpha"),
        "samples": d.get("samples", len(deltas) if isinstance(deltas, list) else None),
        "accepted": bool(d.get("accepted")),
        "reason": d.get("reason"),
    }


def call_detail(run: StoredRun, index: int) -> dict[str, Any] | None:
    calls = run.of_type("llm_call")
    if not 0 <= index < len(calls):
        return None
    return {k: calls[index].get(k) for k in ("agent_id", "iteration", "attempt", *_PROMPT_KEYS)}
