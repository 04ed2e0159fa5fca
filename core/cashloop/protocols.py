"""Component protocols plugins implement (DESIGN §2.3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from cashloop.runner.state_provider import ExperimentStateProviderProtocol
    from cashloop.types import (
        PolicyProposal,
        PolicyRequest,
        RunInfo,
        SampleResult,
        ValidationResult,
    )

__all__ = [
    "ConstraintValidator",
    "EvaluatorHost",
    "LLMClient",
    "PolicyEvaluator",
    "RunSummary",
    "StorageBackend",
]


@runtime_checkable
class PolicyEvaluator(Protocol):
    """Scores a policy profile on sample seeds; deterministic for (policies, seed)."""

    def agents(self) -> Sequence[str]: ...

    def initial_policy(self, agent_id: str) -> dict[str, Any]: ...

    def policy_schema(self) -> str: ...

    def describe(self) -> str: ...

    def evaluate(
        self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]
    ) -> Sequence[SampleResult]: ...


@runtime_checkable
class EvaluatorHost(Protocol):
    """An executor that installs the run's evaluator in its workers once, instead of receiving it
    with every task. Before the run's first task the evaluation service calls
    ``bind_evaluator(key, payload)`` with the pickled evaluator; the executor must make every
    worker, including ones started or restarted later, call
    ``cashloop.plugin.load_evaluator(key, payload)`` before it runs a task (a process pool's
    initializer, a cluster's worker plugin)."""

    def bind_evaluator(self, key: str, payload: bytes) -> None: ...


@runtime_checkable
class LLMClient(Protocol):
    """Proposes a policy for one agent."""

    async def propose(self, request: PolicyRequest) -> PolicyProposal: ...


@runtime_checkable
class ConstraintValidator(Protocol):
    """Checks a proposed policy; errors are sentences an LLM can act on."""

    def validate(self, agent_id: str, policy: Mapping[str, Any]) -> ValidationResult: ...


class RunSummary(Protocol):
    """One row of ``StorageBackend.list_runs`` (read-only)."""

    @property
    def run_id(self) -> str: ...
    @property
    def experiment_name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> str: ...
    @property
    def updated_at(self) -> str: ...
    @property
    def num_iterations(self) -> int: ...
    @property
    def final_cost(self) -> int | None: ...
    @property
    def converged(self) -> bool | None: ...


@runtime_checkable
class StorageBackend(Protocol):
    """Persists a run. It also implements the recording hooks ``record_event``,
    ``record_iteration`` and ``set_final_result`` (it is registered as a plugin during a run)."""

    def create_run(self, run: RunInfo, config_snapshot: Mapping[str, Any]) -> None: ...

    def set_status(self, run_id: str, status: str) -> None: ...

    def list_runs(self, limit: int | None = None) -> Sequence[RunSummary]: ...

    def open_run(self, run_id: str) -> ExperimentStateProviderProtocol: ...

    def close(self) -> None: ...
