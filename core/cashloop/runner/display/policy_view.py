"""Rendering of a candidate's policy diff: parameter table and decision-tree changes."""

from __future__ import annotations

from rich.text import Text

from cashloop.runner.display.policy_diff import (
    ParameterChange,
    TreeChange,
    parameter_changes,
    tree_changes,
)
from cashloop.runner.display.printout import Printer
from cashloop.runner.display.tables import new_table
from cashloop.runner.display.values import as_mapping, format_value

__all__ = ["MAX_TREE_CHANGES", "render_policy_diff"]

#: Tree changes listed before the rest is summarized as "... N more".
MAX_TREE_CHANGES = 30

_ABSENT = "-"
_KIND_MARK = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}


def render_policy_diff(old_policy: object, new_policy: object, console: Printer) -> None:
    """Old versus new parameters, then the tree changes (or that the tree is unchanged)."""
    old_id = as_mapping(old_policy).get("policy_id")
    new_id = as_mapping(new_policy).get("policy_id")
    if old_id != new_id:
        console.print(Text(f"  policy {format_value(old_id)} -> {format_value(new_id)}"))
    _render_parameters(parameter_changes(old_policy, new_policy), console)
    _render_tree(tree_changes(old_policy, new_policy), console)


def _render_parameters(changes: list[ParameterChange], console: Printer) -> None:
    if not changes:
        return
    table = new_table("Parameter", "Old", "New", "", right=("Old", "New"))
    for change in changes:
        table.add_row(
            Text(change.name),
            Text(format_value(change.old) if change.in_old else _ABSENT),
            Text(format_value(change.new) if change.in_new else _ABSENT),
            Text("changed", style="yellow") if change.changed else Text(""),
        )
    console.print(table)


def _render_tree(changes: list[TreeChange], console: Printer) -> None:
    if not changes:
        console.print(Text("  tree unchanged", style="dim"))
        return
    console.print(Text(f"  tree changes ({len(changes)}):"))
    for change in changes[:MAX_TREE_CHANGES]:
        mark, style = _KIND_MARK.get(change.kind, ("?", ""))
        if change.kind == "added":
            detail = format_value(change.new)
        elif change.kind == "removed":
            detail = format_value(change.old)
        else:
            detail = f"{format_value(change.old)} -> {format_value(change.new)}"
        path = change.path or "(policy)"
        console.print(Text.assemble(f"    {mark} ", (path, style), f": {detail}"))
    if len(changes) > MAX_TREE_CHANGES:
        console.print(Text(f"    ... {len(changes) - MAX_TREE_CHANGES} more", style="dim"))
