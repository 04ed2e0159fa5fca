"""One sweep cell, run in its own process: a fresh run, or the resumption of an interrupted one.

The process writes the run like ``cashloop run`` / ``cashloop resume`` would, under the run id
``<sweep>/<cell>``; its console output goes to the cell's log file. Exit status: 0 completed,
1 failed, 130 interrupted.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = ["CellJob", "run_cell"]


@attrs.frozen(kw_only=True)
class CellJob:
    run_id: str
    config: Mapping[str, Any]  # the cell's config mapping
    base_dir: str
    db_path: str
    log_path: str
    provenance: Mapping[str, Any]  # goes to experiment_start.provenance.sweep
    resume: bool


def run_cell(job: CellJob, slots: Any | None) -> None:
    """Process entry point (``multiprocessing``): run the cell, exit with its status."""
    log = Path(job.log_path)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = _run(job, slots)
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:  # recorded as a failed run; the sweep reports the cell failed
        print(f"cell {job.run_id} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)


_interrupted = False


def _interrupt(signum: int, frame: Any) -> None:
    """The first SIGINT or SIGTERM interrupts the run; later ones (Ctrl-C reaches the cell from
    the terminal and from the sweep alike) are ignored, so the run can record its status."""
    global _interrupted
    if not _interrupted:
        _interrupted = True
        raise KeyboardInterrupt


def _run(job: CellJob, slots: Any | None) -> int:
    import asyncio

    from cashloop.campaigns.llm_limits import LimitedClient
    from cashloop.campaigns.provenance import SWEEP_CELL
    from cashloop.config import ExperimentConfig
    from cashloop.host import PluginHost
    from cashloop.logging_setup import configure_logging
    from cashloop.persistence import ExperimentRepository
    from cashloop.runner.experiment_runner import GenericExperimentRunner

    configure_logging(None)
    SWEEP_CELL.set(job.provenance)
    events: list[dict[str, Any]] = []
    if job.resume:
        with ExperimentRepository(job.db_path, create=False) as repo:
            stored = repo.load_for_resume(job.run_id)
            data: Mapping[str, Any] = stored.config_snapshot
            events = list(repo.as_state_provider(job.run_id).get_all_events())
        from cashloop.runner.input_files import check_input_files, split_snapshot

        data, files = split_snapshot(data)
        check_input_files(job.run_id, files, use_current=False)  # a changed scenario refuses
        cfg = ExperimentConfig.from_dict(data, source=f"stored config of {job.run_id}")
    else:
        data = job.config
        cfg = ExperimentConfig.from_dict(data, base_dir=job.base_dir, source=job.run_id)
    host = PluginHost.load(disabled=cfg.plugins.disabled, modules=cfg.plugins.modules)
    client: Any = host.registry.create("llm", cfg.llm.type, cfg.llm.options, "llm", cfg.config_dir)
    if slots is not None:
        client = LimitedClient(client, slots)
    runner = GenericExperimentRunner(
        cfg,
        host=host,
        db_path=Path(job.db_path),
        run_id=job.run_id,
        resume_events=events,
        llm_client=client,
        offline_llm=True,  # the client is built here, so that it can be limited
    )

    async def go() -> None:
        try:
            await runner.run()
        finally:
            close = getattr(client, "aclose", None)
            if callable(close):
                await close()

    asyncio.run(go())
    return 0
