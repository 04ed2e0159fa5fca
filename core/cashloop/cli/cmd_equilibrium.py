"""``cashloop equilibrium RUN_ID``: the equilibrium report of a stored run's final profile."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from cashloop.cli.common import chosen_location, db_option, read_stored_run

__all__ = ["equilibrium_cmd"]


def _final_profile(events: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The run's final policies: its ``experiment_end``'s, else its last iteration's."""
    for event in reversed(events):
        if event.get("event_type") == "experiment_end" and event.get("final_policies"):
            return dict(event["final_policies"])
        if event.get("event_type") == "iteration_complete" and event.get("policies"):
            return dict(event["policies"])
    return None


@click.command("equilibrium")
@click.argument("run_id")
@db_option
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=None,
    help="Seeds per candidate deviation (default: the run's convergence.equilibrium_samples).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def equilibrium_cmd(run_id: str, db: Path | None, samples: int | None, as_json: bool) -> None:
    """How far RUN_ID's final profile is from an equilibrium: each optimized agent's best
    unilateral deviation over the declared numeric parameters, on hold-out seeds. Nothing is
    written to the stored run."""
    import attrs

    from cashloop.config import ExperimentConfig
    from cashloop.errors import UserError
    from cashloop.host import PluginHost
    from cashloop.runner.equilibrium import report_for_run
    from cashloop.runner.evaluation import EvaluationService
    from cashloop.runner.input_files import split_snapshot

    info, events = read_stored_run(chosen_location(None, db, None), run_id)
    stored, _ = split_snapshot(info["config"])
    cfg = ExperimentConfig.from_dict(stored, source=f"stored config of {info['run_id']}")
    if samples is not None:
        cfg = attrs.evolve(
            cfg, convergence=attrs.evolve(cfg.convergence, equilibrium_samples=samples)
        )
    profile = _final_profile(events)
    if profile is None:
        raise UserError(f"run {info['run_id']} has no completed iteration: no profile to check")
    host = PluginHost.load(disabled=cfg.plugins.disabled, modules=cfg.plugins.modules)
    evaluator = host.registry.create(
        "evaluator", cfg.evaluator.type, cfg.evaluator.options, "evaluator", cfg.config_dir
    )
    agents = list(cfg.optimized_agents) or list(evaluator.agents())
    service = EvaluationService(evaluator, None)
    report = report_for_run(cfg, service.evaluate_many, profile, agents, force=True)
    assert report is not None
    if as_json:
        click.echo(json.dumps(report, sort_keys=True))
        return
    from rich.console import Console

    from cashloop.runner.display.equilibrium_events import render_equilibrium
    from cashloop.runner.verbose import VerboseConfig

    render_equilibrium(report, Console(), VerboseConfig())
