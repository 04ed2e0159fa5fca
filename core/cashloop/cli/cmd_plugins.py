"""``cashloop plugins``: what is installed, where from, its status and its components."""

from __future__ import annotations

import json
from typing import Any

import click

__all__ = ["plugins_cmd"]


def _inventory() -> tuple[list[dict[str, Any]], list[str]]:
    from cashloop.host import PluginHost
    from cashloop.registry import KINDS, ComponentRegistry

    host = PluginHost.load(keep_going=True)
    origins = {r.name: r.distribution for r in host.records}
    registry = ComponentRegistry(host.pm, strict=False, origins=origins)
    rows = []
    for record in host.records:
        rows.append(
            {
                "name": record.name,
                "distribution": record.distribution,
                "version": record.version,
                "module": record.module,
                "status": record.status,
                "error": record.error,
                "components": [
                    {
                        "kind": kind,
                        "type_label": KINDS[kind][1].kind,
                        "name": spec.name,
                        "description": spec.description,
                    }
                    for kind, spec in registry.provided_by(record.name)
                ],
            }
        )
    return rows, registry.conflicts


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of a table.")
def plugins_cmd(as_json: bool) -> None:
    """List installed plugins, their distribution, status and components."""
    rows, conflicts = _inventory()
    if as_json:
        click.echo(json.dumps({"plugins": rows, "conflicts": conflicts}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="cashloop plugins")
    for column in ("plugin", "distribution", "status", "components"):
        table.add_column(column)
    for row in rows:
        comps = ", ".join(f"{c['type_label']} '{c['name']}'" for c in row["components"])
        dist = f"{row['distribution'] or '-'} {row['version'] or ''}".strip()
        status = row["status"] if not row["error"] else f"{row['status']}: {row['error']}"
        table.add_row(row["name"], dist, status, comps or "-")
    console = Console()
    console.print(table)
    for conflict in conflicts:
        console.print(f"[red]conflict:[/red] {conflict}")
