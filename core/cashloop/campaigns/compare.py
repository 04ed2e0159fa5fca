"""Comparing runs: cell groups (the swept factors; seeds pooled) with intervals across seeds, and
a warning when the runs differ in more than the swept factors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cashloop.campaigns.intervals import mean_interval
from cashloop.campaigns.runs import StoredRun, flatten, summarize
from cashloop.campaigns.spec import SEED_KEY

__all__ = ["IGNORED_KEYS", "compare_runs", "unswept_differences"]

#: Config keys that never make two runs incomparable (names, where results go, the seed).
IGNORED_KEYS = ("name", "description", SEED_KEY, "storage", "outputs", "executor", "config_dir")
#: Provenance entries that must agree within a group (code and inputs).
_PROVENANCE_KEYS = (
    "cashloop_version",
    "evaluator.name",
    "evaluator.version",
    "evaluator.inputs_hash",
    "prompt_template_hash",
)


def _ignored(key: str) -> bool:
    return any(key == k or key.startswith(f"{k}.") for k in IGNORED_KEYS)


def _swept(runs: Sequence[StoredRun], by: Sequence[str]) -> list[str]:
    """The factors: ``by`` when given, else those the runs' sweep recorded (seed excluded)."""
    if by:
        return list(by)
    keys: list[str] = []
    for run in runs:
        for key in (run.sweep or {}).get("swept") or []:
            if key != SEED_KEY and key not in keys:
                keys.append(str(key))
    return keys


def unswept_differences(runs: Sequence[StoredRun], factors: Sequence[str]) -> dict[str, list[Any]]:
    """Config keys (and provenance entries) whose values differ among ``runs`` although they
    are not swept factors: key -> the distinct values."""
    flats = [flatten(r.config) for r in runs]
    keys = sorted({k for f in flats for k in f})
    found: dict[str, list[Any]] = {}
    for key in keys:
        if _ignored(key) or any(key == f or key.startswith(f"{f}.") for f in factors):
            continue
        values = _distinct(f.get(key) for f in flats)
        if len(values) > 1:
            found[key] = values
    swept_inputs = any(f.startswith("evaluator.") for f in factors)
    for key in _PROVENANCE_KEYS:
        if swept_inputs and key == "evaluator.inputs_hash":
            continue
        values = _distinct(flatten(r.provenance).get(key) for r in runs if r.provenance)
        if len(values) > 1:
            found[f"provenance.{key}"] = values
    return found


def _distinct(values: Any) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _factor_value(run: StoredRun, key: str) -> Any:
    sweep = run.sweep
    if sweep and key in (sweep.get("labels") or {}):
        return sweep["labels"][key]
    return flatten(run.config).get(key)


def compare_runs(runs: Sequence[StoredRun], by: Sequence[str] = ()) -> dict[str, Any]:
    """``{"factors", "groups": [...], "warnings": [...]}``; money in integer cents."""
    factors = _swept(runs, by)
    warnings = []
    differences = unswept_differences(runs, factors)
    if differences:
        named = "; ".join(
            f"{k} ({', '.join(repr(v) for v in vs[:4])}{', ...' if len(vs) > 4 else ''})"
            for k, vs in differences.items()
        )
        warnings.append(
            f"the compared runs differ in more than the swept factors: {named}"
            + (" — group by them with --by KEY" if not by else "")
        )
    groups: dict[tuple[Any, ...], list[StoredRun]] = {}
    for run in runs:
        groups.setdefault(tuple(_factor_value(run, f) for f in factors), []).append(run)
    rows = [_group_row(factors, key, members) for key, members in groups.items()]
    changed = [s["run_id"] for r in rows for s in r["_summaries"] if s["model_changed"]]
    if changed:
        warnings.append("the provider changed model snapshot during: " + ", ".join(changed))
    for row in rows:
        del row["_summaries"]
    return {"factors": factors, "groups": rows, "warnings": warnings}


def _group_row(
    factors: Sequence[str], key: tuple[Any, ...], runs: list[StoredRun]
) -> dict[str, Any]:
    summaries = [summarize(r) for r in runs]
    done = [s for s in summaries if s["final_cost"] is not None]
    agents = sorted({a for s in done for a in s["final_costs"]})
    return {
        "group": dict(zip(factors, key, strict=True)),
        "runs": [s["run_id"] for s in summaries],
        "seeds": sorted(s["master_seed"] for s in summaries),
        "completed": len(done),
        "final_cost": mean_interval([s["final_cost"] for s in done], cents=True),
        "best_cost": mean_interval([s["best_cost"] for s in done], cents=True),
        "final_costs": {
            a: mean_interval(
                [s["final_costs"][a] for s in done if a in s["final_costs"]], cents=True
            )
            for a in agents
        },
        "best_costs": {
            a: mean_interval([s["best_costs"][a] for s in done if a in s["best_costs"]], cents=True)
            for a in agents
        },
        "epsilon": _epsilon(summaries),
        "iterations": mean_interval([s["iterations"] for s in summaries]),
        "decisions": sum(s["decisions"] for s in summaries),
        "accepted": sum(s["accepted"] for s in summaries),
        "false_acceptance_estimate": round(
            sum(s["false_acceptance_estimate"] for s in summaries), 6
        ),
        "tokens": sum(s["tokens"] for s in summaries),
        "usd": round(sum(s["usd"] for s in summaries), 6),
        "wall_seconds": mean_interval(
            [s["wall_seconds"] for s in summaries if s["wall_seconds"] is not None]
        ),
        "convergence": _counts(s["convergence_reason"] or s["status"] for s in summaries),
        "_summaries": summaries,
    }


def _epsilon(summaries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per agent, ε in cents across the runs that report an equilibrium check (empty if none)."""
    values: dict[str, list[float]] = {}
    for s in summaries:
        eq = s.get("equilibrium") or {}
        for agent, v in (eq.get("agents") or {}).items():
            if isinstance(v.get("epsilon"), int | float):
                values.setdefault(agent, []).append(float(v["epsilon"]))
    return {a: mean_interval(vs, cents=True) for a, vs in sorted(values.items())}


def _counts(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0) + 1
    return out
