"""Hand-derived costs of the deterministic Castro scenarios (exp1, exp3), from rtgs-model.md.

Common arithmetic: liquidity cost per tick = round_half_up(allocation * bps / 1e4) with
allocation = floor(pool * fraction); delay cost per tick = round_half_up(0.2 * queued cents)
(x5 once overdue). Deferred crediting: money received in tick t is usable from t+1.
Deadlines of scheduled payments are capped at the last tick of the day, never before t+1.
"""

from __future__ import annotations

from rtgs_helpers import HOLD, evaluator, policy


def costs(name: str, fraction_a: float, fraction_b: float, *, tree_a=None, **options) -> dict:
    ev = evaluator(name, **options)
    [sample] = ev.evaluate(
        {"BANK_A": policy(fraction_a, tree_a), "BANK_B": policy(fraction_b)}, [7]
    )
    return dict(sample.costs)


class TestExperiment1:
    """tpd 2, pool 100000 each, 500 bps/tick. P1 B->A 15000 at t0 (deadline min(2, 1) = 1),
    P2 A->B 15000 and P3 B->A 5000 at t1 (deadline max(min(3, 2, 1), 2) = 2)."""

    def test_castro_equilibrium(self) -> None:
        """A 0.0, B 0.2: B allocates 20000 and pays 20000*500/1e4 = 1000 per tick, 2000 in
        all. t0: P1 settles from B's 20000 (A receives 15000 at the end of t0). t1: A pays P2
        from those 15000, B pays P3 from its remaining 5000. Nothing ever waits: A 0, B 2000."""
        assert costs("castro_exp1", 0.0, 0.2) == {"BANK_A": 0, "BANK_B": 2000}

    def test_half_pool_each(self) -> None:
        """0.5 each: 50000 allocated, 2500 per tick for 2 ticks; every payment settles at once."""
        assert costs("castro_exp1", 0.5, 0.5) == {"BANK_A": 5000, "BANK_B": 5000}

    def test_no_liquidity_gridlock(self) -> None:
        """0 each: nothing settles. t0: P1 queued, B pays 0.2*15000 = 3000. t1: P2 and P3
        queued too; A pays 0.2*15000 = 3000, B 0.2*(15000+5000) = 4000. At the close no
        deadline is before tick 1, so SimCash charges no EOD penalty: A 3000, B 7000."""
        assert costs("castro_exp1", 0.0, 0.0) == {"BANK_A": 3000, "BANK_B": 7000}

    def test_no_liquidity_gridlock_corrected(self) -> None:
        """Corrected semantics charge the EOD penalty (100000) on every unsettled payment:
        A 3000 + 100000 (P2), B 7000 + 2 * 100000 (P1, P3)."""
        assert costs("castro_exp1", 0.0, 0.0, semantics="corrected") == {
            "BANK_A": 103000,
            "BANK_B": 207000,
        }

    def test_a_holds(self) -> None:
        """A holds everything (fraction 0), B releases with 0.2. t0: P1 settles (B 5000 left).
        t1: P3 settles from B's 5000; A holds P2 in Q1: 0.2*15000 = 3000, not past its
        deadline 2, so no penalty. B pays liquidity only: 2 * 1000. A 3000, B 2000."""
        assert costs("castro_exp1", 0.0, 0.2, tree_a=HOLD) == {"BANK_A": 3000, "BANK_B": 2000}


class TestExperiment3:
    """tpd 3, pool 100000 each, 333 bps/tick. A->B and B->A 20000 at t0 and again at t1, all
    with deadline 2 (t0: min(2, 3, 2); t1: max(min(3, 3, 2), 2))."""

    def test_half_pool_each(self) -> None:
        """0.5 each: 50000*333/1e4 = 1665 per tick, 4995 over 3 ticks; all settle at once."""
        assert costs("castro_exp3", 0.5, 0.5) == {"BANK_A": 4995, "BANK_B": 4995}

    def test_twenty_percent_each(self) -> None:
        """0.2 each: 20000*333/1e4 = 666 per tick, 1998 in all; each tick both banks pay
        20000 from 20000 and receive 20000 at the end of the tick."""
        assert costs("castro_exp3", 0.2, 0.2) == {"BANK_A": 1998, "BANK_B": 1998}

    def test_no_liquidity(self) -> None:
        """0 each: all four payments wait in Q2. Delay per bank: t0 0.2*20000 = 4000, t1 and
        t2 0.2*40000 = 8000; no deadline is before the last tick 2: 20000 each."""
        assert costs("castro_exp3", 0.0, 0.0) == {"BANK_A": 20000, "BANK_B": 20000}

    def test_asymmetric(self) -> None:
        """A 0.2, B 0. t0: A1 settles, B1 waits (B's incoming 20000 arrives at the end of t0):
        A 666, B 4000. t1: A2 waits (A has 0); B2 settles at submission from B's 20000, before
        the single Q2 pass in which B1 still cannot settle: A 666 + 4000, B 4000. t2: A2
        settles from B2's money, B1 still waits: A 666, B 4000. A 5998, B 12000."""
        assert costs("castro_exp3", 0.2, 0.0) == {"BANK_A": 5998, "BANK_B": 12000}

    def test_a_holds(self) -> None:
        """A holds (fraction 0), B releases with 0.2. A queues 20000 at t0 (4000) and 40000
        at t1 and t2 (8000 each): 20000. B: B1 settles at t0; B2 waits in Q2 from t1 since
        B's 20000 went to A: 3 * 666 + 2 * 4000 = 9998."""
        assert costs("castro_exp3", 0.0, 0.2, tree_a=HOLD) == {"BANK_A": 20000, "BANK_B": 9998}
