"""DESIGN §2.2: an object satisfying the seed's OutputHandlerProtocol is an output plugin as it is.

Plain ``on_*`` methods without ``@hookimpl`` and with the seed's signatures (no ``run``) receive the
lifecycle hooks; a module's plain functions never become hooks.
"""

from __future__ import annotations

import types
from typing import Any

from cashloop.plugin import OutputHandlerSpec, hookimpl
from cashloop.plugin_manager import new_plugin_manager
from cashloop.runner import OutputHandlerProtocol, SilentOutput
from cashloop.testing import EventRecorder, run_experiment
from cashloop.types import RunInfo


class SeedStyleOutput:
    """Like the seed's handlers: plain methods, seed signatures, no decorators."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def on_experiment_start(self, experiment_name: str) -> None:
        self.calls.append(("start", experiment_name))

    def on_iteration_start(self, iteration: int) -> None:
        self.calls.append(("iteration", iteration))

    def on_iteration_complete(self, iteration: int, metrics: dict[str, Any]) -> None:
        self.calls.append(("complete", iteration))

    def on_agent_optimized(self, agent_id: str, accepted: bool, delta: int | None = None) -> None:
        self.calls.append(("agent", agent_id))

    def on_convergence(self, reason: str) -> None:
        self.calls.append(("convergence", reason))

    def on_experiment_complete(self, result: Any) -> None:
        self.calls.append(("end", result.experiment_name))


def test_seed_types_satisfy_the_seed_protocol():
    assert isinstance(SeedStyleOutput(), OutputHandlerProtocol)
    assert isinstance(SilentOutput(), OutputHandlerProtocol)


def test_plain_lifecycle_methods_of_an_object_are_hook_implementations():
    pm = new_plugin_manager()
    handler = SeedStyleOutput()
    pm.register(handler, name="seed-style")
    pm.check_pending()
    for hook in ("on_experiment_start", "on_iteration_start", "on_convergence"):
        assert [i.plugin for i in getattr(pm.hook, hook).get_hookimpls()] == [handler]


def test_a_module_s_plain_functions_are_not_hooks():
    module = types.ModuleType("inhouse_helpers")
    module.on_iteration_start = lambda iteration: None  # type: ignore[attr-defined]
    pm = new_plugin_manager()
    pm.register(module, name="inhouse_helpers")
    assert pm.hook.on_iteration_start.get_hookimpls() == []


def test_a_seed_style_output_selected_in_config_receives_every_lifecycle_hook(
    toy_on_path, tmp_path
):
    handler = SeedStyleOutput()
    recorder = EventRecorder()
    provider_plugin = types.SimpleNamespace()

    @hookimpl
    def register_output_handlers() -> list[OutputHandlerSpec]:
        return [OutputHandlerSpec(name="seed-style", factory=lambda options: handler)]

    provider_plugin.register_output_handlers = register_output_handlers
    config = {
        "name": "seed-style",
        "plugins": {"modules": ["toy_evaluator"]},
        "evaluator": {"type": "toy"},
        "evaluation": {"num_samples": 3},
        "convergence": {"max_iterations": 2, "stability_window": 5},
        "outputs": ["seed-style", "record-events"],
    }
    result, _ = run_experiment(
        config, tmp_path, extra_plugins=[provider_plugin, recorder.as_plugin()]
    )
    assert handler.calls[0] == ("start", "seed-style")
    assert handler.calls[-2:] == [("convergence", "max_iterations"), ("end", "seed-style")]
    assert [c for c in handler.calls if c[0] == "iteration"] == [("iteration", 1), ("iteration", 2)]
    assert [c for c in handler.calls if c[0] == "complete"] == [("complete", 1), ("complete", 2)]
    assert sum(1 for c in handler.calls if c[0] == "agent") == sum(
        1 for e in recorder.events if e["event_type"] == "policy_change"
    )
    assert result.num_iterations == 2


def test_hooks_may_take_any_subset_of_their_arguments_including_run(toy_on_path, tmp_path):
    recorder = EventRecorder()
    config = {
        "name": "subset",
        "plugins": {"modules": ["toy_evaluator"]},
        "evaluator": "toy",
        "evaluation": {"num_samples": 2},
        "convergence": {"max_iterations": 1},
        "outputs": ["record-events"],
    }
    result, _ = run_experiment(config, tmp_path, extra_plugins=[recorder.as_plugin()])
    runs = {kwargs["run"] for _, kwargs in recorder.calls}
    assert len(runs) == 1
    (run,) = runs
    assert isinstance(run, RunInfo)
    assert (run.run_id, run.experiment_name) == (result.run_id, "subset")
