"""Fixtures of the rtgs evaluator tests (helpers live in ``rtgs_helpers``)."""

from __future__ import annotations

import pytest
from rtgs_helpers import evaluator

from cashloop_rtgs.evaluator import RtgsEvaluator


@pytest.fixture
def exp1() -> RtgsEvaluator:
    return evaluator("castro_exp1")


@pytest.fixture
def exp2() -> RtgsEvaluator:
    return evaluator("castro_exp2")


@pytest.fixture
def exp3() -> RtgsEvaluator:
    return evaluator("castro_exp3")
