"""Experiment configuration (DESIGN §5)."""

from __future__ import annotations

from cashloop.config.experiment import ExperimentConfig, LLMConfig
from cashloop.config.sections import (
    AcceptanceConfig,
    BudgetConfig,
    ComponentConfig,
    ConvergenceConfig,
    EvaluationConfig,
    PluginsConfig,
)

__all__ = [
    "AcceptanceConfig",
    "BudgetConfig",
    "ComponentConfig",
    "ConvergenceConfig",
    "EvaluationConfig",
    "ExperimentConfig",
    "LLMConfig",
    "PluginsConfig",
]
