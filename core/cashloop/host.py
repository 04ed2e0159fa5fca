"""``PluginHost``: the typed facade over the PluginManager; call sites never touch ``pm.hook``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cashloop.loader import PluginRecord, load_plugins
from cashloop.plugin_manager import CashloopPluginManager, new_plugin_manager
from cashloop.registry import ComponentRegistry

if TYPE_CHECKING:
    import click

__all__ = ["PluginHost"]


class PluginHost:
    """Loaded plugins, their records, and the component registry built from them."""

    __slots__ = ("_registry", "pm", "records")

    def __init__(self, pm: CashloopPluginManager, records: Iterable[PluginRecord] = ()) -> None:
        self.pm = pm
        self.records = list(records)
        self._registry: ComponentRegistry | None = None

    @classmethod
    def load(
        cls,
        *,
        disabled: Iterable[str] = (),
        modules: Iterable[str] = (),
        strict: bool | None = None,
        keep_going: bool = False,
    ) -> PluginHost:
        """A fresh manager with every installed plugin (and in-house modules) registered."""
        pm = new_plugin_manager()
        records = load_plugins(
            pm, disabled=disabled, modules=modules, strict=strict, keep_going=keep_going
        )
        return cls(pm, records)

    @property
    def registry(self) -> ComponentRegistry:
        if self._registry is None:
            origins = {r.name: r.distribution for r in self.records}
            self._registry = ComponentRegistry(self.pm, origins=origins)
        return self._registry

    def register_commands(self, cli: click.Group) -> None:
        self.pm.hook.register_commands(cli=cli)

    def register_run_plugin(self, plugin: Any, name: str) -> None:
        """Register an output handler or storage backend object for the duration of a run."""
        if not self.pm.is_registered(plugin):
            self.pm.register(plugin, name=name)

    def unregister_run_plugin(self, plugin: Any) -> None:
        if self.pm.is_registered(plugin):
            self.pm.unregister(plugin)

    def lifecycle_impls(self, hook_name: str) -> list[Any]:
        """The hook implementations of ``hook_name``, in pluggy's call order."""
        return list(reversed(getattr(self.pm.hook, hook_name).get_hookimpls()))
