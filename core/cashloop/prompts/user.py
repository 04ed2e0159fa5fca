"""The user prompt: current policy, incumbent costs, samples, history, and retry feedback."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from cashloop.money import format_cents
from cashloop.types import ProposalRecord, SampleResult

__all__ = ["AgentContext", "build_user_prompt"]


@attrs.frozen(kw_only=True)
class AgentContext:
    """What the loop knows about one agent at proposal time."""

    agent_id: str
    iteration: int
    current_policy: Mapping[str, Any]
    incumbent_costs: Mapping[str, int]
    samples: Sequence[SampleResult]
    history: Sequence[ProposalRecord] = ()
    customization: str = ""


def _cost_lines(ctx: AgentContext) -> list[str]:
    lines = ["## Incumbent costs (mean over this iteration's samples)"]
    for agent, cost in sorted(ctx.incumbent_costs.items()):
        mark = " (you)" if agent == ctx.agent_id else ""
        lines.append(f"- {agent}{mark}: {format_cents(cost)}")
    if ctx.samples:
        parts: dict[str, float] = {}
        for sample in ctx.samples:
            for name, value in sample.breakdown(ctx.agent_id).items():
                parts[name] = parts.get(name, 0.0) + value
        if parts:
            lines.append(
                "Your cost breakdown (mean, cents): "
                + ", ".join(f"{k} {v / len(ctx.samples):.0f}" for k, v in sorted(parts.items()))
            )
        ranked = sorted(ctx.samples, key=lambda s: s.costs.get(ctx.agent_id, 0))
        best, worst = ranked[0], ranked[-1]
        best_cost = format_cents(best.costs.get(ctx.agent_id, 0))
        worst_cost = format_cents(worst.costs.get(ctx.agent_id, 0))
        lines.append(
            f"Best sample: seed {best.seed}, your cost {best_cost}; "
            f"worst sample: seed {worst.seed}, your cost {worst_cost}"
        )
        lines += _sample_lines(ctx)
    return lines


def _history_lines(history: Sequence[ProposalRecord]) -> list[str]:
    if not history:
        return ["## Your earlier proposals\n(none yet)"]
    lines = [
        "## Your earlier proposals (delta = incumbent cost - candidate cost, cents; a candidate"
        " is accepted only when the lower bound of its saving is above 0)"
    ]
    for rec in history[-10:]:
        decision = "ACCEPTED" if rec.accepted else "rejected"
        params = json.dumps(dict(rec.policy.get("parameters", {})), sort_keys=True)
        evidence = ""
        if rec.samples:
            evidence = f" over {rec.samples:,} paired samples"
            if rec.lower_bound is not None:
                evidence += f", one-sided lower bound of the saving {rec.lower_bound:+.0f}"
        lines.append(
            f"- iteration {rec.iteration}: {decision}, delta {rec.delta:+d}{evidence}, "
            f"cost {format_cents(rec.old_cost)} -> {format_cents(rec.new_cost)}, "
            f"parameters {params}"
        )
    return lines


def _sample_lines(ctx: AgentContext) -> list[str]:
    """How the incumbent's samples went: penalties, settlement, delay (when reported)."""
    samples = ctx.samples
    if not samples:
        return []
    lines = []
    penalised = sum(
        1
        for s in samples
        if any(v > 0 for k, v in s.breakdown(ctx.agent_id).items() if "penalty" in k)
    )
    if any("penalty" in k for s in samples for k in s.breakdown(ctx.agent_id)):
        share = 100 * penalised / len(samples)
        count = f"{penalised} of {len(samples)} ({share:.0f} %)"
        lines.append(f"Samples with a penalty for you: {count}")
    rates = [s.metrics["settlement_rate"] for s in samples if "settlement_rate" in s.metrics]
    delays = [s.metrics["avg_delay"] for s in samples if "avg_delay" in s.metrics]
    if rates:
        lines.append(f"Settlement rate (mean over samples): {100 * sum(rates) / len(rates):.1f} %")
    if delays:
        lines.append(f"Mean delay of settled payments: {sum(delays) / len(delays):.2f} ticks")
    return lines


def build_user_prompt(ctx: AgentContext, errors: Sequence[str] = ()) -> str:
    """The per-agent prompt; ``errors`` from a failed attempt are fed back on a retry."""
    parts = [
        f"Iteration {ctx.iteration}. Propose a better policy for agent {ctx.agent_id}.",
        "## Current policy\n```json\n"
        + json.dumps(ctx.current_policy, indent=2, sort_keys=True)
        + "\n```",
        "\n".join(_cost_lines(ctx)),
        "\n".join(_history_lines(ctx.history)),
    ]
    if ctx.customization:
        parts.append("## Guidance\n" + ctx.customization.strip())
    if errors:
        parts.append(
            "## Your previous answer was rejected\nFix these problems and answer again:\n"
            + "\n".join(f"- {e}" for e in errors)
        )
    return "\n\n".join(parts) + "\n"
