"""Experiment runner protocol (seed Phase 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from cashloop.runner.result import ExperimentResult, ExperimentState

__all__ = ["ExperimentRunnerProtocol"]


@runtime_checkable
class ExperimentRunnerProtocol(Protocol):
    """Anything that runs an experiment to completion and reports its state."""

    async def run(self) -> ExperimentResult:
        """Run the experiment to completion."""
        ...

    def get_current_state(self) -> ExperimentState:
        """The experiment's current state."""
        ...
