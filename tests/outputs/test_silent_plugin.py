"""The silent plugin registers the core's SilentOutput as the ``silent`` output handler."""

from __future__ import annotations

import pluggy
import pytest

import cashloop.hookspecs
import cashloop_silent
from cashloop.plugin import OutputHandlerSpec, RunInfo
from cashloop.runner.output import OutputHandlerProtocol, SilentOutput
from cashloop_silent import SilentOptions

RUN = RunInfo(run_id="r", experiment_name="e")


def _plugin_manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("cashloop")
    pm.add_hookspecs(cashloop.hookspecs.RegistrationSpecs)
    pm.add_hookspecs(cashloop.hookspecs.LifecycleSpecs)
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def test_registers_silent_output() -> None:
    pm = _plugin_manager(cashloop_silent)
    specs = [spec for result in pm.hook.register_output_handlers() for spec in result]
    assert [(s.name, s.options) for s in specs] == [("silent", SilentOptions)]
    assert isinstance(specs[0], OutputHandlerSpec)
    handler = specs[0].factory(SilentOptions())
    assert isinstance(handler, SilentOutput)
    assert isinstance(handler, OutputHandlerProtocol)


def test_silent_output_receives_every_lifecycle_hook_quietly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pm = _plugin_manager(SilentOutput())
    pm.hook.on_experiment_start(experiment_name="e", run=RUN)
    pm.hook.on_iteration_start(iteration=1, run=RUN)
    pm.hook.on_iteration_complete(iteration=1, metrics={"total_cost": 1}, run=RUN)
    pm.hook.on_agent_optimized(agent_id="A", accepted=True, delta=-100, run=RUN)
    pm.hook.on_convergence(reason="stability_reached", run=RUN)
    pm.hook.on_experiment_complete(result=None, run=RUN)
    assert capsys.readouterr() == ("", "")


def test_silent_options_take_no_keys() -> None:
    with pytest.raises(TypeError):
        SilentOptions(verbose=True)  # type: ignore[call-arg]
