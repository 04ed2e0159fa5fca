"""Running a sweep: its cells as normal runs, several at a time, in processes of their own.

Each cell is a run stored as ``<sweep>/<cell>``. On every invocation the store says where each cell
stands: a completed cell is never run again, an interrupted or failed one is resumed through the
ordinary resume machinery, a missing one is started, and one still written by a live process
elsewhere is left alone. A process per cell keeps cells independent (a crash or Ctrl-C loses at
most each cell's iteration in flight). A semaphore per provider, shared by every cell process,
limits concurrent LLM calls; the sweep's token and USD budget is checked, from the stored
``llm_call`` events, before each cell starts.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from cashloop.campaigns.cell_process import CellJob, run_cell
from cashloop.campaigns.spec import Cell, SweepBudget, SweepSpec

__all__ = ["CellState", "SweepProgress", "SweepRunner", "check_cells", "plan_cells"]

_TICK_SECONDS = 0.25


class CellState:
    NEW = "new"
    RESUME = "resume"
    COMPLETED = "completed"
    BUSY = "running elsewhere"


@attrs.define
class SweepProgress:
    """What the live display shows; updated by the runner as cells start and finish."""

    total: int
    done: int = 0  # completed, including before this invocation
    running: list[str] = attrs.field(factory=list)
    failed: list[str] = attrs.field(factory=list)
    skipped: int = 0  # running elsewhere, or not started because the budget is spent
    tokens: int = 0
    usd: float = 0.0
    started_at: float = attrs.field(factory=time.monotonic)
    finished_here: list[float] = attrs.field(factory=list)  # wall seconds of cells run here
    budget_spent: bool = False
    interrupted: bool = False

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started_at

    def eta(self, parallel: int) -> float | None:
        """Seconds until the last cell finishes, from the cells finished in this invocation."""
        left = self.total - self.done - len(self.failed) - self.skipped
        if left <= 0:
            return 0.0
        if not self.finished_here:
            return None
        mean = sum(self.finished_here) / len(self.finished_here)
        return mean * left / max(1, min(parallel, left))


def check_cells(spec: SweepSpec) -> None:
    """Every cell's config, checked before anything runs (all problems at once, exit 2)."""
    from cashloop.config import ExperimentConfig
    from cashloop.errors import ConfigError

    problems: list[str] = []
    for cell in spec.cells:
        try:
            ExperimentConfig.from_dict(cell.data, base_dir=spec.base_dir, source=cell.name)
        except ConfigError as exc:
            problems += [f"cell {cell.name}: {e}" for e in exc.errors]
    if problems:
        raise ConfigError(problems, source=str(spec.source))


def plan_cells(spec: SweepSpec, repo: Any) -> dict[str, str]:
    """Each cell's state in the store (a :class:`CellState` value), by cell name."""
    from cashloop.persistence import RunStatus
    from cashloop.persistence.writer import writer_state

    stored = {r.run_id: r for r in repo.list_runs()}
    states = {}
    for cell in spec.cells:
        record = stored.get(cell.run_id(spec.name))
        if record is None:
            states[cell.name] = CellState.NEW
        elif record.status == RunStatus.COMPLETED or record.finished:
            states[cell.name] = CellState.COMPLETED
        elif (
            record.status == RunStatus.RUNNING
            and record.writer_pid is not None
            and writer_state(record.writer_pid, record.writer_host) != "dead"
        ):
            states[cell.name] = CellState.BUSY
        else:
            states[cell.name] = CellState.RESUME
    return states


def _provider(cell: Cell) -> str:
    llm = cell.data.get("llm")
    kind = llm.get("type") if isinstance(llm, Mapping) else None
    return str(kind or "local-search")


class _Spend:
    """Tokens and USD of the sweep's cells, read incrementally from their ``llm_call`` events."""

    def __init__(self, repo: Any) -> None:
        self._repo = repo
        self._seen: dict[str, int] = {}
        self.tokens = 0
        self.usd = 0.0

    def update(self, run_ids: list[str]) -> None:
        from cashloop.errors import UserError

        for run_id in run_ids:
            try:
                provider = self._repo.as_state_provider(run_id)
            except UserError:
                continue  # not created yet
            start = self._seen.get(run_id, 0)
            events = provider.get_events_from(start)
            self._seen[run_id] = start + len(events)
            for e in events:
                if e.get("event_type") == "llm_call":
                    self.tokens += int(e.get("prompt_tokens") or 0) + int(
                        e.get("completion_tokens") or 0
                    )
                    self.usd += float(e.get("cost_usd") or 0.0)

    def exhausted(self, budget: SweepBudget) -> bool:
        return (budget.max_tokens is not None and self.tokens >= budget.max_tokens) or (
            budget.max_usd is not None and self.usd >= budget.max_usd
        )


class SweepRunner:
    """Runs a sweep's unfinished cells in ``parallel`` processes."""

    def __init__(
        self,
        spec: SweepSpec,
        db_path: Path,
        *,
        parallel: int | None = None,
        provider_limits: Mapping[str, int] | None = None,
        budget: SweepBudget | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.spec = spec
        self.db_path = db_path.resolve()
        self.parallel = parallel or spec.parallel
        self.limits = {**spec.provider_limits, **(provider_limits or {})}
        self.budget = budget or spec.budget
        self.log_dir = log_dir or self.db_path.parent / "sweep-logs" / spec.name

    def run(self, on_progress: Callable[[SweepProgress], None] = lambda p: None) -> SweepProgress:
        from cashloop.persistence import ExperimentRepository

        spec = self.spec
        check_cells(spec)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with ExperimentRepository(self.db_path) as repo:  # creates the store before any cell
            states = plan_cells(spec, repo)
            progress = SweepProgress(total=len(spec.cells))
            progress.done = sum(1 for s in states.values() if s == CellState.COMPLETED)
            progress.skipped = sum(1 for s in states.values() if s == CellState.BUSY)
            spend = _Spend(repo)
            all_ids = [c.run_id(spec.name) for c in spec.cells]
            spend.update(all_ids)
            todo = [c for c in spec.cells if states[c.name] in (CellState.NEW, CellState.RESUME)]
            self._loop(todo, states, repo, spend, progress, on_progress)
        return progress

    def _loop(
        self,
        todo: list[Cell],
        states: Mapping[str, str],
        repo: Any,
        spend: _Spend,
        progress: SweepProgress,
        on_progress: Callable[[SweepProgress], None],
    ) -> None:
        from multiprocessing.connection import wait

        context = multiprocessing.get_context("spawn")
        slots = {name: context.Semaphore(n) for name, n in self.limits.items()}
        running: dict[str, tuple[Any, float]] = {}
        ids = [c.run_id(self.spec.name) for c in self.spec.cells]
        try:
            while todo or running:
                spend.update(ids)
                progress.tokens, progress.usd = spend.tokens, spend.usd
                if spend.exhausted(self.budget) and todo:
                    progress.budget_spent = True
                    progress.skipped += len(todo)
                    todo = []
                while todo and len(running) < self.parallel:
                    cell = todo.pop(0)
                    process = context.Process(
                        target=run_cell,
                        args=(
                            self._job(cell, states[cell.name] == CellState.RESUME),
                            slots.get(_provider(cell)),
                        ),
                        name=f"cashloop-cell-{cell.name}",
                    )
                    process.start()
                    running[cell.name] = (process, time.monotonic())
                    progress.running.append(cell.name)
                on_progress(progress)
                if not running:
                    continue
                wait([p.sentinel for p, _ in running.values()], timeout=_TICK_SECONDS)
                for name, (process, started) in list(running.items()):
                    if process.is_alive():
                        continue
                    process.join()
                    del running[name]
                    progress.running.remove(name)
                    if process.exitcode == 0:
                        progress.done += 1
                        progress.finished_here.append(time.monotonic() - started)
                    elif process.exitcode == 130:
                        progress.interrupted = True
                    else:
                        progress.failed.append(name)
            spend.update(ids)
            progress.tokens, progress.usd = spend.tokens, spend.usd
            on_progress(progress)
        except KeyboardInterrupt:  # Ctrl-C: the cells record their interruption; say so, return
            progress.interrupted = True
            self._stop(running)
            on_progress(progress)
        finally:
            if running:
                self._stop(running)

    def _stop(self, running: dict[str, tuple[Any, float]]) -> None:
        """Interrupt each cell process (a cell takes only the first signal, so one that already
        had Ctrl-C from the terminal is not disturbed), let it record its interruption, then
        make sure it is gone."""
        for process, _ in running.values():
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGINT)
        deadline = time.monotonic() + 30
        for process, _ in running.values():
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        running.clear()

    def _job(self, cell: Cell, resume: bool) -> CellJob:
        run_id = cell.run_id(self.spec.name)
        return CellJob(
            run_id=run_id,
            config=cell.data,
            base_dir=str(self.spec.base_dir),
            db_path=str(self.db_path),
            log_path=str(self.log_dir / f"{cell.name}.log"),
            provenance={
                "sweep": self.spec.name,
                "cell": cell.name,
                "factors": dict(cell.factors),
                "labels": dict(cell.labels),
                "swept": list(self.spec.factors),
                "cells": len(self.spec.cells),
            },
            resume=resume,
        )
