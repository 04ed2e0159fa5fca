"""event_to_json: one compact line per event, key order kept, exact round trip."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cashloop.runner.event_json import event_to_json

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def test_compact_ordered_single_line() -> None:
    event = {
        "event_type": "iteration_start",
        "iteration": 1,
        "total_cost": 5,
        "a": {"z": 1, "b": 2},
    }
    line = event_to_json(event)
    assert line == '{"event_type":"iteration_start","iteration":1,"total_cost":5,"a":{"z":1,"b":2}}'
    assert "\n" not in line


def test_line_breaking_characters_are_escaped() -> None:
    event = {"event_type": "llm_call", "raw_response": "line\nnext \u2028 \u00e9 \U0001f600"}
    line = event_to_json(event)
    assert line.isascii()
    assert len(line.splitlines()) == 1
    assert json.loads(line) == event


def test_all_sample_events_round_trip(run_events: list[dict[str, Any]]) -> None:
    for event in run_events:
        line = event_to_json(event)
        decoded = json.loads(line)
        assert decoded == event
        assert list(decoded) == list(event)


@settings(max_examples=60)
@given(st.dictionaries(st.text(), _json_values, max_size=6))
def test_round_trip_property(data: dict[str, Any]) -> None:
    event = {"event_type": "x", "iteration": 0, **data}
    line = event_to_json(event)
    assert len(line.splitlines()) == 1
    assert json.loads(line) == event
