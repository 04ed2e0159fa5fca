"""Every problem of an experiment config, found at once: what ``cashloop validate`` prints and
what ``cashloop run`` reports when a config is invalid.

Three layers, each reported in full: the config's own keys and values; every component's type and
options, checked through the registry (factories not run; an options class's own ``problems()``
is asked); and the evaluator itself, built (no run is started), so a scenario file that is
missing or wrong, or an ``optimized_agents`` entry the evaluator does not know, is found before a
run and not at its start. Only the evaluator is built: LLM clients may need SDKs and API keys,
which are the environment's business, not the config's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cashloop.config import ExperimentConfig
    from cashloop.host import PluginHost

__all__ = ["check_components", "check_config", "check_evaluator"]

_SINGLE = {"evaluator": "evaluator", "llm": "llm", "storage": "storage", "executor": "executor"}
_LISTS = {"validators": "validator", "outputs": "output"}


def _split(item: Any) -> tuple[str, dict[str, Any]] | None:
    if isinstance(item, str):
        return item, {}
    if isinstance(item, Mapping) and isinstance(item.get("type"), str):
        return item["type"], {k: v for k, v in item.items() if k != "type"}
    return None


def check_components(
    data: Mapping[str, Any], host: PluginHost, base_dir: Path
) -> tuple[list[str], dict[str, Any]]:
    """Every component's type and options, checked through the registry (factories not run):
    the problems, and the structured options of each component that has none, by config path."""
    from cashloop.config import LLMConfig
    from cashloop.errors import ConfigError, PluginError

    places: list[tuple[str, str, Any]] = [
        (kind, key, data[key]) for key, kind in _SINGLE.items() if key in data
    ]
    for key, kind in _LISTS.items():
        for i, item in enumerate(data.get(key) or [] if isinstance(data.get(key), list) else []):
            places.append((kind, f"{key}[{i}]", item))
    if "llm" not in data:
        places.append(("llm", "llm", "local-search"))
    problems: list[str] = []
    structured: dict[str, Any] = {}
    for kind, where, item in places:
        if kind == "llm" and isinstance(item, Mapping) and "type" not in item:
            item = {**item, "type": "local-search"}  # as the config itself reads it
        split = _split(item)
        if split is None:
            continue
        name, options = split
        if kind == "llm":
            options = {k: v for k, v in options.items() if k not in LLMConfig.CORE_KEYS}
        if kind == "validator" and "constraints" in options:
            options.pop("constraints")
        try:
            structured[where] = host.registry.structure_options(
                kind, name, options, where, base_dir
            )
        except ConfigError as exc:
            problems.extend(exc.errors)
        except PluginError as exc:
            problems.append(str(exc))
    return problems, structured


def check_evaluator(
    data: Mapping[str, Any], host: PluginHost, options: Any, config: Path
) -> list[str]:
    """Build the evaluator of ``data`` from its structured ``options`` (its factory reads its
    files) and check ``optimized_agents`` against its agents. Problems in a file of the
    evaluator's own (a scenario) name that file."""
    from cashloop.errors import ConfigError, UserError
    from cashloop.runner.components import unknown_agents

    split = _split(data.get("evaluator"))
    if split is None:
        return []  # missing or malformed: the config's own check reports it
    name = split[0]
    try:
        evaluator = host.registry.spec("evaluator", name, "evaluator").factory(options)
    except ConfigError as exc:
        source = str(config)
        where = f"evaluator: {exc.source}" if exc.source and exc.source != source else "evaluator"
        return [e if e.startswith("evaluator") else f"{where}: {e}" for e in exc.errors]
    except UserError as exc:
        return [f"evaluator: {exc}"]
    except Exception as exc:  # a bug in the evaluator's plugin: name it, keep checking
        return [f"evaluator: '{name}' could not be built ({type(exc).__name__}: {exc})"]
    agents = data.get("optimized_agents")
    if not isinstance(agents, list) or not all(
        isinstance(a, str) or (isinstance(a, int | float) and not isinstance(a, bool))
        for a in agents
    ):
        return []  # absent (every agent) or of the wrong shape (reported by the config check)
    # as the config reads them: a number is the text of that number
    return unknown_agents([str(a) for a in agents], list(evaluator.agents()))


def check_config(
    config: Path, data: Mapping[str, Any]
) -> tuple[ExperimentConfig | None, list[str]]:
    """The config made from ``data`` (read from ``config``; ``None`` when invalid) and every
    problem found in it, its components and its evaluator."""
    from cashloop.config import ExperimentConfig
    from cashloop.errors import ConfigError, UserError
    from cashloop.host import PluginHost

    source = str(config)
    problems: list[str] = []
    cfg: ExperimentConfig | None
    try:
        cfg = ExperimentConfig.from_dict(data, base_dir=config.parent, source=source)
    except ConfigError as exc:
        problems.extend(exc.errors)
        cfg = None
    raw_plugins = data.get("plugins")
    plugins: Mapping[str, Any] = raw_plugins if isinstance(raw_plugins, Mapping) else {}
    # malformed plugin lists are the config check's to report; load what can be loaded
    try:
        host = PluginHost.load(
            disabled=_names(plugins.get("disabled")), modules=_names(plugins.get("modules"))
        )
    except UserError as exc:  # without its plugins the components cannot be checked
        return None, [*problems, str(exc)]
    found, structured = check_components(data, host, config.parent.resolve())
    if "evaluator" in structured:  # an unknown type or bad options are already among `found`
        found += check_evaluator(data, host, structured["evaluator"], config)
    problems.extend(p for p in found if p not in problems)
    return (cfg if not problems else None), problems


def _names(value: Any) -> tuple[str, ...]:
    """The texts of a list, or nothing when ``value`` is not a list of texts."""
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return ()
