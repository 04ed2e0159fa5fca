"""One event as one compact JSON line: the format of ``jsonl`` output and ``cashloop events``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["event_to_json"]


def event_to_json(event: Mapping[str, Any]) -> str:
    """Serialize ``event`` compactly, keeping key order, without a trailing newline.

    Non-ASCII characters are escaped, so a line never holds a character (such as U+2028) that some
    readers treat as a line break; ``json.loads`` returns the same dict.
    """
    return json.dumps(dict(event), separators=(",", ":"), ensure_ascii=True)
