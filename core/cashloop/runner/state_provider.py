"""State providers: one read interface over a live run and a stored one (replay identity).

Events are dicts shaped ``{"event_type": ..., "iteration": ..., **event_data}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Protocol, runtime_checkable

from cashloop.json_copy import copy_json

__all__ = ["ExperimentStateProviderProtocol", "LiveStateProvider"]


@runtime_checkable
class ExperimentStateProviderProtocol(Protocol):
    """Read access to a run's metadata, iterations, events and final result."""

    def get_experiment_info(self) -> dict[str, Any]: ...

    def get_total_iterations(self) -> int: ...

    def get_iteration_costs(self, iteration: int) -> dict[str, int]: ...

    def get_iteration_accepted_changes(self, iteration: int) -> dict[str, bool]: ...

    def get_iteration_policies(self, iteration: int) -> dict[str, Any]: ...

    def get_all_events(self) -> Iterator[dict[str, Any]]: ...

    def get_final_result(self) -> dict[str, Any] | None: ...


class LiveStateProvider:
    """Records a run in memory as it happens; the loop's single source of truth."""

    def __init__(
        self,
        *,
        experiment_name: str,
        experiment_type: str = "generic",
        config: Mapping[str, Any] | None = None,
        run_id: str | None = None,
    ) -> None:
        self._info: dict[str, Any] = {
            "experiment_name": experiment_name,
            "experiment_type": experiment_type,
            "config": dict(config or {}),
            "run_id": run_id,
        }
        # an event is its dict, or (iteration, event_type, JSON text) until it is first read
        self._events: list[dict[str, Any] | tuple[int, str, str]] = []
        self._iterations: dict[int, dict[str, Any]] = {}
        self._final: dict[str, Any] | None = None

    def get_experiment_info(self) -> dict[str, Any]:
        return dict(self._info)

    def get_total_iterations(self) -> int:
        return len(self._iterations)

    def get_iteration_costs(self, iteration: int) -> dict[str, int]:
        return dict(self._iterations.get(iteration, {}).get("costs_per_agent", {}))

    def get_iteration_accepted_changes(self, iteration: int) -> dict[str, bool]:
        return dict(self._iterations.get(iteration, {}).get("accepted_changes", {}))

    def get_iteration_policies(self, iteration: int) -> dict[str, Any]:
        return copy_json(self._iterations.get(iteration, {}).get("policies", {}))

    def get_all_events(self) -> Iterator[dict[str, Any]]:
        return iter([dict(self._event(index)) for index in range(len(self._events))])

    def _event(self, index: int) -> dict[str, Any]:
        """Event ``index`` as a dict, decoding (once) an event recorded as JSON text."""
        event = self._events[index]
        if isinstance(event, dict):
            return event
        iteration, event_type, text = event
        decoded: dict[str, Any] = {"event_type": event_type, "iteration": iteration}
        decoded.update(json.loads(text))
        self._events[index] = decoded
        return decoded

    def get_final_result(self) -> dict[str, Any] | None:
        return None if self._final is None else dict(self._final)

    def record_event(
        self,
        iteration: int,
        event_type: str,
        event_data: Mapping[str, Any],
        *,
        copied: bool = False,
    ) -> None:
        """Append one event. The data is deep-copied (later mutation by the caller cannot leak)
        unless ``copied`` says the caller already handed over a private copy."""
        event = {"event_type": event_type, "iteration": iteration}
        event.update(event_data if copied else copy_json(dict(event_data)))
        self._events.append(event)

    def record_encoded(self, iteration: int, event_type: str, text: str) -> None:
        """Append one event given as the JSON text of its data (decoded when first read)."""
        self._events.append((iteration, event_type, text))

    def record_iteration(
        self,
        iteration: int,
        costs_per_agent: Mapping[str, int],
        accepted_changes: Mapping[str, bool],
        policies: Mapping[str, Any],
    ) -> None:
        """Store a 0-indexed iteration record."""
        self._iterations[iteration] = {
            "costs_per_agent": dict(costs_per_agent),
            "accepted_changes": dict(accepted_changes),
            "policies": copy_json(dict(policies)),
        }

    def set_final_result(
        self,
        *,
        final_cost: int,
        best_cost: int,
        converged: bool,
        convergence_reason: str,
        **extra: Any,
    ) -> None:
        self._final = {
            "final_cost": final_cost,
            "best_cost": best_cost,
            "converged": converged,
            "convergence_reason": convergence_reason,
            **extra,
        }
