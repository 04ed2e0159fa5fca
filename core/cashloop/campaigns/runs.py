"""Stored runs read back as findings: a run's record, config, provenance and events, summarised.

Events are read defensively (``.get``): fields added later (``samples``, ``lower_bound``,
``alpha``, the ``equilibrium`` event) are used when present and left blank when not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from cashloop.campaigns.provenance import observed_models
from cashloop.errors import UserError
from cashloop.runner.input_files import split_snapshot

__all__ = [
    "StoredRun",
    "flatten",
    "load_runs",
    "open_repository",
    "run_ids_of_sweep",
    "summarize",
    "sweep_of",
]


@attrs.frozen(kw_only=True)
class StoredRun:
    """One run: its stored record, config snapshot and committed events."""

    run_id: str
    record: Any  # cashloop.persistence.RunRecord
    config: Mapping[str, Any]
    events: Sequence[Mapping[str, Any]]

    @property
    def start(self) -> Mapping[str, Any]:
        return next((e for e in self.events if e.get("event_type") == "experiment_start"), {})

    @property
    def end(self) -> Mapping[str, Any] | None:
        return next((e for e in self.events if e.get("event_type") == "experiment_end"), None)

    @property
    def provenance(self) -> Mapping[str, Any]:
        value = self.start.get("provenance")
        return value if isinstance(value, Mapping) else {}

    @property
    def sweep(self) -> Mapping[str, Any] | None:
        value = self.provenance.get("sweep")
        return value if isinstance(value, Mapping) else None

    def of_type(self, event_type: str) -> list[Mapping[str, Any]]:
        return [e for e in self.events if e.get("event_type") == event_type]


def open_repository(db: Path) -> Any:
    """The run database at ``db`` (it must exist: nothing here creates one)."""
    from cashloop.persistence import ExperimentRepository

    path = db.resolve()
    if not path.exists():
        raise UserError(f"no database at {path}; run an experiment first or pass --db PATH")
    # nothing here writes: "full" durability starts no background syncing thread
    return ExperimentRepository(path, create=False, durability="full")


def sweep_of(run_id: str) -> str | None:
    """The sweep a run id belongs to (``<sweep>/<cell>``), or None."""
    sweep, sep, cell = run_id.partition("/")
    return sweep if sep and cell else None


def run_ids_of_sweep(repo: Any, sweep: str) -> list[str]:
    ids = sorted(r.run_id for r in repo.list_runs() if sweep_of(r.run_id) == sweep)
    if not ids:
        raise UserError(
            f"no sweep named {sweep!r} in {repo.db_path}; `cashloop sweeps` lists the stored ones"
        )
    return ids


def load_runs(repo: Any, run_ids: Iterable[str]) -> list[StoredRun]:
    runs = []
    for run_id in run_ids:
        record = repo.get_run(run_id)
        provider = repo.as_state_provider(record.run_id)
        runs.append(
            StoredRun(
                run_id=record.run_id,
                record=record,
                config=split_snapshot(repo.get_config_snapshot(record.run_id))[0],
                events=list(provider.get_all_events()),
            )
        )
    return runs


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config keys as dotted keys (lists stay whole values)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _seconds_between(start: str, end: str) -> float | None:
    try:
        return max(
            0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
        )
    except (TypeError, ValueError):
        return None


def final_costs(run: StoredRun) -> dict[str, int]:
    """Per-agent cost at the end (the final evaluation; else the last committed iteration)."""
    end = run.end
    if end is not None and isinstance(end.get("final_costs"), Mapping):
        return {str(a): int(c) for a, c in end["final_costs"].items()}
    done = run.of_type("iteration_complete")
    return (
        {str(a): int(c) for a, c in (done[-1].get("costs_per_agent") or {}).items()} if done else {}
    )


def best_costs(run: StoredRun) -> dict[str, int]:
    end = run.end
    if end is not None and isinstance(end.get("best_costs"), Mapping):
        return {str(a): int(c) for a, c in end["best_costs"].items()}
    done = run.of_type("iteration_complete")
    if not done:
        return {}
    best = min(done, key=lambda e: int(e.get("total_cost") or 0))
    return {str(a): int(c) for a, c in (best.get("costs_per_agent") or {}).items()}


def epsilon(run: StoredRun) -> dict[str, Any] | None:
    """The last ``equilibrium`` event's per-agent ε (cents) and whether it passes, if any."""
    found = run.of_type("equilibrium")
    if not found:
        return None
    last = found[-1]
    found_agents = last.get("agents")
    agents: Mapping[str, Any] = found_agents if isinstance(found_agents, Mapping) else {}
    return {
        "agents": {
            str(a): {
                "epsilon": v.get("epsilon"),
                "epsilon_lower": v.get("epsilon_lower"),
                "epsilon_upper": v.get("epsilon_upper"),
                "relative_epsilon": v.get("relative_epsilon"),
                "samples": v.get("samples"),
            }
            for a, v in agents.items()
            if isinstance(v, Mapping)
        },
        "passes": last.get("passes"),
        "lower_bound_only": last.get("lower_bound_only"),
    }


def false_acceptance_estimate(decisions: Sequence[Mapping[str, Any]]) -> float:
    """Expected number of wrongly accepted candidates, bounded by the error level each accepted
    decision spent (``alpha`` when recorded, else its ``p_value``)."""
    total = 0.0
    for d in decisions:
        if d.get("accepted"):
            level = d.get("alpha", d.get("p_value"))
            if isinstance(level, int | float):
                total += float(level)
    return total


def summarize(run: StoredRun) -> dict[str, Any]:
    """One run as a flat-ish JSON-native mapping (money in integer cents)."""
    record = run.record
    calls = run.of_type("llm_call")
    decisions = run.of_type("policy_change")
    models = observed_models(run.events)
    end = run.end
    sweep = run.sweep
    return {
        "run_id": run.run_id,
        "experiment_name": record.experiment_name,
        "sweep": None if sweep is None else sweep.get("sweep"),
        "cell": None if sweep is None else sweep.get("cell"),
        "factors": {} if sweep is None else dict(sweep.get("factors") or {}),
        "status": record.status,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "wall_seconds": _seconds_between(record.created_at, record.updated_at),
        "master_seed": record.master_seed,
        "resume_count": record.resume_count,
        "iterations": record.num_iterations,
        "final_cost": record.final_cost,
        "best_cost": record.best_cost,
        "final_costs": final_costs(run),
        "best_costs": best_costs(run),
        "converged": record.converged,
        "convergence_reason": record.convergence_reason
        if end is None
        else end.get("convergence_reason"),
        "decisions": len(decisions),
        "accepted": sum(1 for d in decisions if d.get("accepted")),
        "false_acceptance_estimate": round(false_acceptance_estimate(decisions), 6),
        "llm_calls": len(calls),
        "prompt_tokens": sum(int(c.get("prompt_tokens") or 0) for c in calls),
        "completion_tokens": sum(int(c.get("completion_tokens") or 0) for c in calls),
        "tokens": sum(
            int(c.get("prompt_tokens") or 0) + int(c.get("completion_tokens") or 0) for c in calls
        ),
        "usd": round(sum(float(c.get("cost_usd") or 0.0) for c in calls), 6),
        "model": (run.provenance.get("llm") or {}).get("model") or run.start.get("model"),
        "provider_models": models,
        "model_changed": len(models) > 1,
        "equilibrium": epsilon(run),
        "provenance": dict(run.provenance),
    }
