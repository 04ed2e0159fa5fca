"""The convergence detector: every stop reason, and only an exhausted search (or a passed
equilibrium check) is reported converged; max_iterations is not convergence."""

from __future__ import annotations

from collections.abc import Sequence

from cashloop.config.sections import ConvergenceConfig
from cashloop.runner.convergence import (
    ConvergenceDetector,
    Verdict,
    combined_exhaustion,
    convergence_problems,
    settle_with_equilibrium,
)


def _feed(
    detector: ConvergenceDetector,
    costs: Sequence[int],
    changed: Sequence[bool],
    exhausted: Sequence[bool | None] | None = None,
    proposed: Sequence[bool] | None = None,
) -> list[Verdict | None]:
    """Observe each iteration, then check; the proposer is exhausted unless told otherwise."""
    verdicts = []
    flags = exhausted if exhausted is not None else [True] * len(costs)
    valid = proposed if proposed is not None else [True] * len(costs)
    for cost, change, flag, ok in zip(costs, changed, flags, valid, strict=True):
        detector.observe(cost, change, exhausted=flag, proposed=ok)
        verdicts.append(detector.check())
    return verdicts


def _first_stop(verdicts: list[Verdict | None]) -> tuple[int, Verdict]:
    for i, verdict in enumerate(verdicts, start=1):
        if verdict is not None:
            return i, verdict
    raise AssertionError("the detector never stopped")


def test_max_iterations_stops_without_convergence() -> None:
    detector = ConvergenceDetector(
        ConvergenceConfig(max_iterations=4, stability_window=3, stability_threshold=0.0), "paired"
    )
    verdicts = _feed(detector, [1000, 900, 800, 700], [True] * 4)
    assert verdicts[:3] == [None, None, None]
    final = verdicts[3]
    assert final is not None
    assert final.reason == "max_iterations"
    assert final.converged is False


def test_stable_costs_converge() -> None:
    detector = ConvergenceDetector(
        ConvergenceConfig(max_iterations=50, stability_window=3, stability_threshold=0.01),
        "paired",
    )
    # the last three costs lie within 1% of their mean: 1000, 1005, 998
    at, verdict = _first_stop(_feed(detector, [2000, 1500, 1000, 1005, 998], [True] * 5))
    assert at == 5
    assert verdict.reason == "stability_reached"
    assert verdict.converged is True
    assert verdict.diagnostics["relative_spread"] <= 0.01


def test_costs_that_still_move_do_not_converge_by_stability() -> None:
    detector = ConvergenceDetector(
        ConvergenceConfig(max_iterations=50, stability_window=3, stability_threshold=0.01),
        "paired",
    )
    assert _feed(detector, [1000, 950, 900, 850, 800], [True] * 5) == [None] * 5


def test_no_accepted_change_for_a_window_converges() -> None:
    detector = ConvergenceDetector(
        ConvergenceConfig(
            max_iterations=50, stability_window=10, stability_threshold=0.0, no_change_window=3
        ),
        "paired",
    )
    changed = [True, False, True, False, False, False]
    at, verdict = _first_stop(_feed(detector, [900, 800, 700, 600, 500, 400], changed))
    assert at == 6  # the quiet window restarts after the change of iteration 3
    assert verdict.reason == "no_accepted_changes"
    assert verdict.converged is True


def test_the_quiet_window_defaults_to_the_stability_window() -> None:
    detector = ConvergenceDetector(
        ConvergenceConfig(max_iterations=50, stability_window=2, stability_threshold=0.0),
        "paired",
    )
    at, verdict = _first_stop(_feed(detector, [900, 700, 500], [True, False, False]))
    assert (at, verdict.reason) == (3, "no_accepted_changes")


def test_temporal_mode_converges_when_policies_stop_changing() -> None:
    detector = ConvergenceDetector(
        ConvergenceConfig(max_iterations=50, stability_window=3, stability_threshold=0.5),
        "temporal",
    )
    # costs that barely move do not count in temporal mode: only unchanged policies do
    verdicts = _feed(detector, [1000, 1001, 1000, 1001, 1000], [True, True, False, False, False])
    at, verdict = _first_stop(verdicts)
    assert at == 5
    assert verdict.reason == "policies_stable"
    assert verdict.converged is True


def _statistical(**changes: float | None) -> ConvergenceDetector:
    options: dict[str, float | int | None] = {
        "max_iterations": 50,
        "stability_window": 5,
        "stability_threshold": 0.0,
        "no_change_window": 50,
        "cv_threshold": 0.05,
        "trend_alpha": 0.05,
    }
    options.update(changes)
    return ConvergenceDetector(ConvergenceConfig(**options), "paired")  # type: ignore[arg-type]


def test_statistical_convergence_needs_low_variation_and_no_trend() -> None:
    detector = _statistical()
    costs = [5000, 3000, 1010, 990, 1005, 995, 1000]
    at, verdict = _first_stop(_feed(detector, costs, [True] * len(costs)))
    assert at == 7
    assert verdict.reason == "statistical_convergence"
    assert verdict.converged is True
    assert verdict.diagnostics["cv"] <= 0.05
    assert verdict.diagnostics["trend_p"] >= 0.05


def test_a_steady_downward_trend_is_not_statistical_convergence() -> None:
    detector = _statistical(stability_window=8, cv_threshold=0.05)
    costs = [1040, 1030, 1020, 1010, 1000, 990, 980, 970, 960, 950]
    assert _feed(detector, costs, [True] * len(costs)) == [None] * len(costs)


def test_statistical_convergence_is_off_without_a_cv_threshold() -> None:
    detector = _statistical(cv_threshold=None)
    costs = [1000, 1001, 999, 1000, 1001, 999, 1000]
    assert _feed(detector, costs, [True] * len(costs)) == [None] * len(costs)


def test_regret_blocks_convergence_far_above_the_best_cost_seen() -> None:
    costs = [500, 1000, 1010, 990, 1005, 995, 1000]
    loose = _statistical(regret_threshold=None)
    assert _first_stop(_feed(loose, costs, [True] * 7))[1].reason == "statistical_convergence"
    strict = _statistical(regret_threshold=0.1)  # the window sits 100% above the best, 500
    assert _feed(strict, costs, [True] * 7) == [None] * 7


def _quiet(window: int = 3, max_iterations: int = 50) -> ConvergenceDetector:
    config = ConvergenceConfig(
        max_iterations=max_iterations,
        stability_window=10,
        stability_threshold=0.0,
        no_change_window=window,
    )
    return ConvergenceDetector(config, "paired")


def test_a_quiet_window_does_not_end_a_run_while_the_proposer_still_searches() -> None:
    costs, changed = [900, 900, 900, 900, 900, 900], [False] * 6
    still = [False, False, False, False, False, True]  # exhausted only at iteration 6
    at, verdict = _first_stop(_feed(_quiet(), costs, changed, still))
    assert at == 6
    assert verdict.converged is True
    assert verdict.reason == "no_accepted_changes"
    assert verdict.diagnostics["exhausted"] is True


def test_a_proposer_that_never_finishes_searching_ends_at_max_iterations() -> None:
    verdicts = _feed(_quiet(max_iterations=5), [900] * 5, [False] * 5, [False] * 5)
    at, verdict = _first_stop(verdicts)
    assert (at, verdict.reason, verdict.converged) == (5, "max_iterations", False)


def test_a_stalled_run_is_never_reported_converged() -> None:
    # an LLM that says nothing about exhaustion and whose proposals stop being accepted
    at, verdict = _first_stop(
        _feed(_quiet(), [900, 800, 800, 800], [True, False, False, False], [None] * 4)
    )
    assert at == 4
    assert verdict.converged is False
    assert verdict.reason == "stalled"
    assert verdict.diagnostics["criterion"] == "no_accepted_changes"


def test_a_stall_converges_only_when_the_equilibrium_check_passes() -> None:
    (stall,) = [v for v in _feed(_quiet(), [800] * 3, [False] * 3, [None] * 3) if v]
    assert settle_with_equilibrium(stall, None) == stall
    failed = settle_with_equilibrium(stall, False)
    assert (failed.converged, failed.reason) == (False, "stalled")
    passed = settle_with_equilibrium(stall, True)
    assert (passed.converged, passed.reason) == (True, "no_accepted_changes")
    assert passed.diagnostics["equilibrium_passes"] is True


def test_an_exhausted_search_in_an_exploitable_profile_stalled() -> None:
    (done,) = [v for v in _feed(_quiet(), [800] * 3, [False] * 3) if v]
    assert done.converged is True
    exploitable = settle_with_equilibrium(done, False)
    assert (exploitable.converged, exploitable.reason) == (False, "stalled")
    assert "deviation" in exploitable.diagnostics["stalled_because"]


def test_a_run_without_a_single_valid_proposal_is_no_valid_proposal() -> None:
    verdicts = _feed(_quiet(), [800] * 3, [False] * 3, [None] * 3, [False] * 3)
    at, verdict = _first_stop(verdicts)
    assert (at, verdict.reason, verdict.converged) == (3, "no_valid_proposal", False)


def test_one_valid_proposal_is_enough_not_to_be_no_valid_proposal() -> None:
    verdicts = _feed(_quiet(), [800] * 3, [False] * 3, [None] * 3, [True, False, False])
    assert _first_stop(verdicts)[1].reason == "stalled"


def test_exhaustion_of_an_iteration_needs_every_agent() -> None:
    assert combined_exhaustion([True, True]) is True
    assert combined_exhaustion([True, None]) is None  # one agent had no valid answer
    assert combined_exhaustion([True, False]) is False  # one still searches: keep going
    assert combined_exhaustion([None, False]) is False
    assert combined_exhaustion([]) is None


def test_a_trend_window_too_short_to_ever_show_a_trend_is_refused() -> None:
    def problems(window: int, alpha: float) -> list[str]:
        config = ConvergenceConfig(stability_window=window, cv_threshold=0.05, trend_alpha=alpha)
        return convergence_problems(config)

    # at alpha 0.05 a strictly monotone series of 4 values has p = 0.089: never a trend
    (problem,) = problems(4, 0.05)
    assert problem.startswith("convergence.stability_window: 4 values can never show")
    assert "at least 5" in problem
    assert problems(5, 0.05) == []
    assert problems(4, 0.1) == []
    assert convergence_problems(ConvergenceConfig(stability_window=2)) == []  # no cv criterion
