"""pytest plugin for cashloop plugin authors (loaded through the ``pytest11`` entry point).

Fixtures: ``cashloop_pm`` (a fresh manager, nothing registered), ``cashloop_host`` (installed
plugins, freshly loaded), ``llm_stub_server`` (a loopback OpenAI/Anthropic stub). Helpers:
:func:`run_component`, :func:`collect_specs`, :func:`record_events`, :func:`run_experiment`.

pytest imports this module in every run of every project that has cashloop installed, so heavy
modules are imported inside the helpers, never at module level.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest

if TYPE_CHECKING:
    from cashloop.host import PluginHost
    from cashloop.plugin_manager import CashloopPluginManager
    from cashloop.runner.result import ExperimentResult
    from cashloop.runner.state_provider import ExperimentStateProviderProtocol
    from cashloop.specs import ComponentSpec, OutputHandlerSpec
    from cashloop.types import RunInfo

# The stub server is optional: if its module is missing, every other fixture still works.
with contextlib.suppress(ImportError):
    from cashloop.testing.llm_stub import llm_stub_server

__all__ = [
    "EventRecorder",
    "arun_experiment",
    "cashloop_host",
    "cashloop_pm",
    "collect_specs",
    "llm_stub_server",
    "record_events",
    "run_component",
    "run_experiment",
]

#: Where a component of each kind sits in a one-component config: error messages use it.
_WHERE = {
    "evaluator": "evaluator",
    "llm": "llm",
    "validator": "validators[0]",
    "output": "outputs[0]",
    "storage": "storage",
    "executor": "executor",
}


@pytest.fixture
def cashloop_pm() -> CashloopPluginManager:
    """A fresh plugin manager with every cashloop hookspec and no plugin registered."""
    from cashloop.plugin_manager import new_plugin_manager

    return new_plugin_manager()


@pytest.fixture
def cashloop_host() -> PluginHost:
    """A fresh PluginHost with every installed entry-point plugin registered."""
    from cashloop.host import PluginHost

    return PluginHost.load()


def _kind_of(spec: ComponentSpec) -> str:
    from cashloop.registry import KINDS

    for kind, (_, spec_cls) in KINDS.items():
        if isinstance(spec, spec_cls):
            return kind
    raise TypeError(
        f"{type(spec).__name__} is not a cashloop spec class; use EvaluatorSpec, LLMClientSpec, "
        "ValidatorSpec, OutputHandlerSpec, StorageBackendSpec or ExecutorSpec"
    )


class _SpecProvider:
    """A one-spec plugin: answers the registration hook of the spec's kind."""

    def __init__(self, hook_name: str, spec: ComponentSpec) -> None:
        from cashloop.hookspecs import hookimpl

        def provide() -> list[ComponentSpec]:
            return [spec]

        setattr(self, hook_name, hookimpl(provide))


def run_component(
    spec: ComponentSpec,
    options: Mapping[str, Any] | None = None,
    base_dir: Path | str | None = None,
    *,
    where: str | None = None,
) -> Any:
    """Build a component exactly as a run would: options structured (extra keys are errors with
    their path, ``Path`` fields resolved against ``base_dir``), then the factory called.

    ``where`` is the config path used in error messages (default: ``outputs[0]`` for an output
    handler, ``evaluator`` for an evaluator, ...).
    """
    from cashloop.plugin_manager import new_plugin_manager
    from cashloop.registry import KINDS, ComponentRegistry

    kind = _kind_of(spec)
    pm = new_plugin_manager()
    pm.register(_SpecProvider(KINDS[kind][0], spec), name=f"under-test:{spec.name}")
    registry = ComponentRegistry(pm)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    return registry.create(kind, spec.name, dict(options or {}), where or _WHERE[kind], base)


def collect_specs(plugin: object, hook_name: str) -> list[ComponentSpec]:
    """The specs ``plugin`` returns from the registration hook ``hook_name``, in its order.

    The plugin is registered in a fresh manager first, so a misspelled hook name or a wrong
    return type fails here just as it would when cashloop loads the plugin.
    """
    import pluggy

    from cashloop.errors import PluginError
    from cashloop.loader import _check_hooks
    from cashloop.plugin_manager import new_plugin_manager
    from cashloop.registry import KINDS, ComponentRegistry

    hooks = {hook: kind for kind, (hook, _) in KINDS.items()}
    if hook_name not in hooks:
        raise ValueError(f"{hook_name!r} is not a registration hook; one of {', '.join(hooks)}")
    pm = new_plugin_manager()
    name = "under-test"
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:  # e.g. a hookimpl argument no hookspec has
        raise PluginError(f"plugin '{name}' is invalid: {exc}") from None
    _check_hooks(pm, name, repr(plugin))
    ComponentRegistry(pm)  # type checks every returned spec and rejects duplicate names
    specs: list[ComponentSpec] = []
    for provided in getattr(pm.hook, hook_name)():
        specs.extend(provided or ())
    return specs


@attrs.frozen(kw_only=True)
class _NoOptions:
    """The recorder takes no options: any key in its config item is an error with its path."""


class EventRecorder:
    """An output handler that keeps everything it receives, for assertions.

    ``events`` holds every ``record_event`` call as ``{"event_type", "iteration", **data}`` (the
    shape of ``state_provider.get_all_events()``); ``calls`` holds every hook call in order as
    ``(hook_name, arguments)``.
    """

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def hook_names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def as_plugin(self, name: str = "record-events") -> object:
        """A plugin registering this recorder as the output handler ``name`` (select it in
        config ``outputs: [NAME]``)."""
        from cashloop.specs import OutputHandlerSpec

        recorder = self

        def factory(options: _NoOptions) -> EventRecorder:
            return recorder

        spec: OutputHandlerSpec = OutputHandlerSpec(
            name=name,
            factory=factory,
            options=_NoOptions,
            description="records every event (cashloop.testing)",
        )
        return _SpecProvider("register_output_handlers", spec)

    def _call(self, hook: str, arguments: dict[str, Any]) -> None:
        """Keep a hook call; ``arguments`` is the hook method's ``locals()``."""
        self.calls.append((hook, {k: v for k, v in arguments.items() if k != "self"}))

    def record_event(
        self, iteration: int, event_type: str, event_data: Mapping[str, Any], run: RunInfo
    ) -> None:
        self._call("record_event", locals())
        self.events.append({"event_type": event_type, "iteration": iteration, **event_data})

    def record_iteration(
        self,
        iteration: int,
        costs_per_agent: Mapping[str, int],
        accepted_changes: Mapping[str, bool],
        policies: Mapping[str, Any],
        run: RunInfo,
    ) -> None:
        self._call("record_iteration", locals())

    def set_final_result(
        self,
        final_cost: int,
        best_cost: int,
        converged: bool,
        convergence_reason: str,
        run: RunInfo,
    ) -> None:
        self._call("set_final_result", locals())

    def on_experiment_start(self, experiment_name: str, run: RunInfo) -> None:
        self._call("on_experiment_start", locals())

    def on_iteration_start(self, iteration: int, run: RunInfo) -> None:
        self._call("on_iteration_start", locals())

    def on_iteration_complete(self, iteration: int, metrics: dict[str, Any], run: RunInfo) -> None:
        self._call("on_iteration_complete", locals())

    def on_agent_optimized(
        self, agent_id: str, accepted: bool, delta: int | None, run: RunInfo
    ) -> None:
        self._call("on_agent_optimized", locals())

    def on_convergence(self, reason: str, run: RunInfo) -> None:
        self._call("on_convergence", locals())

    def on_experiment_complete(self, result: Any, run: RunInfo) -> None:
        self._call("on_experiment_complete", locals())


def record_events() -> EventRecorder:
    """A new :class:`EventRecorder` (register it with ``host.register_run_plugin`` or select
    ``recorder.as_plugin()``'s output handler in config)."""
    return EventRecorder()


async def arun_experiment(
    config: Mapping[str, Any],
    tmp_path: Path,
    *,
    extra_plugins: Sequence[object] = (),
    **runner_kwargs: Any,
) -> tuple[ExperimentResult, ExperimentStateProviderProtocol]:
    """Run ``config`` (a config dict; relative paths resolve against ``tmp_path``) through
    ``GenericExperimentRunner``; return the result and the run's live state provider.

    Unless the config says otherwise, outputs are ``[silent]`` and the SQLite database is
    ``tmp_path/results/cashloop.db``. ``extra_plugins`` are registered next to the installed ones
    (e.g. ``record_events().as_plugin()``); ``runner_kwargs`` go to the runner.
    """
    from cashloop.config import ExperimentConfig
    from cashloop.host import PluginHost
    from cashloop.runner.experiment_runner import GenericExperimentRunner

    data = {"outputs": ["silent"], **config}
    cfg = ExperimentConfig.from_dict(data, base_dir=tmp_path)
    host = runner_kwargs.pop("host", None)
    if host is None:
        host = PluginHost.load(disabled=cfg.plugins.disabled, modules=cfg.plugins.modules)
    for i, plugin in enumerate(extra_plugins):
        host.pm.register(plugin, name=f"extra-plugin-{i}")
    if "storage" not in config and not {"storage", "db_path"} & runner_kwargs.keys():
        from cashloop.persistence.location import StorageLocation

        runner_kwargs["storage"] = StorageLocation.sqlite(tmp_path / "results" / "cashloop.db")
    runner = GenericExperimentRunner(cfg, host=host, **runner_kwargs)
    result = await runner.run()
    provider = runner.state_provider
    assert provider is not None
    return result, provider


def run_experiment(
    config: Mapping[str, Any],
    tmp_path: Path,
    *,
    extra_plugins: Sequence[object] = (),
    **runner_kwargs: Any,
) -> tuple[ExperimentResult, ExperimentStateProviderProtocol]:
    """Synchronous :func:`arun_experiment` (not from inside a running event loop: an ``async``
    test awaits :func:`arun_experiment` instead)."""
    return asyncio.run(
        arun_experiment(config, tmp_path, extra_plugins=extra_plugins, **runner_kwargs)
    )
