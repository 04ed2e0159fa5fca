"""The optional numpy block generator is bit-identical to the pure-Python reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rtgs_helpers import evaluator, policy

from cashloop_rtgs.engine.arrivals import CHUNK, fill_python, generate_arrivals
from cashloop_rtgs.engine.fastfill import TABLE_STEPS, select_fill
from cashloop_rtgs.rng import MASK64

np = pytest.importorskip("numpy")
from cashloop_rtgs.engine.fastfill import numpy_fill  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.integers(1, MASK64), st.integers(1, 3 * TABLE_STEPS + 7))
def test_numpy_blocks_equal_the_reference_stream(state: int, count: int) -> None:
    assert numpy_fill(state, count) == fill_python(state, count)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, MASK64), st.sampled_from([1, 17, CHUNK, 400]))
def test_arrivals_are_identical_on_both_paths(seed: int, first_block: int) -> None:
    world = evaluator("castro_exp2").world
    assert generate_arrivals(world, seed, numpy_fill, first_block) == generate_arrivals(
        world, seed, fill_python, CHUNK
    )


def test_evaluations_are_identical_on_both_paths(monkeypatch) -> None:
    profile = {"BANK_A": policy(0.05), "BANK_B": policy(0.3)}
    fast = evaluator("castro_exp2")
    assert fast.random_stream == "numpy"
    monkeypatch.setenv("CASHLOOP_RTGS_PURE", "1")
    assert select_fill() == (fill_python, False)
    pure = evaluator("castro_exp2")
    assert pure.random_stream == "pure-Python"
    seeds = list(range(40))
    assert fast.evaluate(profile, seeds) == pure.evaluate(profile, seeds)
    boot_fast = evaluator("castro_exp2", sampling="bootstrap-sandbox")
    monkeypatch.delenv("CASHLOOP_RTGS_PURE")
    boot_pure = evaluator("castro_exp2", sampling="bootstrap-sandbox")
    assert boot_fast.evaluate(profile, seeds[:10]) == boot_pure.evaluate(profile, seeds[:10])
