"""Paths and helpers shared by the foundation tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
FAKE_SITE = ROOT / "tests" / "fake_site"
INHOUSE = ROOT / "tests" / "inhouse"
CASHLOOP_EXE = Path(sys.executable).parent / "cashloop"
#: case folder -> (entry-point name, module, distribution, version)
FAKE_CASES = {
    "ok": ("fake-ok", "cashloop_fake_ok", "cashloop-fake-ok", "1.2.3"),
    "import_error": ("fake-broken", "cashloop_fake_broken", "cashloop-fake-broken", "0.0.1"),
    "duplicate": ("fake-dup", "cashloop_fake_dup", "cashloop-fake-dup", "0.1.0"),
    "misspelled": ("fake-typo", "cashloop_fake_typo", "cashloop-fake-typo", "0.1.0"),
}


@attrs.frozen(kw_only=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def child_env(case: str | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a subprocess CLI run, with a fake distribution on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASHLOOP_")}
    paths = [str(INHOUSE)]
    if case is not None:
        paths.insert(0, str(FAKE_SITE / case))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra or {})
    return env


def run_cashloop(
    args: Sequence[str],
    *,
    case: str | None = None,
    cwd: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> CliResult:
    """The installed ``cashloop`` console script, as a user runs it."""
    proc = subprocess.run(
        [str(CASHLOOP_EXE), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(case, extra_env),
        cwd=cwd,
    )
    return CliResult(exit_code=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)


def warning_lines(stderr: str, plugin: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if line.startswith("cashloop: warning:") and f"'{plugin}'" in line
    ]
