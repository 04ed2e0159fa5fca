"""The experiment runner: seed types, the loop, and state providers."""

from __future__ import annotations

from cashloop.runner.output import OutputHandlerProtocol, SilentOutput
from cashloop.runner.protocol import ExperimentRunnerProtocol
from cashloop.runner.result import ExperimentResult, ExperimentState, IterationRecord

__all__ = [
    "ExperimentResult",
    "ExperimentRunnerProtocol",
    "ExperimentState",
    "IterationRecord",
    "OutputHandlerProtocol",
    "SilentOutput",
]
