"""Options of the ``console`` output handler."""

from __future__ import annotations

from typing import Literal

import attrs

from cashloop.runner.verbose import VerboseConfig

__all__ = ["STREAMS", "ConsoleOptions"]

STREAMS = ("stdout", "stderr")


@attrs.frozen(kw_only=True)
class ConsoleOptions:
    """``verbose``: what to show; ``stream``: ``stdout`` or ``stderr``; ``width``: fixed columns
    (``None``: the terminal's, 80 when not a terminal); ``progress``: a transient progress bar on
    stderr when stderr is a terminal."""

    verbose: VerboseConfig = attrs.field(factory=VerboseConfig)
    stream: Literal["stdout", "stderr"] = attrs.field(
        default="stdout", validator=attrs.validators.in_(STREAMS)
    )
    width: int | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(
            [attrs.validators.instance_of(int), attrs.validators.gt(0)]
        ),
    )
    progress: bool = True
