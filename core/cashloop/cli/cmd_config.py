"""``cashloop validate`` and ``cashloop template``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from cashloop.cli.common import read_config_data, set_option

__all__ = ["check_components", "template_cmd", "validate_cmd"]

_SINGLE = {"evaluator": "evaluator", "llm": "llm", "storage": "storage", "executor": "executor"}
_LISTS = {"validators": "validator", "outputs": "output"}


def _split(item: Any) -> tuple[str, dict[str, Any]] | None:
    if isinstance(item, str):
        return item, {}
    if isinstance(item, Mapping) and isinstance(item.get("type"), str):
        return item["type"], {k: v for k, v in item.items() if k != "type"}
    return None


def check_components(data: Mapping[str, Any], host: Any, base_dir: Path) -> list[str]:
    """Every component's type and options, checked through the registry (factories not run)."""
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
    for kind, where, item in places:
        split = _split(item)
        if split is None:
            continue
        name, options = split
        if kind == "llm":
            options = {k: v for k, v in options.items() if k not in LLMConfig.CORE_KEYS}
        if kind == "validator" and "constraints" in options:
            options.pop("constraints")
        try:
            host.registry.structure_options(kind, name, options, where, base_dir)
        except ConfigError as exc:
            problems.extend(exc.errors)
        except PluginError as exc:
            problems.append(str(exc))
    return problems


@click.command("validate")
@click.argument("config", type=click.Path(path_type=Path))
@set_option
def validate_cmd(config: Path, sets: tuple[str, ...]) -> None:
    """Check CONFIG and its components; print every problem with its path (exit 2)."""
    from cashloop.config import ExperimentConfig
    from cashloop.errors import ConfigError
    from cashloop.host import PluginHost

    data = read_config_data(config, sets)
    problems: list[str] = []
    try:
        cfg = ExperimentConfig.from_dict(data, base_dir=config.parent, source=str(config))
    except ConfigError as exc:
        problems.extend(exc.errors)
        cfg = None
    raw_plugins = data.get("plugins")
    plugins: Mapping[str, Any] = raw_plugins if isinstance(raw_plugins, Mapping) else {}
    host = PluginHost.load(
        disabled=plugins.get("disabled") or (), modules=plugins.get("modules") or ()
    )
    problems.extend(
        p for p in check_components(data, host, config.parent.resolve()) if p not in problems
    )
    if problems:
        raise ConfigError(problems, source=str(config))
    assert cfg is not None
    click.echo(
        f"{config}: valid (experiment '{cfg.name}', evaluator '{cfg.evaluator.type}', "
        f"llm '{cfg.llm.type}', {cfg.convergence.max_iterations} iterations max)"
    )


@click.command("template")
def template_cmd() -> None:
    """Print a commented, valid experiment config to start from."""
    from cashloop.config.template import TEMPLATE

    click.echo(TEMPLATE, nl=False)
