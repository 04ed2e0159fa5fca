"""Tidy tables of stored runs: ``runs``, ``iterations``, ``decisions``, ``llm_calls``,
``policies``. Every column has one type (money in integer cents, ``*_usd`` in dollars)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from cashloop.campaigns.runs import StoredRun, summarize

__all__ = ["SCHEMAS", "TABLES", "table_rows"]

#: column -> type ("int", "float", "str", "bool"), per table, in column order.
SCHEMAS: dict[str, dict[str, str]] = {
    "runs": {
        "run_id": "str", "sweep": "str", "cell": "str", "factors": "str",
        "experiment_name": "str", "status": "str", "master_seed": "int", "iterations": "int",
        "final_cost": "int", "best_cost": "int", "converged": "bool",
        "convergence_reason": "str", "decisions": "int", "accepted": "int",
        "false_acceptance_estimate": "float", "llm_calls": "int", "prompt_tokens": "int",
        "completion_tokens": "int", "tokens": "int", "cost_usd": "float", "wall_seconds": "float",
        "model": "str", "provider_models": "str", "model_changed": "bool", "config_hash": "str",
        "cashloop_version": "str", "resume_count": "int", "created_at": "str", "updated_at": "str",
    },
    "iterations": {
        "run_id": "str", "iteration": "int", "agent_id": "str", "cost": "int",
        "accepted": "bool", "total_cost": "int",
    },
    "decisions": {
        "run_id": "str", "iteration": "int", "agent_id": "str", "old_cost": "int",
        "new_cost": "int", "delta": "int", "mean_delta": "float", "lower_bound": "float",
        "ci_lower": "float", "ci_upper": "float", "p_value": "float", "alpha": "float",
        "samples": "int", "accepted": "bool", "reason": "str",
    },
    "llm_calls": {
        "run_id": "str", "iteration": "int", "agent_id": "str", "attempt": "int", "model": "str",
        "prompt_tokens": "int", "completion_tokens": "int", "latency_seconds": "float",
        "cost_usd": "float", "outcome": "str", "error": "str",
        "system_prompt": "str", "user_prompt": "str", "raw_response": "str",
    },
    "policies": {
        "run_id": "str", "iteration": "int", "agent_id": "str", "policy_id": "str",
        "parameters": "str", "policy": "str",
    },
}  # fmt: skip

#: Columns left out unless prompts are asked for (they are large).
PROMPT_COLUMNS = ("system_prompt", "user_prompt", "raw_response")


def _runs(run: StoredRun) -> Iterator[dict[str, Any]]:
    s = summarize(run)
    yield {
        **{k: s.get(k) for k in SCHEMAS["runs"]},
        "factors": json.dumps(s["factors"], sort_keys=True) if s["factors"] else None,
        "cost_usd": s["usd"],
        "provider_models": ",".join(s["provider_models"]) or None,
        "config_hash": s["provenance"].get("config_hash"),
        "cashloop_version": s["provenance"].get("cashloop_version"),
    }


def _iterations(run: StoredRun) -> Iterator[dict[str, Any]]:
    for e in run.of_type("iteration_complete"):
        accepted = e.get("accepted_changes") or {}
        for agent, cost in sorted((e.get("costs_per_agent") or {}).items()):
            yield {
                "run_id": run.run_id, "iteration": e.get("iteration"), "agent_id": agent,
                "cost": cost, "accepted": bool(accepted.get(agent, False)),
                "total_cost": e.get("total_cost"),
            }  # fmt: skip


def _decisions(run: StoredRun) -> Iterator[dict[str, Any]]:
    for e in run.of_type("policy_change"):
        deltas = e.get("sample_deltas")
        samples = e.get("samples", len(deltas) if isinstance(deltas, list) else None)
        yield {
            **{k: e.get(k) for k in SCHEMAS["decisions"]},
            "run_id": run.run_id, "samples": samples,
            "lower_bound": e.get("lower_bound", e.get("ci_lower")),
        }  # fmt: skip


def _llm_calls(run: StoredRun) -> Iterator[dict[str, Any]]:
    for e in run.of_type("llm_call"):
        yield {**{k: e.get(k) for k in SCHEMAS["llm_calls"]}, "run_id": run.run_id}


def _policies(run: StoredRun) -> Iterator[dict[str, Any]]:
    for e in run.of_type("iteration_complete"):
        for agent, policy in sorted((e.get("policies") or {}).items()):
            if not isinstance(policy, Mapping):
                continue
            yield {
                "run_id": run.run_id, "iteration": e.get("iteration"), "agent_id": agent,
                "policy_id": policy.get("policy_id"),
                "parameters": json.dumps(policy.get("parameters") or {}, sort_keys=True),
                "policy": json.dumps(policy, sort_keys=True),
            }  # fmt: skip


TABLES: dict[str, Callable[[StoredRun], Iterator[dict[str, Any]]]] = {
    "runs": _runs,
    "iterations": _iterations,
    "decisions": _decisions,
    "llm_calls": _llm_calls,
    "policies": _policies,
}


def columns(table: str, *, prompts: bool = False) -> dict[str, str]:
    schema = SCHEMAS[table]
    if table == "llm_calls" and not prompts:
        return {k: t for k, t in schema.items() if k not in PROMPT_COLUMNS}
    return dict(schema)


def table_rows(
    table: str, runs: Sequence[StoredRun], *, prompts: bool = False
) -> list[dict[str, Any]]:
    """The table's rows over ``runs``, each value coerced to its column's type (or None)."""
    schema = columns(table, prompts=prompts)
    return [
        {k: _coerce(row.get(k), t) for k, t in schema.items()}
        for run in runs
        for row in TABLES[table](run)
    ]


def _coerce(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
