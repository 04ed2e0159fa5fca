"""The loop's fast paths give exactly what the straightforward code gave: prompt-free requests for
proposers that read no prompts, one encoding per event, seeds, spreads and the search replay."""

from __future__ import annotations

import random
import statistics
from pathlib import Path
from typing import Any

import pytest
from loop_helpers import example_config, local_search, run_experiment, strip_run_id

from cashloop import events as ev
from cashloop.errors import StorageError
from cashloop.persistence.codec import EncodedData, encode_json
from cashloop.runner.event_payloads import _rounded_pstdev
from cashloop.runner.experiment_runner import GenericExperimentRunner
from cashloop.runner.proposals import reads_prompts
from cashloop.runner.recorded import RecordedClient
from cashloop.runner.seeds import derive_seed, sample_seeds
from cashloop.types import ParameterSpec, PolicyConstraints, ProposalRecord
from cashloop_local_search import replay as search_replay
from cashloop_local_search.axes import build_axes
from cashloop_local_search.options import LocalSearchOptions


class Asking:
    """Delegates to ``inner`` but reads the prompts (as an LLM client would)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def propose(self, request: Any) -> Any:
        return await self.inner.propose(request)


async def test_a_proposer_that_reads_no_prompts_gets_none_and_reruns_offline(
    tmp_path: Path,
) -> None:
    config = example_config("castro_exp1", convergence={"max_iterations": 3})
    db = tmp_path / "runs.db"
    assert not reads_prompts(local_search()) and reads_prompts(Asking(local_search()))
    _, events, _ = await run_experiment(config, db, client=local_search())
    calls = [e for e in events if e["event_type"] == ev.LLM_CALL]
    assert calls and all(c["system_prompt"] == c["user_prompt"] == "" for c in calls)

    _, asked, _ = await run_experiment(config, db, client=Asking(local_search()))
    asked_calls = [e for e in asked if e["event_type"] == ev.LLM_CALL]
    assert all(c["system_prompt"] and c["user_prompt"] for c in asked_calls)
    # the prompts change nothing else: same proposals, same decisions
    keep = ("event_type", "iteration", "agent_id", "new_policy", "accepted", "delta")
    assert [{k: e.get(k) for k in keep} for e in asked if e["event_type"] != ev.LLM_CALL] == [
        {k: e.get(k) for k in keep} for e in events if e["event_type"] != ev.LLM_CALL
    ]

    for recorded in (events, asked):  # both recordings rerun offline to the same event log
        client = RecordedClient(recorded)
        rerun = GenericExperimentRunner(config, db_path=db, llm_client=client, offline_llm=True)
        await rerun.run()
        assert rerun.state_provider is not None
        assert strip_run_id(rerun.state_provider.get_all_events()) == strip_run_id(recorded)


def test_encoded_data_is_stored_as_encoded_and_other_data_is_still_checked() -> None:
    data = EncodedData({"a": [1, 2.5, "é"]})
    data.json_text = '{"a":[1,2.5,"é"]}'
    assert encode_json(data, what="event") == data.json_text
    assert encode_json({"a": [1, 2.5, "é"], "b": None}, what="x") == '{"a":[1,2.5,"é"],"b":null}'
    assert encode_json({"n": float("nan")}, what="x") == '{"n":NaN}'  # as before: not refused
    with pytest.raises(StorageError, match=r"x\.a: tuple"):
        encode_json({"a": (1, 2)}, what="x")
    with pytest.raises(StorageError, match="key 1 is a int"):
        encode_json({1: "one"}, what="x")


def test_sample_seeds_are_the_derived_seeds() -> None:
    for master, iteration, agent in ((42, 3, "BANK_A"), (-7, "final", "*"), (0, 0, "x/y")):
        expected = [derive_seed(master, iteration, agent, i) for i in range(60)]
        assert sample_seeds(master, iteration, agent, 60) == expected
    assert sample_seeds(1, 1, "*", 0) == []


def test_the_rounded_spread_is_that_of_pstdev() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        scale = rng.choice([1, 3, 100, 10**6, 10**12])
        totals = [rng.randint(-scale, scale) for _ in range(rng.randint(2, 60))]
        assert _rounded_pstdev(totals) == int(statistics.pstdev(totals) + 0.5)
    assert _rounded_pstdev([0, 1]) == 1  # 0.5 rounds half up, decided by pstdev itself


def test_the_memoized_search_replay_is_the_full_replay() -> None:
    constraints = PolicyConstraints(
        allowed_parameters=(
            ParameterSpec(name="a", min_value=0.0, max_value=1.0),
            ParameterSpec(name="b", param_type="int", min_value=0, max_value=10),
        )
    )
    options = LocalSearchOptions()
    axes = build_axes({"parameters": {"a": 0.5, "b": 3}}, constraints, options)
    rng = random.Random(11)
    for _ in range(200):
        history: list[ProposalRecord] = []
        for _ in range(rng.randint(1, 12)):
            values = {"a": rng.choice([0.5, 0.4, 0.6, 0.3]), "b": rng.choice([3, 2, 4])}
            history.append(
                ProposalRecord(
                    iteration=len(history) + 1,
                    policy={"parameters": values},
                    old_cost=0,
                    new_cost=0,
                    delta=0,
                    accepted=rng.random() < 0.3,
                )
            )
            memoized = search_replay.replay(history, axes, options, (0.5, 3.0))
            search_replay._MEMO.clear()
            assert search_replay.replay(history, axes, options, (0.5, 3.0)) == memoized
