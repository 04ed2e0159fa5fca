"""The one event dispatcher (DESIGN §3): record, persist, then dispatch to ``on_*`` hooks.

Run and replay both go through :meth:`EventDispatcher.dispatch`, so their output is identical by
construction.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import structlog

from cashloop.errors import StorageError
from cashloop.persistence.codec import EncodedData, encode_native
from cashloop.runner.result import ExperimentResult

if TYPE_CHECKING:
    from cashloop.host import PluginHost
    from cashloop.runner.state_provider import LiveStateProvider
    from cashloop.types import RunInfo

__all__ = ["EventDispatcher", "result_from_end_event"]

log = structlog.get_logger("cashloop.dispatch")


@functools.lru_cache(maxsize=512)
def _parameters(function: Callable[..., Any]) -> tuple[tuple[str, ...], bool]:
    params = inspect.signature(function).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    return tuple(params), takes_any


def result_from_end_event(
    data: Mapping[str, Any], experiment_name: str, duration: float = 0.0, run_id: str = ""
) -> ExperimentResult:
    return ExperimentResult(
        experiment_name=experiment_name,
        num_iterations=int(data.get("num_iterations", 0)),
        converged=bool(data.get("converged", False)),
        convergence_reason=str(data.get("convergence_reason", "")),
        final_costs=dict(data.get("final_costs", {})),
        total_duration_seconds=duration,
        final_policies=dict(data.get("final_policies", {})),
        best_costs=dict(data.get("best_costs", {})),
        best_policies=dict(data.get("best_policies", {})),
        best_iteration=int(data.get("best_iteration", 0)),
        run_id=run_id,
    )


#: A hook implementation as the dispatcher calls it (see ``EventDispatcher._lookup``).
_Impl = tuple[str, Callable[..., Any], "tuple[str, ...] | None"]


class EventDispatcher:
    """Emits events to the live provider, the storage backend and the output handlers."""

    def __init__(
        self,
        *,
        run: RunInfo,
        provider: LiveStateProvider | None,
        host: PluginHost | None,
        critical: frozenset[str] = frozenset(),
        duration: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.run = run
        self.provider = provider
        self.host = host
        self.critical = critical
        self.duration = duration
        self.handler_failures: Counter[str] = Counter()
        self._impls: dict[str, list[_Impl]] = {}

    def emit(
        self, iteration: int, event_type: str, data: Mapping[str, Any], *, fresh: bool = False
    ) -> dict[str, Any]:
        """Record one event everywhere and return its JSON-native data.

        The event is encoded once: the live provider keeps the text (handlers may not alter the
        record), and storage stores the same text, carried by the data handed to the hooks.
        ``fresh`` says ``data`` is made of new dicts, lists, strings, ints, floats, bools and
        ``None`` only, which the caller will not use again: the hooks then get it as it is
        instead of a copy decoded from the text.
        """
        text = encode_native(data)
        native = EncodedData(data if fresh else json.loads(text))
        native.json_text = text
        if self.provider is not None:
            self.provider.record_encoded(iteration, event_type, text)
        self.dispatch(iteration, event_type, native)
        return native

    def dispatch(self, iteration: int, event_type: str, data: dict[str, Any]) -> None:
        """Send an already-recorded event to ``record_event`` and its matching lifecycle hooks."""
        self._call("record_event", iteration=iteration, event_type=event_type, event_data=data)
        handler = getattr(self, f"_on_{event_type}", None)
        if handler is not None:
            handler(iteration, data)

    def _on_experiment_start(self, iteration: int, data: dict[str, Any]) -> None:
        self._call("on_experiment_start", experiment_name=data.get("experiment_name", ""))

    def _on_iteration_start(self, iteration: int, data: dict[str, Any]) -> None:
        self._call("on_iteration_start", iteration=iteration)

    def _on_policy_change(self, iteration: int, data: dict[str, Any]) -> None:
        self._call(
            "on_agent_optimized",
            agent_id=data.get("agent_id"),
            accepted=bool(data.get("accepted")),
            delta=data.get("delta"),
        )

    def _on_iteration_complete(self, iteration: int, data: dict[str, Any]) -> None:
        record = {
            "costs_per_agent": data.get("costs_per_agent", {}),
            "accepted_changes": data.get("accepted_changes", {}),
            "policies": data.get("policies", {}),
        }
        if self.provider is not None:
            self.provider.record_iteration(iteration - 1, **record)
        self._call("record_iteration", iteration=iteration - 1, **record)
        self._call("on_iteration_complete", iteration=iteration, metrics=data)

    def _on_convergence(self, iteration: int, data: dict[str, Any]) -> None:
        self._call("on_convergence", reason=data.get("reason", ""))

    def _on_experiment_end(self, iteration: int, data: dict[str, Any]) -> None:
        final = {
            "final_cost": data["final_cost"],
            "best_cost": data["best_cost"],
            "converged": data["converged"],
            "convergence_reason": data["convergence_reason"],
        }
        if self.provider is not None:
            self.provider.set_final_result(**final)
        self._call("set_final_result", **final)
        result = result_from_end_event(
            data, self.run.experiment_name, self.duration(), self.run.run_id
        )
        self._call("on_experiment_complete", result=result)

    def _call(self, hook_name: str, **kwargs: Any) -> None:
        if self.host is None:
            return
        kwargs["run"] = self.run
        impls = self._impls.get(hook_name)
        if impls is None:  # plugins are registered before a run starts; look each hook up once
            impls = self._impls[hook_name] = self._lookup(hook_name)
        for plugin_name, function, names in impls:
            try:
                if names is None:
                    function(**kwargs)
                else:
                    function(**{name: kwargs[name] for name in names if name in kwargs})
            except Exception as exc:
                if plugin_name in self.critical:
                    raise StorageError(
                        f"storage backend '{plugin_name}' failed in {hook_name}: {exc}"
                    ) from exc
                self.handler_failures[plugin_name] += 1
                log.warning(
                    "output handler failed",
                    plugin=plugin_name,
                    hook=hook_name,
                    error=f"{type(exc).__name__}: {exc}",
                )

    def _lookup(self, hook_name: str) -> list[_Impl]:
        """The hook's implementations, storage first: (plugin, function, the arguments it takes,
        or ``None`` when it takes ``**kwargs``)."""
        assert self.host is not None
        impls = self.host.lifecycle_impls(hook_name)
        impls.sort(key=lambda impl: impl.plugin_name not in self.critical)
        found: list[_Impl] = []
        for impl in impls:
            names, takes_any = _parameters(impl.function)
            found.append((impl.plugin_name, impl.function, None if takes_any else names))
        return found
