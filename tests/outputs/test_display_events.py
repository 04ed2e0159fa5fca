"""render_event: every event type renders; verbose flags gate the detail; replay is identical."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console

from cashloop.events import ALL_EVENTS
from cashloop.runner.display import RENDERERS, display_experiment_output, render_event
from cashloop.runner.state_provider import LiveStateProvider
from cashloop.runner.verbose import VerboseConfig

Render = Callable[..., str]
EVERYTHING = VerboseConfig(
    iterations=True, policy=True, bootstrap=True, llm=True, rejections=True, debug=True
)
NOTHING = VerboseConfig(iterations=False)


def _of_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["event_type"] == event_type]


def test_every_event_type_has_a_renderer() -> None:
    assert set(RENDERERS) == set(ALL_EVENTS)


def test_every_event_type_renders_something(
    run_events: list[dict[str, Any]], render: Render
) -> None:
    for event_type in ALL_EVENTS:
        events = _of_type(run_events, event_type)
        assert events, event_type
        assert render(events[:1], EVERYTHING).strip(), event_type


def test_experiment_start_shows_name_and_setup(
    run_events: list[dict[str, Any]], render: Render
) -> None:
    out = render(_of_type(run_events, "experiment_start"), NOTHING)
    for text in ("castro-exp2", "run-0001", "gpt-4.1", "BANK_A, BANK_B", "paired-t", "42"):
        assert text in out


def test_iteration_headers_and_cost_tables(
    run_events: list[dict[str, Any]], render: Render
) -> None:
    out = render(run_events, VerboseConfig())
    assert "Iteration 1" in out and "Iteration 2" in out
    assert "$1,234.56" in out  # BANK_A's incumbent cost
    assert "$1,484.56" in out  # iteration 1 total
    assert "Iteration 1 result" in out
    assert "changed" in out and "kept" in out


def test_iterations_flag_gates_headers(run_events: list[dict[str, Any]], render: Render) -> None:
    out = render(run_events, NOTHING)
    assert "Iteration 1" not in out
    assert "castro-exp2" in out  # the frame is always shown
    assert "Summary" in out


def test_policy_change_decision_line(run_events: list[dict[str, Any]], render: Render) -> None:
    out = render(_of_type(run_events, "policy_change"), VerboseConfig())
    assert "ACCEPTED" in out
    assert "$1,234.56 -> $1,000.00" in out
    assert "saves $234.56" in out
    assert "CI [$200.00, $269.12]" in out
    assert "p=0.0031" in out
    assert "initial_liquidity_fraction" not in out  # the diff needs verbose.policy


def test_rejected_candidate_costs_more(run_events: list[dict[str, Any]], render: Render) -> None:
    event = copy.deepcopy(_of_type(run_events, "policy_change")[0])
    event.update(accepted=False, new_cost=130_000, delta=-6_544, p_value=None)
    out = render([event], VerboseConfig())
    assert "REJECTED" in out
    assert "costs $65.44 more" in out
    assert "p n/a" in out


def test_policy_flag_alone_names_the_agent(
    run_events: list[dict[str, Any]], render: Render
) -> None:
    out = render(
        _of_type(run_events, "policy_change"), VerboseConfig(iterations=False, policy=True)
    )
    assert "candidate for BANK_A" in out and "initial_liquidity_fraction" in out
    assert render(_of_type(run_events, "policy_change"), NOTHING) == ""


def test_policy_flag_shows_parameter_and_tree_diff(
    run_events: list[dict[str, Any]], render: Render
) -> None:
    out = render(_of_type(run_events, "policy_change"), VerboseConfig(policy=True))
    assert "initial_liquidity_fraction" in out
    assert "0.5" in out and "0.25" in out
    assert 'payment_tree.action: "Release" -> "Hold"' in out
    assert '"a0" -> "a1"' in out


def test_bootstrap_flag_shows_samples(run_events: list[dict[str, Any]], render: Render) -> None:
    events = _of_type(run_events, "bootstrap_evaluation") + _of_type(run_events, "policy_change")
    hidden = render(events, VerboseConfig())
    assert "Samples" not in hidden and "$1,469.12" not in hidden
    out = render(events, VerboseConfig(bootstrap=True))
    assert "Samples: incumbent profile" in out
    assert "Samples: candidate for BANK_A" in out
    assert "$1,469.12" in out and "95/100" in out and "95.0%" in out
    assert "std $15.44" in out
    assert "Paired savings for BANK_A" in out and "$239.12" in out


def test_llm_flag_and_debug(run_events: list[dict[str, Any]], render: Render) -> None:
    calls = _of_type(run_events, "llm_call")
    assert render(calls, VerboseConfig()) == ""
    summary = render(calls, VerboseConfig(llm=True))
    assert "gpt-4.1" in summary and "1,234 prompt" in summary and "567 completion" in summary
    assert "cash manager" not in summary and "latency" not in summary
    debug = render(calls, VerboseConfig(llm=True, debug=True))
    assert "System prompt" in debug and "User prompt" in debug and "Raw response" in debug
    assert "latency 2.50 s" in debug
    assert '{"policy_id": "a1"}' in debug


def test_llm_error_is_shown(run_events: list[dict[str, Any]], render: Render) -> None:
    event = dict(_of_type(run_events, "llm_call")[0], error="timeout after 30s")
    assert "error: timeout after 30s" in render([event], VerboseConfig(llm=True))


def test_text_from_events_is_not_markup(run_events: list[dict[str, Any]], render: Render) -> None:
    debug = render(_of_type(run_events, "llm_call"), EVERYTHING)
    assert "[bold]cash manager[/bold]" in debug


def test_rejections_flag(run_events: list[dict[str, Any]], render: Render) -> None:
    rejected = _of_type(run_events, "policy_rejected")
    brief = render(rejected, VerboseConfig())
    assert "REJECTED proposal for BANK_B after 3 attempts" in brief
    assert "constraint_violation" not in brief and "got 1.5" not in brief
    full = render(rejected, VerboseConfig(rejections=True, iterations=False))
    assert "constraint_violation" in full
    assert "initial_liquidity_fraction must be <= 1.0, got 1.5" in full
    assert render(rejected, NOTHING) == ""


def test_convergence_and_summary(run_events: list[dict[str, Any]], render: Render) -> None:
    out = render(
        _of_type(run_events, "convergence") + _of_type(run_events, "experiment_end"), NOTHING
    )
    assert "Stopped: max_iterations" in out
    assert "relative_change" in out and "0.0125" in out
    assert "Final cost  $1,250.00" in out
    assert "Best cost   $1,250.00 (iteration 1)" in out
    assert "Converged   no" in out
    assert "Best policies" in out and "0.25" in out
    assert "Costs per agent" in out


def test_converged_yes(run_events: list[dict[str, Any]], render: Render) -> None:
    end = dict(_of_type(run_events, "experiment_end")[0], converged=True)
    assert "Converged   yes" in render([end], NOTHING)


def test_replay_identity(run_events: list[dict[str, Any]], render: Render) -> None:
    for verbose in (VerboseConfig(), EVERYTHING, VerboseConfig.all_enabled()):
        first = render(run_events, verbose)
        assert render(copy.deepcopy(run_events), verbose) == first


def test_display_experiment_output_from_a_provider(run_events: list[dict[str, Any]]) -> None:
    provider = LiveStateProvider(experiment_name="castro-exp2", run_id="run-0001")
    for event in run_events:
        data = {k: v for k, v in event.items() if k not in ("event_type", "iteration")}
        if event["event_type"] in ("iteration_start", "iteration_complete"):
            data["iteration"] = event["iteration"]
        provider.record_event(event["iteration"], event["event_type"], data)
    outputs = []
    for _ in range(2):
        console = Console(file=io.StringIO(), width=100, color_system=None)
        display_experiment_output(provider, console, VerboseConfig.all_enabled())
        outputs.append(console.file.getvalue())  # type: ignore[attr-defined]
    assert outputs[0] == outputs[1]
    assert "castro-exp2" in outputs[0] and "Iteration" in outputs[0]


def test_default_verbose_for_display(run_events: list[dict[str, Any]], render: Render) -> None:
    provider = LiveStateProvider(experiment_name="x")
    for event in run_events:
        provider.record_event(event["iteration"], event["event_type"], event)
    console = Console(file=io.StringIO(), width=100, color_system=None)
    display_experiment_output(provider, console)
    assert console.file.getvalue() == render(run_events, VerboseConfig())  # type: ignore[attr-defined]


def test_unknown_event_only_with_debug(render: Render) -> None:
    event = {"event_type": "custom_metric", "iteration": 3, "value": 1}
    assert render([event], VerboseConfig.all_enabled()) == ""
    assert '"custom_metric"' in render([event], VerboseConfig(debug=True))


@pytest.mark.parametrize("event_type", ALL_EVENTS)
def test_minimal_events_do_not_crash(event_type: str, render: Render) -> None:
    """Old or partial events (only the seed's required fields) still render."""
    out = render([{"event_type": event_type, "iteration": 1}], EVERYTHING)
    assert isinstance(out, str)


def test_width_is_respected(run_events: list[dict[str, Any]], render: Render) -> None:
    out = render(run_events, EVERYTHING, width=60)
    assert max(len(line) for line in out.splitlines()) <= 60


def test_render_event_accepts_any_console(run_events: list[dict[str, Any]]) -> None:
    console = Console(file=io.StringIO(), width=80, color_system="truecolor", force_terminal=True)
    for event in run_events:
        render_event(event, console, EVERYTHING)
    assert "\x1b[" in console.file.getvalue()  # type: ignore[attr-defined]


def test_equilibrium_report_shows_each_agents_gain_and_the_verdict(
    run_events: list[dict[str, Any]], render: Render
) -> None:
    (event,) = _of_type(run_events, "equilibrium")
    out = render([event], NOTHING)  # always shown
    assert "Equilibrium check fails" in out
    assert "2.0% of its cost" in out
    assert "$58.92" in out and "[$44.70, $73.14]" in out  # BANK_A's gain and interval
    assert "26.5%" in out
    assert "initial_liquidity_fraction 0.14375" in out
    assert "Each gain is a lower bound" in out
    passing = {**event, "passes": True, "lower_bound_only": False}
    out = render([passing], NOTHING)
    assert "Equilibrium check passes" in out and "lower bound" not in out
