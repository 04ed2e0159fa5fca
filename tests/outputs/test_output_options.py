"""Output plugin options from config (the core's converter) and cheap plugin imports."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from cashloop.converter import structure
from cashloop.errors import ConfigError
from cashloop.runner.verbose import VerboseConfig
from cashloop_console import ConsoleOptions
from cashloop_jsonl import JsonlOptions
from cashloop_silent import SilentOptions


def test_console_options_from_config() -> None:
    options = structure(
        {"verbose": {"policy": True}, "stream": "stderr", "width": 120, "progress": False},
        ConsoleOptions,
    )
    assert options == ConsoleOptions(
        verbose=VerboseConfig(policy=True), stream="stderr", width=120, progress=False
    )
    assert structure({}, ConsoleOptions) == ConsoleOptions()


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"verbose": {"polcy": True}}, "outputs[0].verbose"),
        ({"stream": "file"}, "outputs[0].stream"),
        ({"colour": True}, "outputs[0]"),
    ],
)
def test_console_option_errors_name_their_path(data: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError) as error:
        structure(data, ConsoleOptions, prefix="outputs[0]")
    assert f"{path}:" in str(error.value)


def test_jsonl_and_silent_options_from_config() -> None:
    assert structure({"path": "out/events.jsonl"}, JsonlOptions) == JsonlOptions(
        path=pathlib.Path("out/events.jsonl")
    )
    assert structure({}, JsonlOptions).path is None
    assert structure({}, SilentOptions) == SilentOptions()
    with pytest.raises(ConfigError, match="unknown key"):
        structure({"verbose": True}, SilentOptions)


def test_plugin_imports_stay_cheap() -> None:
    """Loading the output plugins (every ``cashloop`` command does) imports neither rich nor the
    display; only building a console handler does."""
    code = (
        "import sys, cashloop_console, cashloop_jsonl, cashloop_silent\n"
        "import cashloop.runner.output, cashloop.runner.verbose, cashloop.runner.event_json\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] == 'rich'"
        " or m.startswith('cashloop.runner.display'))\n"
        "print(heavy)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"
