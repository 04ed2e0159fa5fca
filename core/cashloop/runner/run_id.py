"""Run ids start with the experiment name: ``castro-exp2-20261122-101500-ab12cd``."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

__all__ = ["new_run_id"]


def new_run_id(experiment_name: str, now: datetime | None = None) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", experiment_name).strip("-") or "run"
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{slug}-{stamp}-{secrets.token_hex(3)}"
