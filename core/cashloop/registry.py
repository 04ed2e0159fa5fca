"""Component registries: select a component by ``type:`` name and build it from its options."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashloop.converter import resolve_paths, structure
from cashloop.errors import ConfigError, PluginError
from cashloop.specs import (
    ComponentSpec,
    EvaluatorSpec,
    ExecutorSpec,
    LLMClientSpec,
    OutputHandlerSpec,
    StorageBackendSpec,
    ValidatorSpec,
)

if TYPE_CHECKING:
    from cashloop.plugin_manager import CashloopPluginManager

__all__ = ["KINDS", "ComponentRegistry"]

#: kind -> (registration hook name, spec class)
KINDS: dict[str, tuple[str, type[ComponentSpec]]] = {
    "evaluator": ("register_evaluators", EvaluatorSpec),
    "llm": ("register_llm_clients", LLMClientSpec),
    "validator": ("register_validators", ValidatorSpec),
    "output": ("register_output_handlers", OutputHandlerSpec),
    "storage": ("register_storage_backends", StorageBackendSpec),
    "executor": ("register_executors", ExecutorSpec),
}


class ComponentRegistry:
    """Every registered component spec, by kind and name, with the plugin that provides it."""

    __slots__ = ("_origins", "_providers", "_specs", "_strict", "conflicts")

    def __init__(
        self,
        pm: CashloopPluginManager,
        *,
        strict: bool = True,
        origins: Mapping[str, str | None] | None = None,
    ) -> None:
        self._specs: dict[str, dict[str, ComponentSpec]] = {kind: {} for kind in KINDS}
        self._providers: dict[tuple[str, str], str] = {}
        self._strict = strict
        self._origins = dict(origins or {})
        #: Name conflicts found with ``strict=False`` (each names both providers).
        self.conflicts: list[str] = []
        for kind, (hook_name, spec_cls) in KINDS.items():
            caller = getattr(pm.hook, hook_name)
            for impl in reversed(caller.get_hookimpls()):
                provided = impl.function() or ()
                for spec in provided:
                    self._add(kind, spec_cls, spec, impl.plugin_name)

    def _add(self, kind: str, spec_cls: type[ComponentSpec], spec: Any, provider: str) -> None:
        if not isinstance(spec, spec_cls):
            raise PluginError(
                f"plugin '{provider}' returned {type(spec).__name__} from "
                f"{KINDS[kind][0]}(); expected {spec_cls.__name__} objects"
            )
        key = (kind, spec.name)
        if key in self._providers:
            message = (
                f"{spec.kind} '{spec.name}' is registered by two plugins: "
                f"{self._describe(self._providers[key])} and {self._describe(provider)}; "
                "uninstall or disable one (CASHLOOP_DISABLE_PLUGINS or config plugins.disabled)"
            )
            if self._strict:
                raise PluginError(message)
            self.conflicts.append(message)
            return
        self._providers[key] = provider
        self._specs[kind][spec.name] = spec

    def _describe(self, plugin_name: str) -> str:
        dist = self._origins.get(plugin_name)
        return f"'{plugin_name}' (from {dist})" if dist else f"'{plugin_name}'"

    def names(self, kind: str) -> list[str]:
        return sorted(self._specs[kind])

    def provider(self, kind: str, name: str) -> str:
        return self._providers[(kind, name)]

    def provided_by(self, plugin_name: str) -> list[tuple[str, ComponentSpec]]:
        """(kind, spec) of every component ``plugin_name`` registers."""
        return [
            (kind, self._specs[kind][name])
            for (kind, name), provider in sorted(self._providers.items())
            if provider == plugin_name
        ]

    def specs(self, kind: str) -> list[ComponentSpec]:
        return [self._specs[kind][n] for n in self.names(kind)]

    def spec(self, kind: str, name: str, where: str) -> ComponentSpec:
        try:
            return self._specs[kind][name]
        except KeyError:
            label = KINDS[kind][1].kind
            available = ", ".join(self.names(kind)) or "none installed"
            raise PluginError(
                f"unknown {label} '{name}' at {where}; available: {available} "
                "(see 'cashloop plugins')"
            ) from None

    def structure_options(
        self, kind: str, name: str, options: Mapping[str, Any], where: str, base_dir: Path
    ) -> Any:
        """The factory's argument: the spec's options class instance, or a plain dict. An
        options class may check its values in ``problems()`` (``key: message`` sentences); they
        are raised here, under ``where``, so ``cashloop validate`` sees what a run would."""
        spec = self.spec(kind, name, where)
        if spec.options is None:
            return dict(options)
        value: Any = structure(dict(options), spec.options, prefix=where)
        check = getattr(value, "problems", None)
        problems = check() if callable(check) else []
        if problems:
            raise ConfigError([f"{where}.{p}" for p in problems])
        return resolve_paths(value, base_dir)

    def create(
        self, kind: str, name: str, options: Mapping[str, Any], where: str, base_dir: Path
    ) -> Any:
        """Build one component; factory errors that are user mistakes propagate unchanged."""
        spec = self.spec(kind, name, where)
        return spec.factory(self.structure_options(kind, name, options, where, base_dir))
