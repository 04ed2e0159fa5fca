"""The convergence detector: every stop reason, and max_iterations is not convergence."""

from __future__ import annotations

from collections.abc import Sequence

from cashloop.config.sections import ConvergenceConfig
from cashloop.runner.convergence import ConvergenceDetector, Verdict


def _feed(
    detector: ConvergenceDetector, costs: Sequence[int], changed: Sequence[bool]
) -> list[Verdict | None]:
    verdicts = []
    for cost, change in zip(costs, changed, strict=True):
        detector.observe(cost, change)
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
