"""The complete example of docs/plugin-authors.md works as printed: its module and its tests."""

from __future__ import annotations

import re
import sys

import pytest
from foundation_helpers import ROOT

DOC = (ROOT / "docs" / "plugin-authors.md").read_text(encoding="utf-8")


def _block(marker: str) -> str:
    match = re.search(re.escape(marker) + r"\n```python\n(.*?)\n```", DOC, re.S)
    assert match, f"docs/plugin-authors.md lost its {marker} block"
    return match.group(1)


@pytest.fixture
def example_module(tmp_path, monkeypatch):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "acme_cost_log.py").write_text(_block("<!-- example-module: acme_cost_log.py -->"))
    monkeypatch.syspath_prepend(str(folder))
    yield
    sys.modules.pop("acme_cost_log", None)


def test_the_documented_example_and_its_tests_pass(example_module, toy_on_path, tmp_path):
    namespace: dict[str, object] = {}
    exec(compile(_block("<!-- example-tests -->"), "plugin-authors.md", "exec"), namespace)
    evaluator_config = {
        "plugins": {"modules": ["toy_evaluator"]},
        "evaluator": {"type": "toy"},
        "evaluation": {"num_samples": 2},
    }
    tests = {name: f for name, f in namespace.items() if name.startswith("test_")}
    assert len(tests) == 3
    tests["test_cost_log_is_registered"]()
    tests["test_options_are_checked_with_their_paths"]((tmp_path / "a").resolve())
    (tmp_path / "b").mkdir()
    tests["test_one_line_per_iteration_of_a_real_run"](tmp_path / "b", evaluator_config)
