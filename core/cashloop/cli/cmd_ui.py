"""``cashloop ui``: the local web dashboard (Starlette + uvicorn, the ``cashloop[ui]`` extra)."""

from __future__ import annotations

from pathlib import Path

import click

from cashloop.cli.common import db_option, default_db

__all__ = ["ui_cmd"]


@click.command("ui")
@db_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (the default is reachable from this machine only).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
def ui_cmd(db: Path | None, host: str, port: int) -> None:
    """Serve a live, read-only dashboard of the stored runs and sweeps.

    Pages update while runs are written. Needs pip install 'cashloop[ui]'."""
    from cashloop.errors import UserError

    try:
        import uvicorn

        from cashloop.ui.app import create_app
    except ImportError:
        raise UserError(
            "cashloop ui needs Starlette and uvicorn: pip install 'cashloop[ui]'"
        ) from None
    import socket

    app = create_app(db or default_db())
    try:
        listener = socket.create_server((host, port))
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_host, bound_port = listener.getsockname()[:2]
    click.echo(f"cashloop ui: http://{bound_host}:{bound_port}/  (Ctrl-C to stop)", err=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[listener])
