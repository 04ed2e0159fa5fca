"""Value checks that need no plugin: each returns ``path: problem`` sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cashloop.config.experiment import ExperimentConfig

__all__ = ["ACCEPTANCE_RULES", "EVALUATION_MODES", "check_values"]

EVALUATION_MODES = ("paired", "temporal")
#: documented ranges: seeds are 64-bit, sample and iteration counts bounded so a run fits memory
SEED_LIMIT = 2**63
MAX_SAMPLES = 100_000
MAX_ITERATIONS = 100_000
MAX_BEST_CANDIDATES = 100
ACCEPTANCE_RULES = ("sequential", "paired-t", "mean-improvement")
ERROR_CONTROLS = ("run", "decision")
JUDGING = ("sequential", "simultaneous")


def _one_of(path: str, value: str, allowed: tuple[str, ...]) -> list[str]:
    if value in allowed:
        return []
    return [f"{path}: '{value}' is not one of {', '.join(allowed)}"]


def _at_least(path: str, value: float | None, low: float) -> list[str]:
    return [f"{path}: must be >= {low:g}"] if value is not None and value < low else []


def _at_most(path: str, value: float | None, high: float) -> list[str]:
    return [f"{path}: must be <= {high:,}"] if value is not None and value > high else []


def _open_unit(path: str, value: float | None) -> list[str]:
    if value is None or 0.0 < value < 1.0:
        return []
    return [f"{path}: must be between 0 and 1 (exclusive)"]


def _convergence_problems(cfg: ExperimentConfig) -> list[str]:
    from cashloop.runner.convergence import convergence_problems

    return convergence_problems(cfg.convergence)


def check_values(cfg: ExperimentConfig) -> list[str]:
    """Every value problem of ``cfg`` (types were already checked by the converter)."""
    ev, conv = cfg.evaluation, cfg.convergence
    problems: list[str] = []
    if not cfg.name.strip():
        problems.append("name: must not be empty")
    problems += _one_of("evaluation.mode", ev.mode, EVALUATION_MODES)
    if not 0 <= cfg.master_seed < SEED_LIMIT:
        problems.append(f"master_seed: must be between 0 and 2**63 - 1, got {cfg.master_seed}")
    problems += _at_least("evaluation.num_samples", ev.num_samples, 1)
    problems += _at_most("evaluation.num_samples", ev.num_samples, MAX_SAMPLES)
    problems += _at_least("evaluation.best_candidates", ev.best_candidates, 1)
    problems += _at_most("evaluation.best_candidates", ev.best_candidates, MAX_BEST_CANDIDATES)
    problems += _one_of("evaluation.acceptance.rule", ev.acceptance.rule, ACCEPTANCE_RULES)
    problems += _open_unit("evaluation.acceptance.alpha", ev.acceptance.alpha)
    acc = ev.acceptance
    problems += _one_of("evaluation.acceptance.error_control", acc.error_control, ERROR_CONTROLS)
    problems += _at_least("evaluation.acceptance.initial_samples", acc.initial_samples, 2)
    problems += _at_least("evaluation.acceptance.max_samples", acc.max_samples, 2)
    problems += _at_most("evaluation.acceptance.max_samples", acc.max_samples, 10 * MAX_SAMPLES)
    problems += _at_most("evaluation.final_samples", ev.final_samples, MAX_SAMPLES)
    if acc.max_samples < acc.initial_samples:
        problems.append(
            f"evaluation.acceptance.max_samples: {acc.max_samples} is below initial_samples "
            f"{acc.initial_samples}"
        )
    problems += _at_least("evaluation.acceptance.min_improvement", acc.min_improvement, 0)
    problems += _one_of("evaluation.judging", ev.judging, JUDGING)
    problems += _at_least("evaluation.speculation", ev.speculation, 0)
    problems += _at_least("evaluation.final_samples", ev.final_samples, 2)
    problems += _at_least("evaluation.min_batch_ms", ev.min_batch_ms, 0)
    problems += _at_least("convergence.max_iterations", conv.max_iterations, 1)
    problems += _at_most("convergence.max_iterations", conv.max_iterations, MAX_ITERATIONS)
    problems += _at_least("convergence.stability_window", conv.stability_window, 2)
    problems += _at_least("convergence.stability_threshold", conv.stability_threshold, 0)
    problems += _at_least("convergence.no_change_window", conv.no_change_window, 1)
    problems += _at_least("convergence.cv_threshold", conv.cv_threshold, 0)
    problems += _open_unit("convergence.trend_alpha", conv.trend_alpha)
    problems += _at_least("convergence.regret_threshold", conv.regret_threshold, 0)
    problems += _convergence_problems(cfg)
    problems += _at_least("budget.max_tokens", cfg.budget.max_tokens, 1)
    problems += _at_least("budget.max_usd", cfg.budget.max_usd, 0)
    problems += _at_least("llm.max_retries", cfg.llm.max_retries, 0)
    problems += _at_least("llm.concurrency", cfg.llm.concurrency, 1)
    for key in (
        "max_answer_chars",
        "max_policy_chars",
        "max_policy_depth",
        "max_feedback_errors",
        "max_provider_failures",
    ):
        problems += _at_least(f"llm.{key}", getattr(cfg.llm, key), 1)
    problems += _budget_problems(cfg)
    if len(set(cfg.optimized_agents)) != len(cfg.optimized_agents):
        problems.append("optimized_agents: lists an agent twice")
    for i, p in enumerate(cfg.policy_constraints.allowed_parameters):
        where = f"policy_constraints.allowed_parameters[{i}]"
        problems += _one_of(f"{where}.param_type", p.param_type, ("float", "int", "bool"))
        if p.min_value is not None and p.max_value is not None and p.min_value > p.max_value:
            problems.append(
                f"{where}: min_value {p.min_value:g} is above max_value {p.max_value:g}"
            )
    return problems


def _budget_problems(cfg: ExperimentConfig) -> list[str]:
    """A dollar budget needs prices (for the model), or it could never be enforced."""
    budget, model = cfg.budget, cfg.llm.model
    problems = []
    for name, price in budget.prices.items():
        for part, value in price.items():
            if part not in ("prompt", "completion"):
                problems.append(
                    f"budget.prices.{name}: unknown key {part!r}; use prompt, completion"
                )
            elif value < 0:
                problems.append(f"budget.prices.{name}.{part}: must be >= 0")
    # the provider may report a dated variant of the model, priced instead of the configured name
    if budget.max_usd is not None and not budget.prices:
        problems.append(
            f"budget.max_usd: cannot be enforced without a price for the model {model!r}; add "
            f"budget.prices: {{{model}: {{prompt: USD_PER_1M_TOKENS, completion: "
            "USD_PER_1M_TOKENS}}, or use budget.max_tokens"
        )
    return problems
