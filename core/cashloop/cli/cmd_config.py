"""``cashloop validate`` and ``cashloop template``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cashloop.cli.common import read_config_data, set_option

__all__ = ["template_cmd", "validate_cmd"]


@click.command("validate")
@click.argument("config", type=click.Path(path_type=Path))
@set_option
def validate_cmd(config: Path, sets: tuple[str, ...]) -> None:
    """Check CONFIG, its components and its evaluator (built, not run); print every problem
    with its path (exit 2)."""
    from cashloop.cli.config_check import check_config
    from cashloop.errors import ConfigError

    cfg, problems = check_config(config, read_config_data(config, sets))
    if cfg is None:
        raise ConfigError(problems, source=str(config))
    for warning in _warnings(cfg):
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{config}: valid (experiment '{cfg.name}', evaluator '{cfg.evaluator.type}', "
        f"llm '{cfg.llm.type}', {cfg.convergence.max_iterations} iterations max)"
    )


def _warnings(cfg: Any) -> list[str]:
    from cashloop.config.advice import config_warnings
    from cashloop.host import PluginHost

    try:
        host = PluginHost.load(disabled=cfg.plugins.disabled, modules=cfg.plugins.modules)
        evaluator = host.registry.create(
            "evaluator", cfg.evaluator.type, cfg.evaluator.options, "evaluator", cfg.config_dir
        )
    except Exception:  # validate already reported what it could build
        evaluator = None
    return config_warnings(cfg, evaluator)


@click.command("template")
def template_cmd() -> None:
    """Print a commented, valid experiment config to start from."""
    from cashloop.config.template import TEMPLATE

    click.echo(TEMPLATE, nl=False)
