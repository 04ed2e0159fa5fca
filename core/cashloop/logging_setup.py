"""structlog to stderr: a console renderer on a TTY, JSON lines otherwise; ``run_id`` via
contextvars; tracebacks never show local variables (they may hold secrets)."""

from __future__ import annotations

import logging
import os
import sys

import structlog
import structlog.tracebacks

__all__ = ["configure_logging"]

LEVEL_ENV = "CASHLOOP_LOG_LEVEL"


def configure_logging(level: str | None = None, *, json: bool | None = None) -> None:
    name = (level or os.environ.get(LEVEL_ENV) or "warning").upper()
    numeric = logging.getLevelName(name)
    if not isinstance(numeric, int):
        numeric = logging.WARNING
    use_json = (not sys.stderr.isatty()) if json is None else json
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if use_json:
        no_locals = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        processors += [
            structlog.processors.ExceptionRenderer(no_locals),
            structlog.processors.JSONRenderer(),
        ]
    else:
        processors.append(
            structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
        )
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
