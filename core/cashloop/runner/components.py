"""Build a run's components from config through the plugin registry."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from cashloop.config import ComponentConfig, ExperimentConfig
from cashloop.converter import unstructure
from cashloop.errors import ConfigError
from cashloop.host import PluginHost
from cashloop.protocols import ConstraintValidator, LLMClient, PolicyEvaluator

if TYPE_CHECKING:
    from cashloop.persistence.location import StorageLocation

__all__ = [
    "Components",
    "build_components",
    "build_outputs",
    "build_storage",
    "open_location",
    "storage_location",
    "unknown_agents",
]


@attrs.define(kw_only=True)
class Components:
    evaluator: PolicyEvaluator
    llm: LLMClient
    validators: list[ConstraintValidator]
    executor: Executor | None


def _validator_options(
    host: PluginHost, item: ComponentConfig, config: ExperimentConfig
) -> dict[str, Any]:
    """Validators declaring ``constraints`` get the experiment's unless the item sets its own."""
    options = dict(item.options)
    spec = host.registry.spec("validator", item.type, "validators")
    if spec.options is not None and attrs.has(spec.options):
        names = {f.name for f in attrs.fields(spec.options)}
        if "constraints" in names and "constraints" not in options:
            options["constraints"] = unstructure(config.policy_constraints)
    return options


def unknown_agents(optimized: Sequence[str], agents: Sequence[str]) -> list[str]:
    """A ``path: problem`` sentence for each optimized agent the evaluator does not have."""
    return [
        f"optimized_agents[{i}]: unknown agent '{a}'; the evaluator has {', '.join(agents)}"
        for i, a in enumerate(optimized)
        if a not in agents
    ]


def build_components(
    config: ExperimentConfig, host: PluginHost, *, skip_llm: bool = False
) -> Components:
    """Evaluator, proposer, validators and executor — what the loop itself needs.

    ``skip_llm`` leaves the configured proposer unbuilt (offline reruns bring their own), so no
    SDK or API key is needed."""
    reg, base = host.registry, config.config_dir
    evaluator = reg.create(
        "evaluator", config.evaluator.type, config.evaluator.options, "evaluator", base
    )
    llm: Any = (
        None if skip_llm else reg.create("llm", config.llm.type, config.llm.options, "llm", base)
    )
    validators = [
        reg.create(
            "validator", item.type, _validator_options(host, item, config), f"validators[{i}]", base
        )
        for i, item in enumerate(config.validators)
    ]
    executor = reg.create(
        "executor", config.executor.type, config.executor.options, "executor", base
    )
    unknown = unknown_agents(config.optimized_agents, list(evaluator.agents()))
    if unknown:
        raise ConfigError(unknown)
    return Components(evaluator=evaluator, llm=llm, validators=validators, executor=executor)


def build_outputs(
    config: ExperimentConfig, host: PluginHost, overrides: dict[str, dict[str, Any]] | None = None
) -> list[tuple[str, Any]]:
    """Output handler objects with unique plugin names (``output:console``, ``output:jsonl#2``)."""
    handlers: list[tuple[str, Any]] = []
    for i, item in enumerate(config.outputs):
        options = {**item.options, **(overrides or {}).get(item.type, {})}
        handler = host.registry.create(
            "output", item.type, options, f"outputs[{i}]", config.config_dir
        )
        handlers.append((f"output:{item.type}#{i}", handler))
    return handlers


def storage_location(
    config: ExperimentConfig,
    host: PluginHost,
    db: Path | None = None,
    location: StorageLocation | None = None,
) -> StorageLocation:
    """Where a run of ``config`` is stored: ``location`` (``--storage``) when given; else
    ``db`` (``--db``) as the ``path`` of the configured backend; else the config's ``storage``
    section when it names a location; else the default rule of
    :mod:`cashloop.persistence.location` (the same for the CLI and the Python API)."""
    from cashloop.persistence.location import StorageLocation, default_location

    if location is not None:
        return location
    kind, options = config.storage.type, dict(config.storage.options)
    if db is not None:
        spec = host.registry.spec("storage", kind, "storage")
        takes_path = spec.options is not None and any(
            f.name == "path" for f in attrs.fields(spec.options)
        )
        if not takes_path:
            raise ConfigError(
                [
                    f"--db: storage backend '{kind}' has no 'path' option; "
                    "set its location in the config's storage section or use --storage URL"
                ]
            )
        options["path"] = str(Path(db).resolve())
        return StorageLocation(type=kind, options=options, source="--db")
    if kind == "sqlite" and "path" not in options:
        default = default_location()
        if default.type == "sqlite":  # the config's own sqlite options (durability) still apply
            options.update(default.options)
            return attrs.evolve(default, options=options)
        return default
    return StorageLocation(
        type=kind, options=options, base_dir=config.config_dir, source="config storage section"
    )


def build_storage(
    config: ExperimentConfig,
    host: PluginHost,
    db: Path | None = None,
    location: StorageLocation | None = None,
) -> Any:
    """The run's storage backend, at :func:`storage_location`."""
    return open_location(host, storage_location(config, host, db, location))


def open_location(host: PluginHost, location: StorageLocation) -> Any:
    """The storage backend object for ``location``."""
    return host.registry.create(
        "storage", location.type, dict(location.options), location.source, location.base_dir
    )
