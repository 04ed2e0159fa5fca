"""Registration through the plugin contract, with a fresh plugin manager."""

from __future__ import annotations

import pickle
from pathlib import Path

import click
import pluggy
from rtgs_helpers import SCENARIOS

from cashloop.hookspecs import PROJECT_NAME, RegistrationSpecs
from cashloop.plugin import EvaluatorSpec, ValidatorSpec
from cashloop_rtgs import plugin
from cashloop_rtgs.options import RtgsOptions


def manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(RegistrationSpecs)
    pm.register(plugin, name="rtgs")
    pm.check_pending()
    return pm


def test_registers_the_evaluator_and_the_validator() -> None:
    pm = manager()
    [[spec]] = pm.hook.register_evaluators()
    assert isinstance(spec, EvaluatorSpec) and spec.name == "rtgs"
    assert spec.options is RtgsOptions
    ev = spec.factory(RtgsOptions(scenario=SCENARIOS / "castro_exp1.yaml"))
    assert ev.evaluate({}, [1])[0].costs == {"BANK_A": 5000, "BANK_B": 5000}
    assert pickle.loads(pickle.dumps(ev)).agents() == ev.agents()
    [[validator]] = pm.hook.register_validators()
    assert isinstance(validator, ValidatorSpec) and validator.name == "rtgs-policy"
    assert validator.factory(validator.options()).validate("A", {}).errors


def test_adds_the_simulate_command() -> None:
    group = click.Group()
    manager().hook.register_commands(cli=group)
    assert "simulate" in group.commands


def test_entry_point_is_declared() -> None:
    from importlib.metadata import entry_points

    [ep] = [e for e in entry_points(group=PROJECT_NAME) if e.name == "rtgs"]
    assert ep.load() is plugin


def test_options_resolve_relative_scenario_paths() -> None:
    from cashloop.converter import resolve_paths, structure

    options = structure({"scenario": "castro_exp1.yaml"}, RtgsOptions)
    resolved = resolve_paths(options, SCENARIOS)
    assert resolved.scenario == SCENARIOS / "castro_exp1.yaml"
    assert Path(resolved.scenario).is_file()
