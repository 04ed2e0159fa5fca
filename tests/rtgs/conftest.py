"""Shared helpers for the rtgs evaluator tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cashloop_rtgs.evaluator import RtgsEvaluator
from cashloop_rtgs.options import RtgsOptions

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"

RELEASE = {"type": "action", "node_id": "release", "action": "Release"}
HOLD = {"type": "action", "node_id": "hold", "action": "Hold"}


def policy(fraction: float, tree: dict[str, Any] | None = None, **params: float) -> dict[str, Any]:
    """A policy committing ``fraction`` of the pool, releasing everything by default."""
    return {
        "version": "2.0",
        "policy_id": "test",
        "parameters": {"initial_liquidity_fraction": fraction, **params},
        "payment_tree": tree if tree is not None else RELEASE,
    }


def evaluator(name: str, **options: Any) -> RtgsEvaluator:
    return RtgsEvaluator(RtgsOptions(scenario=SCENARIOS / f"{name}.yaml", **options))


@pytest.fixture
def exp1() -> RtgsEvaluator:
    return evaluator("castro_exp1")


@pytest.fixture
def exp2() -> RtgsEvaluator:
    return evaluator("castro_exp2")


@pytest.fixture
def exp3() -> RtgsEvaluator:
    return evaluator("castro_exp3")
