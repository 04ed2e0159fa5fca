"""LLM spend: the price of a call from the config's price table, and the budget stop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cashloop.config.sections import BudgetConfig
from cashloop.runner.convergence import Verdict

__all__ = ["budget_verdict", "price_of_call"]


def price_of_call(budget: BudgetConfig, configured_model: str, call: Mapping[str, Any]) -> float:
    """US dollars for one ``llm_call`` (prices per million tokens; 0 when the model is unpriced).

    The model the provider reported is looked up first, then the configured one.
    """
    price = budget.prices.get(call["model"]) or budget.prices.get(configured_model)
    if not price:
        return 0.0
    dollars = (
        call["prompt_tokens"] * price.get("prompt", 0.0)
        + call["completion_tokens"] * price.get("completion", 0.0)
    ) / 1e6
    return float(round(dollars, 8))


def budget_verdict(budget: BudgetConfig, tokens: int, usd: float) -> Verdict | None:
    """A stop (not convergence) once the run has spent its token or dollar budget."""
    if budget.max_tokens is not None and tokens >= budget.max_tokens:
        return Verdict(
            converged=False,
            reason="budget_exceeded",
            diagnostics={"tokens": tokens, "max_tokens": budget.max_tokens},
        )
    if budget.max_usd is not None and usd >= budget.max_usd:
        return Verdict(
            converged=False,
            reason="budget_exceeded",
            diagnostics={"usd": round(usd, 6), "max_usd": budget.max_usd},
        )
    return None
