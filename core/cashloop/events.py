"""Event names (DESIGN §3). These strings are stored and are a public API."""

from __future__ import annotations

from typing import Final

__all__ = [
    "ALL_EVENTS",
    "BOOTSTRAP_EVALUATION",
    "CONVERGENCE",
    "EQUILIBRIUM",
    "EXPERIMENT_END",
    "EXPERIMENT_START",
    "ITERATION_COMPLETE",
    "ITERATION_START",
    "LLM_CALL",
    "POLICY_CHANGE",
    "POLICY_REJECTED",
]

EXPERIMENT_START: Final = "experiment_start"
ITERATION_START: Final = "iteration_start"
BOOTSTRAP_EVALUATION: Final = "bootstrap_evaluation"
LLM_CALL: Final = "llm_call"
POLICY_REJECTED: Final = "policy_rejected"
POLICY_CHANGE: Final = "policy_change"
ITERATION_COMPLETE: Final = "iteration_complete"
#: each agent's best unilateral deviation from the final profile (runner/equilibrium.py)
EQUILIBRIUM: Final = "equilibrium"
CONVERGENCE: Final = "convergence"
EXPERIMENT_END: Final = "experiment_end"

ALL_EVENTS: Final = (
    EXPERIMENT_START,
    ITERATION_START,
    BOOTSTRAP_EVALUATION,
    LLM_CALL,
    POLICY_REJECTED,
    POLICY_CHANGE,
    ITERATION_COMPLETE,
    EQUILIBRIUM,
    CONVERGENCE,
    EXPERIMENT_END,
)
