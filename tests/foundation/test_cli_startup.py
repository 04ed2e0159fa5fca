"""``cashloop --help`` stays fast: no SDK, numerical or display module is imported to show help
(plugins must import their heavy dependencies lazily, inside factories).

structlog itself imports part of rich when rich is installed; that baseline is allowed."""

from __future__ import annotations

import subprocess
import sys

from foundation_helpers import child_env

HEAVY = ("openai", "anthropic", "numpy", "rich", "httpx", "pydantic", "cashloop.runner.display")


def _imported_modules(code: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )
    assert proc.returncode == 0, proc.stderr
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def _heavy(names: set[str]) -> set[str]:
    return {n for n in names if any(n == h or n.startswith(h + ".") for h in HEAVY)}


def test_help_imports_no_heavy_module():
    # exactly what the console script does, plugins' register_commands included
    names = _imported_modules(
        "import sys; from cashloop.cli.main import main; sys.exit(main(['--help']))"
    )
    assert "cashloop.cli.main" in names  # the measurement works
    baseline = _imported_modules("import structlog")
    assert _heavy(names) - baseline == set()


def test_the_measurement_sees_a_heavy_import():
    assert _heavy(_imported_modules("import rich.console")) >= {"rich", "rich.console"}
