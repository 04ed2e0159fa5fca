"""The provenance fingerprint stored with every run (``experiment_start.provenance``), and what the
stored events add to it (the models the provider reported).

Two runs with the same fingerprint ran the same code on the same inputs: the config, cashloop's
version, the evaluator and the files it reads (a scenario), the prompt templates and the model.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cashloop.config import ExperimentConfig

__all__ = ["SWEEP_CELL", "observed_models", "run_provenance", "sha256_json"]

#: Set by a sweep's cell process: ``{"sweep", "cell", "factors", "cells"}`` goes into provenance.
SWEEP_CELL: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "cashloop_sweep_cell", default=None
)

#: Config keys that say where a run is stored, shown or evaluated, not what it computes (results
#: are identical on every executor).
_PLACE_KEYS = ("storage", "outputs", "executor", "config_dir")


def sha256_json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_provenance(config: ExperimentConfig, evaluator: Any, config_dir: Path) -> dict[str, Any]:
    """The fingerprint of a run about to start (JSON-native; deterministic for the same inputs)."""
    from cashloop import __version__

    data = {k: v for k, v in config.to_dict().items() if k not in _PLACE_KEYS}
    provenance: dict[str, Any] = {
        "config_hash": sha256_json(data),
        "cashloop_version": __version__,
        "evaluator": {
            "name": config.evaluator.type,
            "version": _evaluator_version(evaluator, __version__),
            "inputs_hash": _inputs_hash(config.evaluator.options, config_dir),
        },
        "prompt_template_hash": _prompt_hash(config),
        "llm": {"type": config.llm.type, "model": config.llm.model},
    }
    cell = SWEEP_CELL.get()
    if cell is not None:
        provenance["sweep"] = dict(cell)
    return provenance


def observed_models(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """The distinct models the provider reported in ``llm_call`` events, in order of first use;
    more than one means the provider changed model snapshot mid-run."""
    seen: list[str] = []
    for event in events:
        if event.get("event_type") == "llm_call":
            model = event.get("model")
            if isinstance(model, str) and model and model not in seen:
                seen.append(model)
    return seen


def _evaluator_version(evaluator: Any, cashloop_version: str) -> str | None:
    own = getattr(evaluator, "version", None)
    if isinstance(own, str):
        return own
    top = type(evaluator).__module__.split(".", 1)[0]
    if top.startswith("cashloop"):
        return cashloop_version  # a built-in plugin ships with cashloop
    module_version = getattr(sys.modules.get(top), "__version__", None)
    return module_version if isinstance(module_version, str) else None


def _inputs_hash(options: Mapping[str, Any], config_dir: Path) -> str:
    """The evaluator's options with every file they name replaced by the hash of its content."""
    return sha256_json(_with_file_hashes(options, config_dir))


def _with_file_hashes(value: Any, config_dir: Path) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _with_file_hashes(v, config_dir) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_with_file_hashes(v, config_dir) for v in value]
    if isinstance(value, str | Path) and str(value):
        path = Path(value) if Path(value).is_absolute() else config_dir / value
        try:
            if path.is_file():
                return {"file_sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        except OSError:
            pass
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _prompt_hash(config: ExperimentConfig) -> str:
    """The prompt templates' source and the config's prompt settings."""
    from cashloop.prompts import system, user

    digest = hashlib.sha256()
    for module in (system, user):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(
        sha256_json(
            {"role": config.llm.system_prompt, "custom": dict(config.llm.prompt_customization)}
        ).encode()
    )
    return digest.hexdigest()
