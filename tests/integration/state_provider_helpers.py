"""Builders for the seed's state-provider integration tests (real rtgs evaluator, exp2)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from cashloop.config import ExperimentConfig
from cashloop.types import PolicyProposal, PolicyRequest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def get_test_config_dir() -> Path:
    return EXAMPLES


def create_test_experiment_config(
    *,
    name: str = "seed-test",
    max_iterations: int = 2,
    evaluation_mode: str = "paired",
    num_samples: int = 3,
    output_directory: str | None = None,
    output_database: str = "cashloop.db",
    constraints: bool = False,
) -> ExperimentConfig:
    """exp2 with the offline proposer; ``bootstrap`` (the seed's name) means paired sampling."""
    data: dict[str, Any] = {
        "name": name,
        "master_seed": 7,
        "evaluator": {"type": "rtgs", "scenario": "scenarios/castro_exp2.yaml"},
        "evaluation": {
            "mode": "paired" if evaluation_mode == "bootstrap" else evaluation_mode,
            "num_samples": num_samples,
        },
        "convergence": {"max_iterations": max_iterations},
        "llm": {"type": "local-search"},
        "outputs": ["silent"],
        "policy_constraints": {
            "allowed_parameters": [
                {
                    "name": "initial_liquidity_fraction",
                    "param_type": "float",
                    "min_value": 0.0,
                    "max_value": 1.0,
                }
            ]
        },
    }
    if constraints:
        data["validators"] = ["bounds"]
    if output_directory is not None:
        data["storage"] = {"type": "sqlite", "path": str(Path(output_directory) / output_database)}
    return ExperimentConfig.from_dict(data, base_dir=EXAMPLES)


def create_test_experiment_config_with_llm(**kwargs: Any) -> ExperimentConfig:
    return create_test_experiment_config(**kwargs)


def create_test_experiment_config_with_constraints(**kwargs: Any) -> ExperimentConfig:
    return create_test_experiment_config(constraints=True, **kwargs)


class FractionProposer:
    """An LLM stand-in answering with a fixed liquidity fraction (the real client protocol)."""

    def __init__(self, fraction: float) -> None:
        self.fraction = fraction
        self.requests: list[PolicyRequest] = []

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        self.requests.append(request)
        policy = copy.deepcopy(dict(request.current_policy))
        policy.setdefault("parameters", {})["initial_liquidity_fraction"] = self.fraction
        return PolicyProposal(
            policy=policy,
            raw_response=str(policy),
            model="mock-model",
            prompt_tokens=11,
            completion_tokens=7,
        )
