"""Load a scenario YAML file into a checked :class:`Scenario`, or fail with every error named.

Structuring uses the core's one cattrs converter (extra keys forbidden, errors with paths); the
tagged unions are checked first so a misspelt ``type`` gets a useful sentence.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs
import yaml

from cashloop.converter import structure
from cashloop.errors import ConfigError
from cashloop.yaml_text import safe_load_text
from cashloop_rtgs.errors import ScenarioError
from cashloop_rtgs.scenario.checks import check_scenario
from cashloop_rtgs.scenario.model import Scenario

__all__ = ["load_scenario", "scenario_from_dict"]

_DISTRIBUTIONS: Final = ("Uniform", "Normal", "LogNormal", "Exponential")
_EVENTS: Final = ("CustomTransactionArrival", "ScheduledSettlement", "DirectTransfer")
_SCHEDULES: Final = ("OneTime", "Repeating")


def load_scenario(path: Path | str) -> Scenario:
    """Read, structure and check the scenario at ``path``; a bare name that is no file
    (``castro_exp2``) is a bundled scenario."""
    from cashloop_rtgs.scenario.bundled import bundled_names, bundled_scenario

    path = Path(path)
    if not path.exists() and not path.suffix:
        path = bundled_scenario(path.name) or path
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        names = ", ".join(bundled_names())
        raise ScenarioError(
            [
                f"cannot read the scenario file: {exc.strerror or exc} (a path relative to the "
                f"config's folder, or a bundled scenario by name: {names})"
            ],
            source=source,
        ) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [f"the scenario file is not UTF-8 text (byte {exc.start}); save it as UTF-8"],
            source=source,
        ) from None
    try:
        data = safe_load_text(text)
    except yaml.YAMLError as exc:
        raise ScenarioError([f"not valid YAML: {exc}"], source=source) from None
    return scenario_from_dict(data, base_dir=path.parent, source=source)


def scenario_from_dict(
    data: Any, *, base_dir: Path | None = None, source: str | None = None
) -> Scenario:
    """Structure and check scenario ``data``; agent policy paths resolve against ``base_dir``."""
    if not isinstance(data, Mapping):
        raise ScenarioError(
            ["the scenario must be a mapping of sections (simulation, agents, cost_rates, ...)"],
            source=source,
        )
    data = copy.deepcopy(dict(data))
    errors = _check_tags(data)
    if errors:
        raise ScenarioError(errors, source=source)
    try:
        scenario = structure(data, Scenario)
    except ConfigError as exc:
        raise ScenarioError(
            [e.replace(".lambda_", ".lambda") for e in exc.errors], source=source
        ) from None
    scenario, errors = _load_agent_policies(scenario, base_dir or Path.cwd())
    errors += check_scenario(scenario)
    if errors:
        raise ScenarioError(errors, source=source)
    return scenario


def _check_tag(obj: Any, path: str, allowed: tuple[str, ...], what: str) -> list[str]:
    if not isinstance(obj, Mapping):
        return []  # the converter reports the wrong shape
    tag = obj.get("type")
    if tag in allowed:
        return []
    got = "is missing" if "type" not in obj else f"'{tag}' is unknown"
    return [f"{path}.type: {what} type {got}; allowed: {', '.join(allowed)}"]


def _check_tags(data: dict[str, Any]) -> list[str]:
    """Check the ``type`` tags of unions and rename ``lambda`` (a Python keyword) in place."""
    errors: list[str] = []
    agents = data.get("agents")
    for i, agent in enumerate(agents if isinstance(agents, list) else []):
        arrival = agent.get("arrival_config") if isinstance(agent, Mapping) else None
        dist = arrival.get("amount_distribution") if isinstance(arrival, Mapping) else None
        path = f"agents[{i}].arrival_config.amount_distribution"
        errors += _check_tag(dist, path, _DISTRIBUTIONS, "distribution")
        if isinstance(dist, dict) and "lambda" in dist:
            dist["lambda_"] = dist.pop("lambda")
    events = data.get("scenario_events")
    for i, event in enumerate(events if isinstance(events, list) else []):
        errors += _check_tag(event, f"scenario_events[{i}]", _EVENTS, "event")
        schedule = event.get("schedule") if isinstance(event, Mapping) else None
        errors += _check_tag(schedule, f"scenario_events[{i}].schedule", _SCHEDULES, "schedule")
    return errors


def _load_agent_policies(scenario: Scenario, base_dir: Path) -> tuple[Scenario, list[str]]:
    """Replace policy file paths by their JSON objects."""
    errors: list[str] = []
    agents = []
    for i, agent in enumerate(scenario.agents):
        policy = agent.policy
        if isinstance(policy, str):
            file = base_dir / policy
            try:
                policy = json.loads(file.read_text(encoding="utf-8"))
            except OSError as exc:
                errors.append(f"agents[{i}].policy: cannot read {file}: {exc.strerror or exc}")
            except json.JSONDecodeError as exc:
                errors.append(f"agents[{i}].policy: {file} is not valid JSON: {exc}")
            agent = attrs.evolve(agent, policy=policy)
        agents.append(agent)
    return attrs.evolve(scenario, agents=tuple(agents)), errors
