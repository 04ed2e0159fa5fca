"""A limit on concurrent LLM calls per provider, shared by every cell process of a sweep.

The limit is a ``multiprocessing`` semaphore handed to each cell process; the wrapper takes a
slot around each ``propose`` call, polling so that a cancelled call never holds a slot.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cashloop.types import PolicyProposal, PolicyRequest

__all__ = ["LimitedClient"]

_POLL_SECONDS = 0.02


class LimitedClient:
    """An ``LLMClient`` whose calls hold a slot of ``slots`` (a multiprocessing semaphore)."""

    def __init__(self, inner: Any, slots: Any) -> None:
        self._inner = inner
        self._slots = slots

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        while not self._slots.acquire(False):
            await asyncio.sleep(_POLL_SECONDS)
        try:
            proposal: PolicyProposal = await self._inner.propose(request)
            return proposal
        finally:
            self._slots.release()

    async def aclose(self) -> None:
        close = getattr(self._inner, "aclose", None)
        if callable(close):
            await close()

    def __getattr__(self, name: str) -> Any:  # anything else the loop may ask the client
        return getattr(self._inner, name)
