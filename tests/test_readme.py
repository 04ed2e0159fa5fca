"""The README's two quick-start commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", quick)


def test_readme_has_two_quick_start_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert "cashloop run examples/" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_commands_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in _readme_commands():
        assert command in ci, f"CI does not run the README command: {command}"


def test_examples_named_in_readme_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in set(re.findall(r"examples/[\w/]+\.yaml", text)):
        assert (ROOT / path).is_file(), path
