"""``ExperimentConfig``: one YAML file per experiment, loaded by the one converter."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from cashloop.config.checks import check_values
from cashloop.config.sections import (
    BudgetConfig,
    ComponentConfig,
    ConvergenceConfig,
    EvaluationConfig,
    PluginsConfig,
)
from cashloop.config.yaml_io import read_yaml_mapping
from cashloop.converter import ValueProblem, converter, structure, unstructure
from cashloop.errors import ConfigError
from cashloop.types import PolicyConstraints

__all__ = ["ExperimentConfig", "LLMConfig"]

_SECRET_WORDS = ("api_key", "apikey", "password", "secret", "token")


@attrs.frozen(kw_only=True)
class LLMConfig:
    """The proposer: ``type`` picks the client; core keys shape prompts and retries."""

    type: str = "local-search"
    system_prompt: str | None = None
    prompt_customization: Mapping[str, str] = attrs.field(factory=dict)
    max_retries: int = 2
    concurrency: int = 4
    #: an answer longer than this is rejected (and stored truncated, with its size and hash)
    max_answer_chars: int = 100_000
    #: a policy whose JSON is longer than this, or nested deeper, is rejected
    max_policy_chars: int = 50_000
    max_policy_depth: int = 200
    #: validation errors fed back to the LLM (then "and K more")
    max_feedback_errors: int = 20
    #: consecutive provider failures (unreachable, refused key) that end the run as failed
    max_provider_failures: int = 3
    options: Mapping[str, Any] = attrs.field(factory=dict)

    CORE_KEYS = (
        "system_prompt",
        "prompt_customization",
        "max_retries",
        "concurrency",
        "max_answer_chars",
        "max_policy_chars",
        "max_policy_depth",
        "max_feedback_errors",
        "max_provider_failures",
    )

    @property
    def model(self) -> str:
        return str(self.options.get("model") or self.type)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, **self.options}
        for key in self.CORE_KEYS:
            value = getattr(self, key)
            if value not in (None, {}) and value != getattr(LLMConfig(), key):
                data[key] = value
        return data


def _structure_component(value: Any, _: type) -> ComponentConfig:
    if isinstance(value, str):
        return ComponentConfig(type=value)
    if not isinstance(value, Mapping):
        raise ValueProblem(f"expected a type name or a mapping with 'type', got {value!r}")
    data = dict(value)
    if "type" not in data:
        raise ValueProblem(
            "required key 'type' is missing (the component's name, e.g. type: sqlite)"
        )
    kind = data.pop("type")
    if not isinstance(kind, str):
        raise ValueProblem(f"'type' must be a component name, got {kind!r}")
    return ComponentConfig(type=kind, options=data)


def _structure_llm(value: Any, _: type) -> LLMConfig:
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, Mapping):
        raise ValueProblem(f"expected a type name or a mapping with 'type', got {value!r}")
    data = dict(value)
    core = {k: data.pop(k) for k in LLMConfig.CORE_KEYS if k in data}
    customization = core.get("prompt_customization")
    if customization is not None and not isinstance(customization, Mapping):
        raise ValueProblem(
            "prompt_customization: expected a mapping of agent id (or 'all') to text, "
            f"got {customization!r}"
        )
    kind = data.pop("type", "local-search")
    if not isinstance(kind, str):
        raise ValueProblem(f"'type' must be a component name, got {kind!r}")
    core_fields: dict[str, Any] = {f.name: f.type for f in attrs.fields(LLMConfig)}
    problems: list[str] = []
    for key in [k for k in core if k != "prompt_customization"]:
        try:
            core[key] = structure(core[key], core_fields[key], prefix=f"llm.{key}")
        except ConfigError as exc:
            problems.extend(exc.errors)
    if problems:  # each named by its own key: llm.max_retries, not llm
        raise ConfigError(problems)
    base = converter().structure_attrs_fromdict(core, LLMConfig)
    return attrs.evolve(base, type=kind, options=data)


def _register_hooks() -> None:
    conv = converter()
    conv.register_structure_hook(ComponentConfig, _structure_component)
    conv.register_structure_hook(LLMConfig, _structure_llm)


_register_hooks()


def _structure_sections(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Structure each top-level section on its own, so every mistake is reported at once."""
    fields = {f.name: f for f in attrs.fields(ExperimentConfig) if f.name != "config_dir"}
    sections: dict[str, Any] = {}
    problems: list[str] = []
    for key in data:
        if key not in fields:
            problems.append(f"{key}: unknown key; allowed: {', '.join(fields)}")
    for name, field in fields.items():
        if name not in data:
            if field.default is attrs.NOTHING:
                problems.append(f"{name}: required key is missing")
            continue
        try:
            assert field.type is not None
            sections[name] = structure(data[name], field.type, prefix=name)
        except ConfigError as exc:
            problems.extend(exc.errors)
    return sections, problems


def _redact(options: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        secret = any(w in key.lower() for w in _SECRET_WORDS) and not key.endswith("_env")
        out[key] = "***" if secret else value
    return out


@attrs.frozen(kw_only=True)
class ExperimentConfig:
    """A whole experiment. Paths inside components resolve against ``config_dir``."""

    name: str
    evaluator: ComponentConfig
    description: str = ""
    master_seed: int = 0
    optimized_agents: tuple[str, ...] = ()
    evaluation: EvaluationConfig = EvaluationConfig()
    convergence: ConvergenceConfig = ConvergenceConfig()
    llm: LLMConfig = LLMConfig()
    policy_constraints: PolicyConstraints = PolicyConstraints()
    validators: tuple[ComponentConfig, ...] = ()
    outputs: tuple[ComponentConfig, ...] = (ComponentConfig(type="console"),)
    storage: ComponentConfig = ComponentConfig(type="sqlite")
    executor: ComponentConfig = ComponentConfig(type="serial")
    plugins: PluginsConfig = PluginsConfig()
    budget: BudgetConfig = BudgetConfig()
    config_dir: Path = attrs.field(default=Path("."), eq=False)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], base_dir: Path | str | None = None, source: str | None = None
    ) -> ExperimentConfig:
        """Structure and check ``data``; every problem is reported at once with its path."""
        if not isinstance(data, Mapping):
            raise ConfigError(["(top level): expected a mapping of config keys"], source=source)
        data = dict(data)
        stored_dir = data.pop("config_dir", None)
        base_dir = base_dir if base_dir is not None else stored_dir
        sections, problems = _structure_sections(data)
        placeholder = ComponentConfig(type="?")
        cfg = cls(**{"name": "?", "evaluator": placeholder, **sections})
        cfg = attrs.evolve(cfg, config_dir=Path(base_dir or ".").resolve())
        failed = {p.split(":", 1)[0].split(".", 1)[0].split("[", 1)[0] for p in problems}
        problems += [p for p in check_values(cfg) if p.split(".", 1)[0].split(":")[0] not in failed]
        if problems:
            raise ConfigError(problems, source=source)
        return cfg

    @classmethod
    def from_yaml(
        cls, path: Path | str, overrides: Mapping[str, Any] | None = None
    ) -> ExperimentConfig:
        """Load a config file; ``overrides`` maps dotted keys to values (``--set``)."""
        from cashloop.config.overrides import apply_overrides

        path = Path(path)
        data = read_yaml_mapping(path, what="experiment config")
        if overrides:
            data = apply_overrides(data, overrides, source=str(path))
        return cls.from_dict(data, base_dir=path.parent, source=str(path))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-native snapshot without secrets (stored with the run)."""
        data: dict[str, Any] = unstructure(self)
        data["config_dir"] = str(self.config_dir)
        data["evaluator"] = _redact(self.evaluator.to_dict())
        data["llm"] = _redact(self.llm.to_dict())
        data["storage"] = _redact(self.storage.to_dict())
        data["executor"] = _redact(self.executor.to_dict())
        data["validators"] = [_redact(v.to_dict()) for v in self.validators]
        data["outputs"] = [_redact(o.to_dict()) for o in self.outputs]
        return data


attrs.resolve_types(LLMConfig)
attrs.resolve_types(ExperimentConfig)
