"""Builders for the loop behaviour tests: example configs, in-test proposers and plugins.

The proposers implement the real ``LLMClient`` protocol (``async propose(request)``); the
plugins are registered in a real ``PluginHost`` before its registry is built, exactly as an
entry-point plugin would be. Nothing of the loop itself is replaced.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml

from cashloop.config import ExperimentConfig
from cashloop.host import PluginHost
from cashloop.plugin import (
    OutputHandlerSpec,
    PolicyParseError,
    PolicyProposal,
    PolicyRequest,
    StorageBackendSpec,
    hookimpl,
    parse_policy_json,
)
from cashloop.runner.experiment_runner import GenericExperimentRunner
from cashloop.runner.result import ExperimentResult

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FRACTION = "initial_liquidity_fraction"

Event = dict[str, Any]


# -- configs -------------------------------------------------------------------------------------


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def example_data(example: str, **changes: Any) -> dict[str, Any]:
    """The YAML of ``examples/<example>.yaml`` with silent output and ``changes`` merged in."""
    data = yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8"))
    data["outputs"] = ["silent"]
    return _merge(data, changes)


def example_config(example: str, **changes: Any) -> ExperimentConfig:
    return ExperimentConfig.from_dict(example_data(example, **changes), base_dir=EXAMPLES)


# -- running -------------------------------------------------------------------------------------


def strip_run_id(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "run_id"} for e in events]


def of_type(events: Sequence[Event], event_type: str, **match: Any) -> list[Event]:
    return [
        e
        for e in events
        if e["event_type"] == event_type and all(e.get(k) == v for k, v in match.items())
    ]


def fraction(policy: Mapping[str, Any]) -> float:
    return float(policy["parameters"][FRACTION])


def with_fraction(policy: Mapping[str, Any], value: float) -> dict[str, Any]:
    out = copy.deepcopy(dict(policy))
    out.setdefault("parameters", {})[FRACTION] = value
    return out


async def run_experiment(
    config: ExperimentConfig,
    db_path: Path,
    *,
    client: Any = None,
    host: PluginHost | None = None,
) -> tuple[ExperimentResult, list[Event], GenericExperimentRunner]:
    """Run through ``GenericExperimentRunner`` (storage and outputs included)."""
    runner = GenericExperimentRunner(config, db_path=db_path, llm_client=client, host=host)
    result = await runner.run()
    assert runner.state_provider is not None
    return result, list(runner.state_provider.get_all_events()), runner


def local_search(host: PluginHost | None = None) -> Any:
    """The built-in offline proposer, built through the registry."""
    host = host or PluginHost.load()
    return host.registry.create("llm", "local-search", {}, "llm", EXAMPLES)


# -- in-test proposers (the LLMClient protocol) ----------------------------------------------------


class FractionScript:
    """Answers with a liquidity fraction per agent and iteration (the last value repeats)."""

    def __init__(
        self,
        fractions: Mapping[str, Sequence[float]],
        *,
        model: str = "mock-model",
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        self.fractions = {a: list(v) for a, v in fractions.items()}
        self.model = model
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.requests: list[PolicyRequest] = []

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        self.requests.append(request)
        values = self.fractions[request.agent_id]
        value = values[min(request.iteration, len(values)) - 1]
        policy = with_fraction(request.current_policy, value)
        return PolicyProposal(
            policy=policy,
            raw_response=json.dumps(policy),
            model=self.model,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
        )


class TextScript:
    """Answers with raw model text per agent, one per call (the last repeats), and parses it
    the way a real client does: an answer without a policy raises ``PolicyParseError``."""

    def __init__(self, answers: Mapping[str, Sequence[str]]) -> None:
        self.answers = {a: list(v) for a, v in answers.items()}
        self.requests: list[PolicyRequest] = []

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        calls = sum(1 for r in self.requests if r.agent_id == request.agent_id)
        self.requests.append(request)
        answers = self.answers[request.agent_id]
        text = answers[min(calls, len(answers) - 1)]
        proposal = PolicyProposal(policy={}, raw_response=text, model="mock-model")
        try:
            policy = parse_policy_json(text)
        except PolicyParseError as exc:
            raise PolicyParseError(str(exc), proposal=proposal) from None
        return PolicyProposal(policy=policy, raw_response=text, model="mock-model")


class FailingClient:
    """A provider that always fails (network error, rate limit...)."""

    def __init__(self, message: str = "rate limited by the provider") -> None:
        self.message = message
        self.calls = 0

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        self.calls += 1
        raise RuntimeError(self.message)


class StopAt:
    """Delegates to ``inner`` and raises ``exc`` when asked about iteration ``iteration``."""

    def __init__(self, inner: Any, iteration: int, exc: Callable[[], BaseException]) -> None:
        self.inner = inner
        self.iteration = iteration
        self.exc = exc
        self.reads_prompts = getattr(inner, "reads_prompts", True)  # asks what inner would

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        if request.iteration == self.iteration:
            raise self.exc()
        return await self.inner.propose(request)


class Rendezvous:
    """Every agent's request must be in flight at once, or the proposals time out."""

    def __init__(self, inner: Any, agents: int, timeout: float = 2.0) -> None:
        self.inner = inner
        self.agents = agents
        self.timeout = timeout
        self.waiting = 0
        self.all_in = asyncio.Event()

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        self.waiting += 1
        if self.waiting == self.agents:
            self.all_in.set()
        await asyncio.wait_for(self.all_in.wait(), self.timeout)
        self.waiting -= 1
        if self.waiting == 0:
            self.all_in.clear()
        return await self.inner.propose(request)


# -- in-test plugins ---------------------------------------------------------------------------


class SpecProvider:
    """A plugin answering one registration hook with one spec."""

    def __init__(self, hook_name: str, spec: Any) -> None:
        def provide() -> list[Any]:
            return [spec]

        setattr(self, hook_name, hookimpl(provide))


def host_with(*plugins: tuple[str, object]) -> PluginHost:
    """Installed plugins plus ``plugins`` ((name, plugin) pairs), registered before the
    registry is built, as entry-point plugins are."""
    host = PluginHost.load()
    for name, plugin in plugins:
        host.pm.register(plugin, name=name)
    return host


def output_plugin(name: str, handler: object) -> tuple[str, object]:
    spec = OutputHandlerSpec(name=name, factory=lambda options: handler)
    return f"test-{name}", SpecProvider("register_output_handlers", spec)


@attrs.frozen(kw_only=True)
class PathOptions:
    """Options of an in-test storage backend: where its database lives."""

    path: Path


def storage_plugin(
    name: str, factory: Callable[[Any], Any], options: type | None = None
) -> tuple[str, object]:
    spec = StorageBackendSpec(name=name, factory=factory, options=options)
    return f"test-{name}", SpecProvider("register_storage_backends", spec)


class ExplodingOutput:
    """An output handler whose display breaks at every iteration."""

    def __init__(self) -> None:
        self.calls = 0
        self.completed: list[Any] = []

    @hookimpl
    def on_iteration_complete(self, iteration: int, metrics: dict[str, Any]) -> None:
        self.calls += 1
        raise RuntimeError(f"display broke at iteration {iteration}")

    @hookimpl
    def on_experiment_complete(self, result: Any) -> None:
        self.completed.append(result)


class FlakyStorage:
    """The real sqlite backend, whose disk 'fails' when iteration record ``fail_at`` is written."""

    def __init__(self, inner: Any, fail_at: int) -> None:
        self.inner = inner
        self.fail_at = fail_at

    def create_run(self, run: Any, config_snapshot: Mapping[str, Any]) -> None:
        self.inner.create_run(run, config_snapshot)

    def resume_run(self, run_id: str) -> Any:
        return self.inner.resume_run(run_id)

    def set_status(self, run_id: str, status: str) -> None:
        self.inner.set_status(run_id, status)

    def list_runs(self, limit: int | None = None) -> Any:
        return self.inner.list_runs(limit)

    def open_run(self, run_id: str) -> Any:
        return self.inner.open_run(run_id)

    def close(self) -> None:
        self.inner.close()

    @hookimpl
    def record_event(
        self, iteration: int, event_type: str, event_data: Mapping[str, Any], run: Any
    ) -> None:
        self.inner.record_event(iteration, event_type, event_data, run)

    @hookimpl
    def record_iteration(
        self,
        iteration: int,
        costs_per_agent: Mapping[str, int],
        accepted_changes: Mapping[str, bool],
        policies: Mapping[str, Any],
        run: Any,
    ) -> None:
        if iteration == self.fail_at:
            raise OSError("disk I/O error")
        self.inner.record_iteration(iteration, costs_per_agent, accepted_changes, policies, run)

    @hookimpl
    def set_final_result(
        self, final_cost: int, best_cost: int, converged: bool, convergence_reason: str, run: Any
    ) -> None:
        self.inner.set_final_result(final_cost, best_cost, converged, convergence_reason, run)
