"""A benchmark-only evaluator plugin: the built-in ``rtgs`` evaluator with a clock on it.

Registered by dotted path (config ``plugins.modules``), it builds the real ``rtgs`` evaluator
through the registry and adds up the seconds spent inside ``evaluate``: the denominator of the
overhead figure.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cashloop.host import PluginHost
from cashloop.plugin import EvaluatorSpec, SampleResult, hookimpl

SECONDS_IN_EVALUATE = [0.0]


@functools.cache
def _host() -> PluginHost:
    return PluginHost.load(disabled=("timed_evaluator",))


class TimedEvaluator:
    def __init__(self, options: dict[str, Any]) -> None:
        self.inner = _host().registry.create("evaluator", "rtgs", options, "evaluator", Path("/"))

    def agents(self) -> Sequence[str]:
        return self.inner.agents()

    def initial_policy(self, agent_id: str) -> dict[str, Any]:
        return self.inner.initial_policy(agent_id)

    def policy_schema(self) -> str:
        return self.inner.policy_schema()

    def describe(self) -> str:
        return self.inner.describe()

    def validate(self, agent_id: str, policy: Mapping[str, Any]) -> Any:
        return self.inner.validate(agent_id, policy)

    def evaluate(
        self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]
    ) -> Sequence[SampleResult]:
        started = time.perf_counter()
        try:
            return self.inner.evaluate(policies, seeds)
        finally:
            SECONDS_IN_EVALUATE[0] += time.perf_counter() - started


@hookimpl
def register_evaluators() -> list[EvaluatorSpec]:
    return [EvaluatorSpec(name="timed-rtgs", factory=TimedEvaluator)]
