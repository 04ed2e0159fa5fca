"""pluggy hook specifications: the plugin contract (DESIGN §2).

Registration hooks return iterables of spec objects, one hook per component kind. Lifecycle hooks
mirror the seed's ``OutputHandlerProtocol`` and the state provider's recording methods; an
implementation may accept any subset of the arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from cashloop.specs import (
        EvaluatorSpec,
        ExecutorSpec,
        LLMClientSpec,
        OutputHandlerSpec,
        StorageBackendSpec,
        ValidatorSpec,
    )
    from cashloop.types import RunInfo

PROJECT_NAME = "cashloop"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["PROJECT_NAME", "LifecycleSpecs", "RegistrationSpecs", "hookimpl", "hookspec"]


class RegistrationSpecs:
    """One registration hook per component kind.

    .. versionadded:: 0.1
    """

    @hookspec
    def register_evaluators(self) -> Iterable[EvaluatorSpec]:
        """Return the policy evaluators this plugin provides."""
        raise AssertionError  # pragma: no cover - specification only

    @hookspec
    def register_llm_clients(self) -> Iterable[LLMClientSpec]:
        """Return the LLM clients (policy proposers) this plugin provides."""
        raise AssertionError  # pragma: no cover

    @hookspec
    def register_validators(self) -> Iterable[ValidatorSpec]:
        """Return the constraint validators this plugin provides."""
        raise AssertionError  # pragma: no cover

    @hookspec
    def register_output_handlers(self) -> Iterable[OutputHandlerSpec]:
        """Return the output handlers this plugin provides."""
        raise AssertionError  # pragma: no cover

    @hookspec
    def register_storage_backends(self) -> Iterable[StorageBackendSpec]:
        """Return the storage backends this plugin provides."""
        raise AssertionError  # pragma: no cover

    @hookspec
    def register_executors(self) -> Iterable[ExecutorSpec]:
        """Return the executors (``concurrent.futures.Executor`` factories) this plugin provides."""
        raise AssertionError  # pragma: no cover

    @hookspec
    def register_commands(self, cli: click.Group) -> None:
        """Add click commands to the ``cashloop`` command line.

        :param cli: the root click group; call ``cli.add_command(...)``.
        """


class LifecycleSpecs:
    """Run lifecycle hooks, received by every selected output handler and the storage backend.

    Every hook also receives ``run`` (:class:`cashloop.types.RunInfo`).
    """

    @hookspec
    def on_experiment_start(self, experiment_name: str, run: RunInfo) -> None:
        """The experiment started (event ``experiment_start``)."""

    @hookspec
    def on_iteration_start(self, iteration: int, run: RunInfo) -> None:
        """An iteration started; ``iteration`` counts from 1."""

    @hookspec
    def on_iteration_complete(self, iteration: int, metrics: dict[str, Any], run: RunInfo) -> None:
        """An iteration completed; ``metrics`` is the ``iteration_complete`` event's data."""

    @hookspec
    def on_agent_optimized(
        self, agent_id: str, accepted: bool, delta: int | None, run: RunInfo
    ) -> None:
        """A candidate policy for ``agent_id`` was evaluated; ``delta`` is in cents."""

    @hookspec
    def on_convergence(self, reason: str, run: RunInfo) -> None:
        """The loop stopped for ``reason``."""

    @hookspec
    def on_experiment_complete(self, result: Any, run: RunInfo) -> None:
        """The experiment finished; ``result`` is a :class:`cashloop.runner.ExperimentResult`."""

    @hookspec
    def record_event(
        self, iteration: int, event_type: str, event_data: Mapping[str, Any], run: RunInfo
    ) -> None:
        """Every event, in emission order. Storage backends persist it."""

    @hookspec
    def record_iteration(
        self,
        iteration: int,
        costs_per_agent: Mapping[str, int],
        accepted_changes: Mapping[str, bool],
        policies: Mapping[str, Any],
        run: RunInfo,
    ) -> None:
        """A finished iteration (0-indexed); storage commits the iteration here."""

    @hookspec
    def set_final_result(
        self,
        final_cost: int,
        best_cost: int,
        converged: bool,
        convergence_reason: str,
        run: RunInfo,
    ) -> None:
        """The run's final result."""
