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


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env()
    )


def test_a_built_in_command_starts_without_asking_plugins_for_commands(tmp_path):
    # `cashloop runs` (like `run`) is found among the built-in commands: no plugin is asked
    # for its commands, so the rtgs plugin's `simulate` module is never imported
    code = (
        "import sys; from cashloop.cli.main import main; "
        f"code = main(['runs', '--db', {str(tmp_path / 'x.db')!r}]); "
        "print(code, 'cashloop_rtgs.cli' in sys.modules)"
    )
    proc = _run_python(code)
    assert proc.stdout.split()[-2:] == ["2", "False"], proc.stderr  # no database there: exit 2


def test_plugin_commands_are_listed_in_help_and_found_by_name():
    help_text = _run_python("from cashloop.cli.main import main; main(['--help'])").stdout
    assert "simulate" in help_text.split("Commands:")[1]
    proc = _run_python(
        "import sys; from cashloop.cli.main import main; sys.exit(main(['simulate', '--help']))"
    )
    assert proc.returncode == 0, proc.stderr
    assert "Usage: cashloop simulate" in proc.stdout


def test_an_unknown_command_is_a_usage_error_after_plugins_were_asked():
    proc = _run_python(
        "import sys; from cashloop.cli.main import main; sys.exit(main(['simulat']))"
    )
    assert proc.returncode == 2
    assert "No such command 'simulat'" in proc.stderr


def test_a_plugin_command_never_replaces_a_built_in_one(monkeypatch, capsys):
    import click

    from cashloop.cli import main as cli_main
    from cashloop.host import PluginHost

    class _Host:
        def register_commands(self, group: click.Group) -> None:
            group.add_command(click.Command("run", callback=lambda: None))
            group.add_command(click.Command("acme-report", callback=lambda: None))

    monkeypatch.setattr(PluginHost, "load", classmethod(lambda cls, **_: _Host()))
    group = cli_main._CashloopGroup(commands=dict(cli_main.cli.commands))
    built_in_run = group.commands["run"]
    ctx = click.Context(group)
    assert "acme-report" in group.list_commands(ctx)
    assert group.get_command(ctx, "run") is built_in_run
    assert "named 'run', the name of a built-in command; it is ignored" in capsys.readouterr().err
