"""The pluggy PluginManager for cashloop, tuned to accept seed-style output handlers."""

from __future__ import annotations

import inspect
import types
from typing import TYPE_CHECKING, Any

import pluggy

from cashloop.hookspecs import PROJECT_NAME, LifecycleSpecs, RegistrationSpecs

if TYPE_CHECKING:
    from pluggy._hooks import HookimplOpts

__all__ = ["LIFECYCLE_HOOKS", "CashloopPluginManager", "new_plugin_manager"]

LIFECYCLE_HOOKS = frozenset(
    name for name, _ in inspect.getmembers(LifecycleSpecs, inspect.isfunction)
)


class CashloopPluginManager(pluggy.PluginManager):
    """A PluginManager where an object's unmarked lifecycle methods count as hook implementations.

    This makes any object satisfying the seed's ``OutputHandlerProtocol`` a valid output plugin as
    it is; modules still need ``@hookimpl`` (so stray module functions never become hooks).
    """

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> HookimplOpts | None:
        if inspect.ismodule(plugin) and not _may_be_hookimpl(plugin, name):
            return None  # registering a module looks at every name it holds: most are imports
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is not None or name not in LIFECYCLE_HOOKS or inspect.ismodule(plugin):
            return opts
        if not callable(getattr(plugin, name, None)):
            return None
        return {
            "wrapper": False,
            "hookwrapper": False,
            "optionalhook": False,
            "tryfirst": False,
            "trylast": False,
            "specname": None,
        }


#: what a module attribute must be for pluggy to take it as a hook implementation
_ROUTINES = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    staticmethod,
    classmethod,
)


def _may_be_hookimpl(module: types.ModuleType, name: str) -> bool:
    """A cheap first look (pluggy's own lookup is far slower): modules have no descriptors, so
    only a function-like value in the module's namespace can be a marked hook implementation."""
    return isinstance(vars(module).get(name), _ROUTINES)


def new_plugin_manager() -> CashloopPluginManager:
    """A fresh manager with every cashloop hookspec added and no plugin registered."""
    pm = CashloopPluginManager(PROJECT_NAME)
    pm.add_hookspecs(RegistrationSpecs)
    pm.add_hookspecs(LifecycleSpecs)
    return pm
