"""First steps work anywhere: the template validates and runs from any folder (its scenario is
bundled), and text from configs reaches the terminal without control characters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cashloop_rtgs.scenario.bundled import bundled_names, bundled_scenario
from hostile.hostile_helpers import EXAMPLES, cli, write_config

CASHLOOP = str(Path(sys.executable).with_name("cashloop"))


def test_the_template_validates_and_runs_in_an_empty_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CASHLOOP_DB"}
    written = subprocess.run(
        [CASHLOOP, "template"], cwd=tmp_path, capture_output=True, text=True, env=env, check=True
    )
    config = tmp_path / "my.yaml"
    config.write_text(written.stdout, encoding="utf-8")

    assert cli("validate", config) == 0
    assert (
        cli(
            "run",
            config,
            "--db",
            tmp_path / "runs.db",
            "--set",
            "convergence.max_iterations=1",
            "--set",
            "evaluation.num_samples=3",
            "--set",
            "outputs=[silent]",
        )
        == 0
    )


def test_the_bundled_scenarios_are_the_examples() -> None:
    assert bundled_names() == ["castro_exp1", "castro_exp2", "castro_exp3"]
    for name in bundled_names():
        bundled = bundled_scenario(name)
        assert bundled is not None
        assert bundled.read_text("utf-8") == (EXAMPLES / "scenarios" / f"{name}.yaml").read_text(
            "utf-8"
        )


def test_control_characters_of_a_name_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path,
        name="evil\x1b]0;PWNED\x07\x1b[31mred",
        outputs=["console"],
        convergence={"max_iterations": 1},
    )

    assert cli("run", config, "--db", tmp_path / "runs.db") == 0

    shown = capsys.readouterr()
    assert "evil]0;PWNED[31mred" in shown.out + shown.err
    assert "\x1b]0;" not in shown.out + shown.err
    assert "\x07" not in shown.out + shown.err
