"""Tests for output handler implementations."""

from cashloop.runner.output import (
    OutputHandlerProtocol,
    SilentOutput,
)


class TestOutputHandlerProtocol:
    """Tests for OutputHandlerProtocol interface."""

    def test_protocol_is_runtime_checkable(self) -> None:
        """Protocol can be used for isinstance checks."""
        output = SilentOutput()
        assert isinstance(output, OutputHandlerProtocol)

    def test_protocol_has_required_methods(self) -> None:
        """Protocol defines required callback methods."""
        assert hasattr(OutputHandlerProtocol, "on_experiment_start")
        assert hasattr(OutputHandlerProtocol, "on_iteration_start")
        assert hasattr(OutputHandlerProtocol, "on_iteration_complete")
        assert hasattr(OutputHandlerProtocol, "on_agent_optimized")
        assert hasattr(OutputHandlerProtocol, "on_convergence")
        assert hasattr(OutputHandlerProtocol, "on_experiment_complete")


class TestSilentOutput:
    """Tests for SilentOutput handler."""

    def test_on_experiment_start_is_noop(self) -> None:
        """on_experiment_start does nothing (silent)."""
        output = SilentOutput()
        # Should not raise
        output.on_experiment_start("test_experiment")

    def test_on_iteration_start_is_noop(self) -> None:
        """on_iteration_start does nothing."""
        output = SilentOutput()
        output.on_iteration_start(1)

    def test_on_iteration_complete_is_noop(self) -> None:
        """on_iteration_complete does nothing."""
        output = SilentOutput()
        output.on_iteration_complete(1, {"total_cost": 1000})

    def test_on_agent_optimized_is_noop(self) -> None:
        """on_agent_optimized does nothing."""
        output = SilentOutput()
        output.on_agent_optimized("BANK_A", accepted=True, delta=-100)

    def test_on_convergence_is_noop(self) -> None:
        """on_convergence does nothing."""
        output = SilentOutput()
        output.on_convergence("stability_reached")

    def test_on_experiment_complete_is_noop(self) -> None:
        """on_experiment_complete does nothing."""
        output = SilentOutput()
        output.on_experiment_complete(None)

    def test_can_import_from_runner_module(self) -> None:
        """SilentOutput can be imported from runner module."""
        from cashloop.runner import SilentOutput

        assert SilentOutput is not None
