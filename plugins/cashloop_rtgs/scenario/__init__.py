"""Scenario files: the attrs model, the YAML loader and the cross-field checks."""

from cashloop_rtgs.scenario.loader import load_scenario, scenario_from_dict
from cashloop_rtgs.scenario.model import Scenario

__all__ = ["Scenario", "load_scenario", "scenario_from_dict"]
