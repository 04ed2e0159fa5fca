"""The ``scripted`` backend: answers from a YAML or JSON file."""

from __future__ import annotations

import asyncio
import json
import pathlib
from collections.abc import Callable

import pytest

from cashloop.errors import UserError
from cashloop.policy_json import PolicyParseError
from cashloop.types import PolicyRequest
from cashloop_llm.options import ScriptedOptions
from cashloop_llm.scripted import ScriptedClient, create_scripted_client

MakeRequest = Callable[..., PolicyRequest]


def _client(tmp_path: pathlib.Path, content: str, name: str = "answers.yaml") -> ScriptedClient:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return create_scripted_client(ScriptedOptions(path=path))


async def test_shared_list_answers_each_agent_in_turn_then_repeats_the_last(
    tmp_path: pathlib.Path, make_request: MakeRequest
) -> None:
    client = _client(
        tmp_path,
        "- {parameters: {x: 0.1}}\n- {parameters: {x: 0.2}}\n",
    )
    a1, b1, a2, a3 = [
        await client.propose(make_request(agent))
        for agent in ("BANK_A", "BANK_B", "BANK_A", "BANK_A")
    ]
    assert a1.policy == {"parameters": {"x": 0.1}}
    assert b1.policy == {"parameters": {"x": 0.1}}  # each agent has its own count
    assert a2.policy == {"parameters": {"x": 0.2}}
    assert a3.policy == {"parameters": {"x": 0.2}}  # exhausted: the last answer repeats
    assert a1.model == "scripted"
    assert (a1.prompt_tokens, a1.completion_tokens) == (0, 0)
    assert json.loads(a1.raw_response) == {"parameters": {"x": 0.1}}
    assert client.calls("BANK_A") == 3


async def test_per_agent_mapping_and_raw_text_answers(
    tmp_path: pathlib.Path, make_request: MakeRequest
) -> None:
    client = _client(
        tmp_path,
        "BANK_A:\n"
        '  - \'Sure! ```json\n{"parameters": {"x": 0.3}}\n```\'\n'
        "BANK_B:\n"
        "  - {parameters: {x: 0.9}}\n",
    )
    a = await client.propose(make_request("BANK_A"))
    b = await client.propose(make_request("BANK_B"))
    assert a.policy == {"parameters": {"x": 0.3}}
    assert a.raw_response.startswith("Sure! ```json")
    assert b.policy == {"parameters": {"x": 0.9}}


async def test_malformed_scripted_answer_raises_parse_error_with_the_call(
    tmp_path: pathlib.Path, make_request: MakeRequest
) -> None:
    client = _client(tmp_path, '["no json here", {"parameters": {}}]', name="answers.json")
    with pytest.raises(PolicyParseError) as caught:
        await client.propose(make_request("BANK_A"))
    assert caught.value.proposal is not None
    assert caught.value.proposal.raw_response == "no json here"
    assert caught.value.proposal.model == "scripted"
    retry = await client.propose(make_request("BANK_A", attempt=2))
    assert retry.policy == {"parameters": {}}


async def test_policies_are_fresh_copies(tmp_path: pathlib.Path, make_request: MakeRequest) -> None:
    client = _client(tmp_path, "- {parameters: {x: 1}}\n")
    first = await client.propose(make_request())
    first.policy["parameters"]["x"] = 99
    assert (await client.propose(make_request())).policy == {"parameters": {"x": 1}}


async def test_concurrent_agents_get_their_own_answers(
    tmp_path: pathlib.Path, make_request: MakeRequest
) -> None:
    client = _client(tmp_path, "A: [{p: 1}, {p: 2}]\nB: [{p: 3}]\n")
    results = await asyncio.gather(
        client.propose(make_request("A")),
        client.propose(make_request("B")),
        client.propose(make_request("A")),
    )
    assert [r.policy for r in results] == [{"p": 1}, {"p": 3}, {"p": 2}]


async def test_unknown_agent_in_a_mapping_is_a_user_error(
    tmp_path: pathlib.Path, make_request: MakeRequest
) -> None:
    client = _client(tmp_path, "BANK_A: [{p: 1}]\n")
    with pytest.raises(UserError, match=r"no answers for agent 'BANK_Z'.*BANK_A"):
        await client.propose(make_request("BANK_Z"))


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("a.yaml", "just a string\n", "expected a list of answers or a mapping"),
        ("a.yaml", "[]\n", "the answer list is empty"),
        ("a.yaml", "{}\n", "the mapping of agents is empty"),
        ("a.yaml", "BANK_A: {p: 1}\n", "agent 'BANK_A' must be a list of answers"),
        ("a.yaml", "BANK_A: []\n", "agent 'BANK_A' is empty"),
        ("a.yaml", "- 42\n", r"the answer list\[0\] must be a text or a policy mapping, got int"),
        ("a.yaml", "- [1, 2]\n", "must be a text or a policy mapping, got list"),
        ("a.yaml", "- {a: 1\n", "invalid YAML"),
        ("a.yaml", "- {day: 2024-01-01}\n", r"the answer list\[0\] is not plain JSON"),
        ("a.json", '["x",', "invalid JSON"),
        ("a.yaml", "", "got NoneType"),
    ],
)
def test_bad_files_are_user_errors_naming_the_file(
    tmp_path: pathlib.Path, name: str, content: str, problem: str
) -> None:
    with pytest.raises(UserError, match=problem) as caught:
        _client(tmp_path, content, name=name)
    assert str(tmp_path / name) in str(caught.value)


def test_missing_file_is_a_user_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(UserError, match="file not found") as caught:
        create_scripted_client(ScriptedOptions(path=path))
    assert str(path) in str(caught.value)


def test_repr_names_the_file(tmp_path: pathlib.Path) -> None:
    client = _client(tmp_path, "- {p: 1}\n")
    assert "answers.yaml" in repr(client)
