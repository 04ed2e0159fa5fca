"""Concurrent LLM proposals: two agents, a server answering after 1 s each.

Proposing for both agents with ``asyncio.gather`` through the ``openai`` backend should take about
1 s (the calls overlap), not 2 s (one after the other). Runs offline against the loopback stub.

    .venv/bin/python benchmarks/bench_llm_concurrency.py
"""

from __future__ import annotations

import asyncio
import time
from importlib.metadata import entry_points

from cashloop.plugin import PROJECT_NAME, LLMClient, PolicyProposal, PolicyRequest
from cashloop.testing.llm_stub import LLMStubServer, StubReply

AGENTS = ("BANK_A", "BANK_B")
SERVER_DELAY_SECONDS = 1.0


def _openai_client(base_url: str) -> LLMClient:
    """Build the client the way the core does: entry point, spec, options, factory."""
    (entry_point,) = entry_points(group=PROJECT_NAME, name="llm")
    plugin = entry_point.load()
    spec = next(s for s in plugin.register_llm_clients() if s.name == "openai")
    options = spec.options(model="bench-model", base_url=base_url, api_key_env="BENCH_NO_KEY")
    client: LLMClient = spec.factory(options)
    return client


def _request(agent_id: str) -> PolicyRequest:
    return PolicyRequest(
        agent_id=agent_id,
        iteration=1,
        system_prompt="Answer with one JSON object.",
        user_prompt=f"Propose a policy for {agent_id}.",
        current_policy={"parameters": {}},
    )


async def _concurrent(client: LLMClient) -> tuple[float, list[PolicyProposal]]:
    started = time.perf_counter()
    proposals = await asyncio.gather(*(client.propose(_request(a)) for a in AGENTS))
    return time.perf_counter() - started, list(proposals)


async def _sequential(client: LLMClient) -> tuple[float, list[PolicyProposal]]:
    started = time.perf_counter()
    proposals = [await client.propose(_request(a)) for a in AGENTS]
    return time.perf_counter() - started, proposals


async def _proposal_phase(client: LLMClient, concurrency: int) -> float:
    """The loop's own proposal phase (ProposalService), as an iteration runs it."""
    from cashloop.prompts import AgentContext
    from cashloop.runner.proposals import ProposalService
    from cashloop.types import PolicyConstraints

    service = ProposalService(
        client,
        evaluator=object(),
        validators=[],
        constraints=PolicyConstraints(),  # type: ignore[arg-type]
        system_prompt="Answer with one JSON object.",
        max_retries=0,
        concurrency=concurrency,
        schema="",
    )
    contexts = [
        AgentContext(
            agent_id=a,
            iteration=1,
            current_policy={"parameters": {}},
            incumbent_costs={},
            samples=(),
        )
        for a in AGENTS
    ]
    started = time.perf_counter()
    await service.propose_all(contexts, {a: 0 for a in AGENTS})
    return time.perf_counter() - started


async def _main() -> None:
    reply = StubReply(text='{"parameters": {"x": 0.5}}', delay_seconds=SERVER_DELAY_SECONDS)
    with LLMStubServer(default_reply=reply) as stub:
        client = _openai_client(stub.openai_base_url)
        await client.propose(_request("warm-up"))  # connection pool, SDK imports
        concurrent, proposals = await _concurrent(client)
        sequential, _ = await _sequential(client)
        phase = await _proposal_phase(client, concurrency=4)
        phase_one_at_a_time = await _proposal_phase(client, concurrency=1)
    print(f"agents: {len(AGENTS)}, server delay per call: {SERVER_DELAY_SECONDS:.1f} s")
    print(f"concurrent (asyncio.gather): {concurrent:.2f} s")
    print(f"sequential (one by one):     {sequential:.2f} s")
    print(f"speed-up: {sequential / concurrent:.2f}x")
    print(f"loop proposal phase, llm.concurrency=4: {phase:.2f} s")
    print(f"loop proposal phase, llm.concurrency=1: {phase_one_at_a_time:.2f} s")
    latencies = ", ".join(f"{p.latency_seconds:.2f} s" for p in proposals)
    print(f"per-call latency in the concurrent round: {latencies}")


if __name__ == "__main__":
    asyncio.run(_main())
