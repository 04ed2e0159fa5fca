"""Discover plugins: entry points of group ``cashloop``, in-house modules, block lists.

A plugin that fails to import is skipped with a one-line warning (strict mode re-raises); a
misspelled hook name is an error, never silence.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata as md
import os
import sys
from collections.abc import Iterable

import attrs
import pluggy

from cashloop.errors import PluginError
from cashloop.hookspecs import PROJECT_NAME
from cashloop.plugin_manager import CashloopPluginManager

__all__ = ["PluginRecord", "load_plugins", "strict_mode"]

STRICT_ENV = "CASHLOOP_STRICT_PLUGINS"
DISABLE_ENV = "CASHLOOP_DISABLE_PLUGINS"


@attrs.frozen(kw_only=True)
class PluginRecord:
    """What the loader found for one plugin (shown by ``cashloop plugins``)."""

    name: str
    distribution: str | None
    version: str | None
    module: str
    status: str  # "loaded" | "disabled" | "failed" | "invalid"
    error: str | None = None


def strict_mode() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _disabled_from_env() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


_warned: set[str] = set()


def _warn(message: str) -> None:
    """Print a warning once per process (the CLI may load plugins more than once)."""
    if message not in _warned:
        _warned.add(message)
        print(f"cashloop: warning: {message}", file=sys.stderr)


@attrs.frozen
class _DistInfo:
    """The name and version of the distribution providing an entry point."""

    name: str | None
    version: str | None


def _dist_info(dist: md.Distribution) -> _DistInfo:
    # Parsing METADATA is the loader's main cost; ``dist.version`` would parse it a second time.
    metadata = dist.metadata
    return _DistInfo(name=metadata["Name"], version=metadata["Version"])


def _entry_points() -> Iterable[tuple[md.EntryPoint, _DistInfo]]:
    """Every ``cashloop`` entry point (first one of each name) with its distribution's metadata,
    read once per distribution and only for distributions that provide such an entry point."""
    seen: set[str] = set()
    for dist in md.distributions():
        text = dist.read_text("entry_points.txt")
        if not text or PROJECT_NAME not in text:
            continue  # a look at the raw text spares parsing most distributions' entry points
        info: _DistInfo | None = None
        for ep in dist.entry_points:
            if ep.group == PROJECT_NAME and ep.name not in seen:
                seen.add(ep.name)
                if info is None:
                    info = _dist_info(dist)
                yield ep, info


def _check_hooks(pm: CashloopPluginManager, name: str, module_desc: str) -> None:
    """Raise a PluginError when the plugin implements a hook no spec defines."""
    plugin = pm.get_plugin(name)
    for hook_name, caller in sorted(vars(pm.hook).items()):  # sorted: the same one named each time
        if hook_name.startswith("_") or caller.has_spec():
            continue
        if any(impl.plugin is plugin for impl in caller.get_hookimpls()):
            pm.unregister(name=name)
            raise PluginError(
                f"plugin '{name}' ({module_desc}) implements unknown hook '{hook_name}'; "
                "check its spelling against 'cashloop.hookspecs' (e.g. register_evaluators)"
            )


def _register(pm: CashloopPluginManager, plugin: object, name: str, module_desc: str) -> None:
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin '{name}' ({module_desc}) is invalid: {exc}") from None
    _check_hooks(pm, name, module_desc)


def _load_entry_point(
    pm: CashloopPluginManager,
    ep: md.EntryPoint,
    dist: _DistInfo,
    *,
    blocked: set[str],
    strict: bool,
    keep_going: bool,
) -> PluginRecord:
    """Load and register one entry point; say what happened to it."""
    dist_name = dist.name
    record = functools.partial(
        PluginRecord,
        name=ep.name,
        distribution=dist_name,
        version=dist.version,
        module=ep.value,
    )
    if ep.name in blocked:
        return record(status="disabled")
    try:
        plugin = ep.load()
    except Exception as exc:
        if strict:
            raise
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        _warn(
            f"plugin '{ep.name}' from {dist_name or 'unknown distribution'} failed to import "
            f"({reason}); skipped. Fix or reinstall it, or disable it with "
            f"{DISABLE_ENV}={ep.name}"
        )
        return record(status="failed", error=reason)
    try:
        _register(pm, plugin, ep.name, f"{ep.value} from {dist_name}")
    except PluginError as exc:
        if strict or not keep_going:
            raise
        return record(status="invalid", error=str(exc))
    return record(status="loaded")


def load_plugins(
    pm: CashloopPluginManager,
    *,
    disabled: Iterable[str] = (),
    modules: Iterable[str] = (),
    strict: bool | None = None,
    keep_going: bool = False,
) -> list[PluginRecord]:
    """Register every entry-point plugin and in-house module; return what happened to each.

    An invalid plugin (misspelled hook, bad hookimpl) raises PluginError, or with ``keep_going``
    is recorded as ``invalid`` so ``cashloop plugins`` can show it.
    """
    strict = strict_mode() if strict is None else strict
    blocked = set(disabled) | _disabled_from_env()
    records = [
        _load_entry_point(pm, ep, dist, blocked=blocked, strict=strict, keep_going=keep_going)
        for ep, dist in _entry_points()
    ]
    for dotted in modules:
        if dotted in blocked or pm.has_plugin(dotted):
            continue
        try:
            module = importlib.import_module(dotted)
        except ImportError as exc:
            raise PluginError(
                f"plugins.modules: cannot import in-house plugin module '{dotted}' ({exc}); "
                "check the dotted path and that it is importable (on PYTHONPATH)"
            ) from None
        except Exception as exc:  # the module itself failed: say so, not a traceback of ours
            raise PluginError(
                f"plugins.modules: in-house plugin module '{dotted}' failed while importing "
                f"({type(exc).__name__}: {exc}); python -c 'import {dotted}' shows where"
            ) from None
        _register(pm, module, dotted, f"module {dotted}")
        records.append(
            PluginRecord(
                name=dotted, distribution=None, version=None, module=dotted, status="loaded"
            )
        )
    pm.check_pending()
    return records
