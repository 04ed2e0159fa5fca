"""``GenericExperimentRunner``: a whole run — plugins, storage, outputs, the loop, run status."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from cashloop.converter import unstructure
from cashloop.errors import StorageError, UserError
from cashloop.host import PluginHost
from cashloop.runner.components import (
    build_components,
    build_outputs,
    open_location,
    storage_location,
)
from cashloop.runner.input_files import INPUT_FILES_KEY, read_input_files
from cashloop.runner.interrupts import watch_interrupts
from cashloop.runner.loop_state import committed_prefix
from cashloop.runner.optimization import OptimizationLoop
from cashloop.runner.provider_health import FAILURE_REASONS
from cashloop.runner.result import ExperimentResult, ExperimentState
from cashloop.types import RunInfo

if TYPE_CHECKING:
    from cashloop.config import ExperimentConfig
    from cashloop.persistence.location import StorageLocation
    from cashloop.protocols import LLMClient
    from cashloop.runner.state_provider import ExperimentStateProviderProtocol
    from cashloop.runner.verbose import VerboseConfig

__all__ = ["GenericExperimentRunner"]

log = structlog.get_logger("cashloop.run")


def _run_exists(storage: Any, run_id: str | None) -> bool:
    """Whether ``run_id`` is already stored (a run interrupted before its first commit)."""
    if run_id is None:
        return False
    try:
        storage.open_run(run_id)
    except UserError:
        return False
    return True


def _has_ended(loop: OptimizationLoop) -> bool:
    """Whether the run has recorded its end (a later signal must not turn it into a failure)."""
    events = loop.state_provider.get_all_events()
    return any(e.get("event_type") == "experiment_end" for e in events)


def _resume_hint(loop: OptimizationLoop) -> str:
    done = max(loop._current_iteration - 1, 0)
    where = f"after iteration {done}" if done else "before the first iteration"
    return f"{where} (the last one recorded) — resume with `cashloop resume {loop.run_id}`"


def take_over(storage: Any, run_id: str, committed_events: int, dropped: int) -> None:
    """Make ``storage`` continue ``run_id`` after its first ``committed_events`` events.

    A backend's optional ``resume_run(run_id, committed_events=N)`` drops whatever it stored
    after them (the unfinished iteration's events) and sets the run ``running``; a backend
    without it can only resume runs that end at an iteration boundary."""
    resume = getattr(storage, "resume_run", None)
    if callable(resume):
        resume(run_id, committed_events=committed_events)
        return
    if dropped:
        raise StorageError(
            f"run {run_id} has {dropped} stored events of an unfinished iteration and its "
            "storage backend has no resume_run() to discard them; it cannot be resumed "
            "(see 'Storage backends' in docs/plugin-authors.md)"
        )
    storage.set_status(run_id, "running")


def failure_reason(exc: BaseException) -> str:
    """An error as the one line stored as a failed run's ``failure_reason``."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def unfinished_llm_calls(provider: ExperimentStateProviderProtocol) -> list[dict[str, Any]]:
    """The ``llm_call`` events after the last ``iteration_complete``: the calls of the iteration
    that did not finish (not part of the resumable log, but their tokens were spent)."""
    events = list(provider.get_all_events())
    return [e for e in events[committed_prefix(events) :] if e["event_type"] == "llm_call"]


async def _close_client(client: Any) -> None:
    """Close an LLM client's connections when it offers ``aclose``."""
    close = getattr(client, "aclose", None)
    if callable(close):
        try:
            await close()
        except Exception as exc:  # a failing close must not hide the run's own outcome
            log.warning("LLM client close failed", error=str(exc))


class GenericExperimentRunner:
    """Runs an experiment with its storage backend and output handlers registered as plugins."""

    def __init__(
        self,
        config: ExperimentConfig,
        verbose_config: VerboseConfig | None = None,
        config_dir: Path | None = None,
        *,
        db_path: Path | None = None,
        host: PluginHost | None = None,
        run_id: str | None = None,
        resume_events: Sequence[Mapping[str, Any]] = (),
        llm_client: LLMClient | None = None,
        console_stream: str | None = None,
        offline_llm: bool = False,
        storage: StorageLocation | None = None,
    ) -> None:
        """``storage`` (or ``db_path``, a SQLite file) chooses where the run is stored; by
        default the config's ``storage`` section, else the one default location rule
        (:mod:`cashloop.persistence.location`)."""
        self._config = config
        self._verbose_config = verbose_config
        self._config_dir = Path(config_dir) if config_dir is not None else config.config_dir
        self._db_path = db_path
        self._host = host
        self._run_id = run_id
        events = list(resume_events)
        kept = committed_prefix(events)
        self._resume_events = events[:kept]
        self._dropped = len(events) - kept
        if self._dropped:
            log.warning(
                f"resume keeps the {kept} stored events up to the last completed iteration and "
                f"drops the {self._dropped} of unfinished iteration {events[kept]['iteration']}, "
                "which it runs again",
                run_id=run_id,
                dropped=self._dropped,
                kept=kept,
                iteration=events[kept]["iteration"],
            )
        self._llm_client = llm_client
        self._console_stream = console_stream
        self._offline_llm = offline_llm
        self._storage = storage
        self.storage_location: StorageLocation | None = None
        self._loop: OptimizationLoop | None = None

    @property
    def state_provider(self) -> ExperimentStateProviderProtocol | None:
        return None if self._loop is None else self._loop.state_provider

    @property
    def run_id(self) -> str | None:
        return self._run_id

    def get_current_state(self) -> ExperimentState:
        loop = self._loop
        return ExperimentState(
            experiment_name=self._config.name,
            current_iteration=0 if loop is None else loop._current_iteration,
            policies={} if loop is None else dict(loop._policies),
        )

    def _console_overrides(self) -> dict[str, dict[str, Any]]:
        console: dict[str, Any] = {}
        if self._verbose_config is not None:
            console["verbose"] = unstructure(self._verbose_config)
        if self._console_stream is not None:
            console["stream"] = self._console_stream
        return {"console": console} if console else {}

    async def run(self) -> ExperimentResult:
        if not structlog.is_configured():
            from cashloop.logging_setup import configure_logging

            configure_logging()  # library use: warnings only, to stderr
        cfg = self._config
        host = self._host or PluginHost.load(
            disabled=cfg.plugins.disabled, modules=cfg.plugins.modules
        )
        components = build_components(cfg, host, skip_llm=self._offline_llm)
        outputs = build_outputs(cfg, host, self._console_overrides())
        self.storage_location = storage_location(cfg, host, self._db_path, self._storage)
        storage = open_location(host, self.storage_location)
        storage_name = f"storage:{self.storage_location.type}"
        loop = OptimizationLoop(
            cfg,
            self._config_dir,
            self._verbose_config,
            self._run_id,
            host=host,
            components=components,
            critical_plugins=frozenset({storage_name}),
            resume_events=self._resume_events,
        )
        if self._llm_client is not None:
            loop._llm_client = self._llm_client
        self._loop, self._run_id = loop, loop.run_id
        run = RunInfo(
            run_id=loop.run_id,
            experiment_name=cfg.name,
            master_seed=cfg.master_seed,
            config_dir=str(self._config_dir),
        )
        structlog.contextvars.bind_contextvars(run_id=loop.run_id)
        if self._resume_events or _run_exists(storage, self._run_id):
            take_over(storage, loop.run_id, len(self._resume_events), self._dropped)
        else:
            files = read_input_files(cfg, host)
            storage.create_run(run, {**cfg.to_dict(), INPUT_FILES_KEY: files})
        host.register_run_plugin(storage, storage_name)
        for name, handler in outputs:
            host.register_run_plugin(handler, name)
        status, reason = "failed", "the run stopped without an error message"
        with watch_interrupts(
            ended=lambda: _has_ended(loop), resume_hint=lambda: _resume_hint(loop)
        ) as ctrl_c:
            try:
                result = await loop.run()
                # a run whose LLM provider failed ends recorded, but as failed (llm_unavailable)
                failed = result.convergence_reason in FAILURE_REASONS
                status = "failed" if failed else "completed"
                return result
            except (KeyboardInterrupt, asyncio.CancelledError) as exc:
                status, reason = "interrupted", f"interrupted ({type(exc).__name__})"
                raise
            except Exception as exc:
                reason = failure_reason(exc)
                if ctrl_c.seen:  # Ctrl-C that first broke something else (a pool worker)
                    status, reason = "interrupted", f"interrupted (KeyboardInterrupt): {reason}"
                    raise KeyboardInterrupt from exc
                raise
            finally:
                if status != "completed":
                    self._record_failure(storage, loop, reason)
                await self._close(loop.run_id, status, components, outputs, storage, host)

    def _record_failure(self, storage: Any, loop: OptimizationLoop, reason: str) -> None:
        """Store why the run stopped, with the unfinished iteration's LLM calls, where the
        backend offers ``record_failure``; a failure to store it is logged, never raised over
        the run's own error."""
        record = getattr(storage, "record_failure", None)
        if not callable(record):
            return
        try:
            record(loop.run_id, reason, unfinished_llm_calls(loop.state_provider))
        except Exception as exc:
            log.warning("storing the failure reason failed", error=f"{type(exc).__name__}: {exc}")

    async def _close(
        self, run_id: str, status: str, components: Any, outputs: Any, storage: Any, host: Any
    ) -> None:
        """Unregister the run's plugins, record its final status, release its resources."""
        await _close_client(components.llm)
        for _, handler in outputs:
            host.unregister_run_plugin(handler)
        host.unregister_run_plugin(storage)
        try:
            storage.set_status(run_id, status)
        finally:
            storage.close()
            if executor := components.executor:
                executor.shutdown(wait=True, cancel_futures=True)
            structlog.contextvars.unbind_contextvars("run_id")
            log.info("run finished", status=status)
