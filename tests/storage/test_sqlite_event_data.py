"""Event data reads back exactly as recorded (values and key order), or is refused when recorded."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_helpers import run_info

from cashloop.errors import StorageError
from cashloop.persistence import ExperimentRepository, RunRecorder

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def shared_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExperimentRepository]:
    with ExperimentRepository(tmp_path_factory.mktemp("events") / "h.db") as repo:
        yield repo


_run_numbers = itertools.count()


@settings(max_examples=60, deadline=None)
@given(data=st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_any_json_native_event_round_trips_with_its_key_order(
    shared_repo: ExperimentRepository, data: dict[str, Any]
) -> None:
    run = run_info(f"run-{next(_run_numbers)}")
    shared_repo.create_run(run, {})
    recorder = RunRecorder(shared_repo, run.run_id)
    recorder.record_event(1, "llm_call", data)
    recorder.record_iteration(0, {}, {}, {})
    (event,) = shared_repo.as_state_provider(run.run_id).get_all_events()
    expected = {"event_type": "llm_call", "iteration": 1, **data}
    assert event == expected
    assert _key_orders(event) == _key_orders(expected)


def _key_orders(value: Any) -> Any:
    if isinstance(value, dict):
        return [(key, _key_orders(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_key_orders(item) for item in value]
    return None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"errors": ("a", "b")}, r"policy_change\.errors: tuple is not JSON-native.*use a list"),
        ({"seeds": {1, 2}}, r"policy_change\.seeds: set"),
        ({"by_seed": {7: 100}}, r"policy_change\.by_seed: key 7 is a int"),
        ({"deep": [{"when": object()}]}, r"policy_change\.deep\[0\]\.when: object"),
    ],
)
def test_data_that_would_read_back_different_is_refused_when_recorded(
    repo: ExperimentRepository, data: Mapping[str, Any], message: str
) -> None:
    repo.create_run(run_info(), {})
    recorder = RunRecorder(repo, run_info().run_id)
    with pytest.raises(StorageError, match=message):
        recorder.record_event(1, "policy_change", data)
    assert recorder.pending_events == 0


def test_read_only_mappings_are_stored_as_dicts(repo: ExperimentRepository) -> None:
    repo.create_run(run_info(), {})
    recorder = RunRecorder(repo, run_info().run_id)
    recorder.record_event(1, "iteration_start", MappingProxyType({"costs": MappingProxyType({})}))
    recorder.finish("completed")
    (event,) = repo.as_state_provider(run_info().run_id).get_all_events()
    assert event == {"event_type": "iteration_start", "iteration": 1, "costs": {}}
