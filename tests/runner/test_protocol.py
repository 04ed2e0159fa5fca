"""Tests for ExperimentRunnerProtocol."""

from cashloop.runner.protocol import ExperimentRunnerProtocol


class TestExperimentRunnerProtocol:
    """Tests for ExperimentRunnerProtocol interface."""

    def test_protocol_has_run_method(self) -> None:
        """Protocol defines async run method."""
        assert hasattr(ExperimentRunnerProtocol, "run")

    def test_protocol_has_get_state_method(self) -> None:
        """Protocol defines get_current_state method."""
        assert hasattr(ExperimentRunnerProtocol, "get_current_state")

    def test_protocol_is_runtime_checkable(self) -> None:
        """Protocol can be used for isinstance checks."""
        from typing import Protocol

        # Just verify it's a protocol - can't instantiate
        assert issubclass(ExperimentRunnerProtocol, Protocol)
