"""The random stream and the arrival generator against straightforward reference code."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from rtgs_helpers import evaluator, inline_evaluator, two_banks

from cashloop_rtgs.distributions import amount_sampler, standard_normal
from cashloop_rtgs.engine.arrivals import fill_python, generate_arrivals
from cashloop_rtgs.rng import MASK64, Xorshift64Star, rust_round
from cashloop_rtgs.scenario.model import LogNormal, Normal


def reference_next(x: int) -> tuple[int, int]:
    """xorshift64* written from its definition, with explicit modular arithmetic."""
    x = (x ^ (x >> 12)) % 2**64
    x = (x ^ (x << 25)) % 2**64
    x = (x ^ (x >> 27)) % 2**64
    return x, (x * 0x2545F4914F6CDD1D) % 2**64


@given(st.integers(min_value=0, max_value=MASK64))
def test_stream_matches_the_definition(seed: int) -> None:
    rng = Xorshift64Star(seed)
    x = seed or 1
    outputs, _ = fill_python(x, 20)
    for expected_block in outputs:
        x, out = reference_next(x)
        assert rng.next_u64() == out == expected_block


def test_seed_zero_becomes_one() -> None:
    assert Xorshift64Star(0).next_u64() == Xorshift64Star(1).next_u64()


def test_f64_and_range() -> None:
    rng, ref = Xorshift64Star(99), Xorshift64Star(99)
    for _ in range(100):
        value = rng.next_f64()
        assert value == (ref.next_u64() >> 11) / 2**53
        assert 0.0 <= value < 1.0
    assert {Xorshift64Star(s).range(3, 9) for s in range(200)} == set(range(3, 9))


def test_rust_round_rounds_halves_away_from_zero() -> None:
    assert [rust_round(x) for x in (0.5, 1.5, 2.5, -0.5, -2.5, 2.4999)] == [1, 2, 3, -1, -3, 2]
    assert math.copysign(1.0, rust_round(-0.2)) == -1.0


def test_lognormal_takes_the_moments_of_the_amount() -> None:
    """mean 10000, sd 5000 describe the amount, not its logarithm."""
    _, sample = amount_sampler(LogNormal(type="LogNormal", mean=10000.0, std_dev=5000.0))
    rng = Xorshift64Star(5)
    amounts = [sample(rng.next_u64(), rng.next_u64()) for _ in range(20000)]
    mean = sum(amounts) / len(amounts)
    sd = math.sqrt(sum((a - mean) ** 2 for a in amounts) / len(amounts))
    assert abs(mean - 10000) < 150 and abs(sd - 5000) < 250


def test_normal_rounds_and_floors_at_one_cent() -> None:
    _, sample = amount_sampler(Normal(type="Normal", mean=10.0, std_dev=1000.0))
    rng = Xorshift64Star(8)
    for _ in range(500):
        r1, r2 = rng.next_u64(), rng.next_u64()
        assert sample(r1, r2) == max(1, int(rust_round(10.0 + 1000.0 * standard_normal(r1, r2))))


def reference_arrivals(world, seed):
    """Arrivals drawn one at a time from Xorshift64Star, in SimCash's order."""
    rng = Xorshift64Star(seed)
    tpd, total = world.ticks_per_day, world.total_ticks
    out = []
    for t in range(total):
        rows = []
        for plan in world.arrival_plans:
            for _ in range(rng.poisson(plan.rate)):
                raw = [rng.next_u64() for _ in range(plan.amount_draws)]
                amount = plan.amount(*raw)
                if plan.weights is None:
                    receiver = plan.receivers[rng.range(0, len(plan.receivers))]
                else:
                    target = rng.next_f64() * plan.total_weight
                    receiver = plan.receivers[-1]
                    for r, w in zip(plan.receivers, plan.weights, strict=True):
                        target -= w
                        if target <= 0.0:
                            receiver = r
                            break
                offset = rng.range(plan.deadline_lo, plan.deadline_lo + plan.deadline_span)
                deadline = min(t + offset, total)
                if world.deadline_cap_at_eod:
                    shift = 0 if world.semantics.arrival_cap_next_day else 1
                    deadline = min(deadline, (t // tpd + 1) * tpd - shift)
                rows.append((plan.sender, receiver, amount, max(deadline, t + 1), plan.priority))
        out.append(tuple(rows))
    return tuple(out)


def test_exp2_arrivals_match_the_reference() -> None:
    world = evaluator("castro_exp2").world
    for seed in (0, 1, 42, 2**63 + 5):
        assert generate_arrivals(world, seed) == reference_arrivals(world, seed)


DISTRIBUTIONS = st.sampled_from(
    [
        {"type": "Uniform", "min": 1, "max": 500},
        {"type": "Normal", "mean": 300, "std_dev": 200},
        {"type": "LogNormal", "mean": 1000, "std_dev": 900},
        {"type": "Exponential", "lambda": 0.01},
    ]
)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=MASK64),
    rate=st.sampled_from([0.0, 0.3, 1.0, 4.5]),
    dist=DISTRIBUTIONS,
    weighted=st.booleans(),
    cap=st.booleans(),
    semantics=st.sampled_from(["simcash", "corrected"]),
)
def test_generator_matches_the_reference(seed, rate, dist, weighted, cap, semantics) -> None:
    data = two_banks(deadline_cap_at_eod=cap)
    data["agents"].append({"id": "BANK_C"})
    for agent in data["agents"][:2]:
        agent["arrival_config"] = {
            "rate_per_tick": rate,
            "amount_distribution": dist,
            "deadline_range": [1, 7],
            "counterparty_weights": {"BANK_C": 2.0} if weighted else {},
        }
    world = inline_evaluator(data, semantics=semantics).world
    assert generate_arrivals(world, seed) == reference_arrivals(world, seed)
