"""The per-provider limit: calls through LimitedClient never exceed the semaphore's slots, and a
cancelled call gives its slot back."""

from __future__ import annotations

import asyncio
import multiprocessing

from cashloop.campaigns.llm_limits import LimitedClient
from cashloop.types import PolicyProposal, PolicyRequest


class SlowClient:
    def __init__(self) -> None:
        self.active = 0
        self.most = 0

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        self.active += 1
        self.most = max(self.most, self.active)
        try:
            await asyncio.sleep(0.05)
            return PolicyProposal(policy={"parameters": {}}, model="slow")
        finally:
            self.active -= 1


def _request(agent: str) -> PolicyRequest:
    return PolicyRequest(
        agent_id=agent, iteration=1, system_prompt="", user_prompt="", current_policy={}
    )


async def test_concurrent_calls_hold_at_most_the_limit() -> None:
    slots = multiprocessing.get_context("spawn").Semaphore(2)
    inner = SlowClient()
    limited = LimitedClient(inner, slots)
    proposals = await asyncio.gather(*(limited.propose(_request(f"A{i}")) for i in range(6)))
    assert len(proposals) == 6 and inner.most == 2


async def test_a_cancelled_call_releases_its_slot() -> None:
    slots = multiprocessing.get_context("spawn").Semaphore(1)
    limited = LimitedClient(SlowClient(), slots)
    task = asyncio.create_task(limited.propose(_request("A")))
    await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert slots.acquire(False)  # the slot is free again
