"""The seed's output handler protocol and the silent handler.

An object satisfying :class:`OutputHandlerProtocol` is a valid output plugin as it is (DESIGN §2.2):
its methods are a subset of the lifecycle hooks. ``SilentOutput``'s methods are also marked as
hook implementations so it receives the hooks under a plain pluggy ``PluginManager``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from cashloop.hookspecs import hookimpl

__all__ = ["OutputHandlerProtocol", "SilentOutput"]


@runtime_checkable
class OutputHandlerProtocol(Protocol):
    """Callbacks for the experiment lifecycle (console, log file, ...)."""

    def on_experiment_start(self, experiment_name: str) -> None:
        """Called when the experiment starts."""
        ...

    def on_iteration_start(self, iteration: int) -> None:
        """Called at the start of each iteration."""
        ...

    def on_iteration_complete(self, iteration: int, metrics: dict[str, Any]) -> None:
        """Called after an iteration completes."""
        ...

    def on_agent_optimized(self, agent_id: str, accepted: bool, delta: int | None = None) -> None:
        """Called after an agent's optimization attempt; ``delta`` is in cents."""
        ...

    def on_convergence(self, reason: str) -> None:
        """Called when the loop stops for ``reason``."""
        ...

    def on_experiment_complete(self, result: Any) -> None:
        """Called when the experiment finishes."""
        ...


class SilentOutput:
    """Output handler that shows nothing: for tests and for runs whose only output is storage."""

    @hookimpl
    def on_experiment_start(self, experiment_name: str) -> None:
        pass

    @hookimpl
    def on_iteration_start(self, iteration: int) -> None:
        pass

    @hookimpl
    def on_iteration_complete(self, iteration: int, metrics: dict[str, Any]) -> None:
        pass

    @hookimpl
    def on_agent_optimized(self, agent_id: str, accepted: bool, delta: int | None = None) -> None:
        pass

    @hookimpl
    def on_convergence(self, reason: str) -> None:
        pass

    @hookimpl
    def on_experiment_complete(self, result: Any) -> None:
        pass
