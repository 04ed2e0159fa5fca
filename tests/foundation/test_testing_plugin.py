"""``cashloop.testing``: the pytest plugin plugin authors get by installing cashloop."""

from __future__ import annotations

import types

import pytest

from cashloop.errors import ConfigError, PluginError
from cashloop.plugin import EvaluatorSpec, OutputHandlerSpec, ValidatorSpec, hookimpl
from cashloop.testing import (
    EventRecorder,
    arun_experiment,
    collect_specs,
    run_component,
    run_experiment,
)

TOY_CONFIG = {
    "name": "toy-run",
    "master_seed": 3,
    "plugins": {"modules": ["toy_evaluator"]},
    "evaluator": {"type": "toy"},
    "evaluation": {"num_samples": 4},
    "convergence": {"max_iterations": 3, "stability_window": 5},
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
    "validators": ["bounds"],
    "outputs": ["record-events"],
}


def test_the_plugin_is_loaded_through_its_pytest11_entry_point(request):
    plugin = request.config.pluginmanager.get_plugin("cashloop")
    assert plugin is not None and plugin.__name__ == "cashloop.testing"


def test_cashloop_pm_is_fresh_with_every_hookspec_and_no_plugin(cashloop_pm):
    assert cashloop_pm.get_plugins() == set()
    assert cashloop_pm.hook.register_evaluators.has_spec()
    assert cashloop_pm.hook.record_event.has_spec()


def test_cashloop_host_has_the_installed_plugins(cashloop_host):
    assert "silent" in cashloop_host.registry.names("output")
    assert cashloop_host.registry.provider("storage", "sqlite") == "sqlite"


def test_llm_stub_server_is_available_to_every_test(llm_stub_server):
    assert llm_stub_server.openai_base_url.startswith("http://127.0.0.1:")


def test_run_component_builds_through_the_registry_rules(toy):
    spec = toy.register_evaluators()[0]
    evaluator = run_component(spec, {"optima": {"X": 0.5}, "noise_cents": 0})
    assert list(evaluator.agents()) == ["X"]
    with pytest.raises(ConfigError) as info:
        run_component(spec, {"optimum": 0.5})
    assert info.value.errors[0].startswith("evaluator: unknown key(s) optimum; allowed: optima")


def test_run_component_rejects_an_object_that_is_not_a_spec():
    with pytest.raises(TypeError, match="not a cashloop spec class"):
        run_component(object(), {})  # type: ignore[arg-type]


def test_collect_specs_returns_the_plugin_s_specs_in_its_order(toy):
    first = ValidatorSpec(name="zeta", factory=dict)
    second = ValidatorSpec(name="alpha", factory=dict)
    plugin = types.SimpleNamespace(register_validators=hookimpl(lambda: [first, second]))
    assert collect_specs(plugin, "register_validators") == [first, second]
    assert collect_specs(toy, "register_evaluators")[0].name == "toy"


def test_collect_specs_fails_like_the_loader_on_a_misspelled_hook():
    plugin = types.SimpleNamespace(register_evaluater=hookimpl(lambda: []))
    with pytest.raises(PluginError, match="unknown hook 'register_evaluater'"):
        collect_specs(plugin, "register_evaluators")


def test_collect_specs_fails_on_a_spec_of_the_wrong_kind():
    wrong = OutputHandlerSpec(name="x", factory=dict)
    plugin = types.SimpleNamespace(register_evaluators=hookimpl(lambda: [wrong]))
    with pytest.raises(PluginError, match="expected EvaluatorSpec objects"):
        collect_specs(plugin, "register_evaluators")


def test_collect_specs_names_the_registration_hooks_on_a_wrong_hook_name(toy):
    with pytest.raises(ValueError, match="register_output_handlers"):
        collect_specs(toy, "on_iteration_start")


async def test_a_run_s_events_reach_the_recorder_in_order(toy_on_path, tmp_path):
    recorder = EventRecorder()
    result, provider = await arun_experiment(
        TOY_CONFIG, tmp_path, extra_plugins=[recorder.as_plugin()]
    )
    live = list(provider.get_all_events())
    assert recorder.events == live
    assert live[0]["event_type"] == "experiment_start"
    assert live[-1]["event_type"] == "experiment_end"
    assert result.num_iterations == 3
    names = recorder.hook_names()
    assert names.count("on_iteration_start") == 3
    assert names.count("record_iteration") == 3
    assert names[-1] == "on_experiment_complete"
    assert (tmp_path / "results" / "cashloop.db").exists()  # the default storage, under tmp_path


def test_the_toy_evaluator_is_deterministic_and_paired(toy):
    evaluator = toy.ToyEvaluator(toy.ToyOptions())
    near = {
        "BANK_A": {"parameters": {"initial_liquidity_fraction": 0.3}},
        "BANK_B": {"parameters": {"initial_liquidity_fraction": 0.9}},
    }
    far = {**near, "BANK_A": {"parameters": {"initial_liquidity_fraction": 0.8}}}
    a, b = evaluator.evaluate(near, [1, 2, 3]), evaluator.evaluate(near, [1, 2, 3])
    assert a == b
    assert [r.seed for r in a] == [1, 2, 3]
    assert all(isinstance(c, int) for r in a for c in r.costs.values())
    deltas = {
        f.costs["BANK_A"] - n.costs["BANK_A"]
        for f, n in zip(evaluator.evaluate(far, [1, 2, 3]), a, strict=True)
    }
    assert deltas == {toy.toy_cost(evaluator.options, "BANK_A", 0.8) - 10_000}
    assert evaluator.validate("BANK_A", {"parameters": {}}).is_valid is False
    assert evaluator.validate("BANK_A", far["BANK_A"]).is_valid is True
    assert "initial_liquidity_fraction" in evaluator.policy_schema()


def test_spec_classes_are_keyword_only_and_frozen():
    spec = EvaluatorSpec(name="x", factory=dict)
    with pytest.raises(AttributeError):
        spec.name = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        EvaluatorSpec("x", dict)  # type: ignore[misc]


def test_the_recorder_output_takes_no_options(toy_on_path, tmp_path):
    recorder = EventRecorder()
    config = {**TOY_CONFIG, "outputs": [{"type": "record-events", "colour": "red"}]}
    with pytest.raises(ConfigError) as info:
        run_experiment(config, tmp_path, extra_plugins=[recorder.as_plugin()])
    assert info.value.errors == ("outputs[0]: unknown key(s) colour",)
    assert recorder.events == []


def test_collect_specs_rejects_a_hookimpl_with_an_argument_no_hook_has():
    plugin = types.SimpleNamespace(register_validators=hookimpl(lambda verbose: []))
    with pytest.raises(PluginError, match="is invalid"):
        collect_specs(plugin, "register_validators")
