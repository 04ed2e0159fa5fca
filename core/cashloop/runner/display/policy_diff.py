"""What a candidate policy changes: parameters and decision-tree leaves (pure, no rendering)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from cashloop.runner.display.values import as_mapping

__all__ = ["ParameterChange", "TreeChange", "parameter_changes", "tree_changes"]

#: Top-level policy keys that identify a policy rather than describe its behaviour.
_IDENTITY_KEYS = frozenset({"version", "policy_id", "description", "parameters"})


@attrs.frozen(kw_only=True)
class ParameterChange:
    """One parameter of the old and new policy; ``in_old``/``in_new`` say which sides have it."""

    name: str
    old: Any = None
    new: Any = None
    in_old: bool = True
    in_new: bool = True

    @property
    def changed(self) -> bool:
        return self.in_old != self.in_new or self.old != self.new


@attrs.frozen(kw_only=True)
class TreeChange:
    """A difference at ``path`` (``payment_tree.on_true.action``): added, removed or changed."""

    path: str
    kind: str
    old: Any = None
    new: Any = None


def parameter_changes(old_policy: object, new_policy: object) -> list[ParameterChange]:
    """Every parameter of either policy, old order first, then parameters only the new one has."""
    old = as_mapping(as_mapping(old_policy).get("parameters"))
    new = as_mapping(as_mapping(new_policy).get("parameters"))
    names = [*old, *(name for name in new if name not in old)]
    return [
        ParameterChange(
            name=name,
            old=old.get(name),
            new=new.get(name),
            in_old=name in old,
            in_new=name in new,
        )
        for name in names
    ]


def tree_changes(old_policy: object, new_policy: object) -> list[TreeChange]:
    """Leaf-level differences of everything but the identity keys and the parameters."""
    old = {k: v for k, v in as_mapping(old_policy).items() if k not in _IDENTITY_KEYS}
    new = {k: v for k, v in as_mapping(new_policy).items() if k not in _IDENTITY_KEYS}
    return list(_diff(old, new, ""))


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _diff(old: Any, new: Any, path: str) -> Iterator[TreeChange]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        if old.get("type") != new.get("type"):
            # A node replaced by another kind of node: one change, not a list of its leaves.
            yield TreeChange(path=path, kind="changed", old=old, new=new)
            return
        for key in [*old, *(k for k in new if k not in old)]:
            sub = _join(path, str(key))
            if key not in new:
                yield TreeChange(path=sub, kind="removed", old=old[key])
            elif key not in old:
                yield TreeChange(path=sub, kind="added", new=new[key])
            else:
                yield from _diff(old[key], new[key], sub)
    elif _is_list(old) and _is_list(new):
        for index in range(max(len(old), len(new))):
            sub = f"{path}[{index}]"
            if index >= len(new):
                yield TreeChange(path=sub, kind="removed", old=old[index])
            elif index >= len(old):
                yield TreeChange(path=sub, kind="added", new=new[index])
            else:
                yield from _diff(old[index], new[index], sub)
    elif old != new or type(old) is not type(new):
        yield TreeChange(path=path, kind="changed", old=old, new=new)


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)
