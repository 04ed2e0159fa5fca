"""Entry point: the click group, plugin-added commands, and user-error handling (exit 2)."""

from __future__ import annotations

import sys

import click

from cashloop import __version__
from cashloop.cli.cmd_compare import compare_cmd
from cashloop.cli.cmd_config import template_cmd, validate_cmd
from cashloop.cli.cmd_equilibrium import equilibrium_cmd
from cashloop.cli.cmd_export import export_cmd
from cashloop.cli.cmd_plot import plot_cmd
from cashloop.cli.cmd_plugins import plugins_cmd
from cashloop.cli.cmd_rerun import rerun_cmd
from cashloop.cli.cmd_run import resume_cmd, run_cmd
from cashloop.cli.cmd_runs import events_cmd, replay_cmd, runs_cmd, show_cmd, watch_cmd
from cashloop.cli.cmd_sweep import sweep_cmd, sweeps_cmd
from cashloop.cli.cmd_ui import ui_cmd
from cashloop.errors import StorageError, UserError

__all__ = ["cli", "main"]


class _CashloopGroup(click.Group):
    """The command group. Plugins' commands are looked for only when a command name is not a
    built-in one, or when every command is listed (help, completion): a built-in command such as
    ``run`` starts without loading every plugin first (it loads what its config names)."""

    plugins_added = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and not self.plugins_added:
            self.add_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.add_plugin_commands()
        return super().list_commands(ctx)

    def add_plugin_commands(self) -> None:
        """Let plugins add commands (once); a broken plugin is reported by the loader, not fatal
        here."""
        if self.plugins_added:
            return
        self.plugins_added = True
        from cashloop.host import PluginHost

        built_in = dict(self.commands)
        host = PluginHost.load(keep_going=True)
        host.register_commands(self)
        for name, command in built_in.items():  # a built-in command is never replaced
            if self.commands.get(name) is not command:
                self.commands[name] = command
                click.echo(
                    f"cashloop: warning: a plugin adds a command named '{name}', the name of a "
                    "built-in command; it is ignored (the plugin should rename it)",
                    err=True,
                )


@click.group(cls=_CashloopGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cashloop")
@click.option(
    "--log-level",
    default=None,
    metavar="LEVEL",
    help="debug, info, warning (default) or error; also CASHLOOP_LOG_LEVEL.",
)
def cli(log_level: str | None) -> None:
    """cashloop: LLM policy-optimization experiments you can trust, replay and resume."""
    from cashloop.logging_setup import configure_logging

    configure_logging(log_level)


for command in (
    run_cmd,
    resume_cmd,
    rerun_cmd,
    replay_cmd,
    watch_cmd,
    runs_cmd,
    show_cmd,
    events_cmd,
    validate_cmd,
    template_cmd,
    plugins_cmd,
    sweep_cmd,
    sweeps_cmd,
    compare_cmd,
    export_cmd,
    plot_cmd,
    ui_cmd,
    equilibrium_cmd,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user mistakes print one clear message and exit 2, never a traceback."""
    try:
        result = cli.main(args=argv, prog_name="cashloop", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2 if isinstance(exc, click.UsageError) else exc.exit_code
    except UserError as exc:
        from cashloop.printable import printable

        click.echo(f"error: {printable(str(exc))}", err=True)
        return exc.exit_code
    except StorageError as exc:
        click.echo(
            f"error: {exc} (the run stopped; stored iterations are kept and resumable)", err=True
        )
        return 1
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("interrupted", err=True)
        return 130
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
