"""The sweep file: a base experiment config and a matrix over config keys, expanded into cells.

```yaml
name: models-by-scenario            # the sweep; its cells are stored as <name>/<cell>
base: castro_exp2.yaml              # a config file (relative to this file) or an inline mapping
set: {convergence.max_iterations: 8}          # overrides for every cell (optional)
matrix:                                      # dotted config keys -> values
  llm.model: [gpt-4.1, gpt-4.1-mini]         # a list: labels are made from the values
  evaluator.scenario: {exp1: scenarios/castro_exp1.yaml, exp2: scenarios/castro_exp2.yaml}
seeds: 1..3                                  # master_seed values: a range "a..b" or a list
parallel: 3                                  # cells at a time (--parallel overrides)
provider_limits: {openai: 2}                 # concurrent LLM calls per provider, all cells together
budget: {max_tokens: 200000, max_usd: 5.0}   # across all cells: no new cell starts once spent
```
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from cashloop.errors import ConfigError, UserError

__all__ = ["SEED_KEY", "Cell", "SweepBudget", "SweepSpec", "load_sweep", "parse_sweep"]

#: The config key the ``seeds:`` shorthand sweeps.
SEED_KEY = "master_seed"

_LABEL = re.compile(r"[^A-Za-z0-9_.+-]+")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KNOWN = ("name", "base", "set", "matrix", "seeds", "parallel", "provider_limits", "budget")


@attrs.frozen(kw_only=True)
class SweepBudget:
    """Spend allowed across every cell of the sweep (None: no limit)."""

    max_tokens: int | None = None
    max_usd: float | None = None


@attrs.frozen(kw_only=True)
class Cell:
    """One point of the matrix: its name, the config keys it sets, and its config mapping."""

    name: str
    factors: Mapping[str, Any]  # dotted key -> value, in matrix order (seed last)
    labels: Mapping[str, str]  # dotted key -> the label used in the name
    data: Mapping[str, Any]  # the complete experiment config mapping of this cell

    def run_id(self, sweep: str) -> str:
        return f"{sweep}/{self.name}"


@attrs.frozen(kw_only=True)
class SweepSpec:
    name: str
    source: Path
    base_dir: Path  # where the cells' relative paths are resolved (the base config's folder)
    factors: tuple[str, ...]  # swept dotted keys, master_seed last when seeds are given
    cells: tuple[Cell, ...]
    parallel: int = 1
    provider_limits: Mapping[str, int] = attrs.field(factory=dict)
    budget: SweepBudget = SweepBudget()

    @property
    def group_factors(self) -> tuple[str, ...]:
        """The swept keys that define a cell group (seeds are pooled within a group)."""
        return tuple(k for k in self.factors if k != SEED_KEY)


def load_sweep(path: Path) -> SweepSpec:
    """Read and check a sweep file; every problem is reported at once (exit 2)."""
    from cashloop.config.yaml_io import read_yaml_mapping

    data = read_yaml_mapping(path, what="sweep file")
    return parse_sweep(data, source=path)


def parse_sweep(data: Mapping[str, Any], *, source: Path) -> SweepSpec:
    problems: list[str] = [
        f"{key}: unknown key (expected one of {', '.join(_KNOWN)})"
        for key in data
        if key not in _KNOWN
    ]
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(
            "name: required; letters, digits, '_', '.', '-' (it starts every cell's run id)"
        )
    base, base_dir = _base(data.get("base"), source, problems)
    overrides = data.get("set") or {}
    if not isinstance(overrides, Mapping):
        problems.append("set: must be a mapping of dotted config keys to values")
        overrides = {}
    axes = _axes(data.get("matrix"), problems)
    seeds = _seeds(data.get("seeds"), problems)
    if seeds is not None:
        if any(key == SEED_KEY for key, _ in axes):
            problems.append(f"seeds: matrix already sweeps {SEED_KEY}; give it in one place")
        axes.append((SEED_KEY, [(str(s), s) for s in seeds]))
    parallel = _positive_int(data.get("parallel", 1), "parallel", problems)
    limits = _limits(data.get("provider_limits"), problems)
    budget = _budget(data.get("budget"), problems)
    if not axes and not problems:
        problems.append("matrix: give at least one key to sweep (or seeds)")
    if problems:
        raise ConfigError(problems, source=str(source))
    assert isinstance(name, str) and base is not None
    shorts = _short_names([key for key, _ in axes])
    cells = []
    for combo in itertools.product(*(values for _, values in axes)):
        factors = {key: value for (key, _), (_, value) in zip(axes, combo, strict=True)}
        labels = {key: label for (key, _), (label, _) in zip(axes, combo, strict=True)}
        cell_name = ",".join(f"{shorts[key]}={labels[key]}" for key, _ in axes)
        cells.append(
            Cell(
                name=cell_name,
                factors=factors,
                labels=labels,
                data=_cell_data(base, overrides, factors, source),
            )
        )
    return SweepSpec(
        name=name,
        source=source,
        base_dir=base_dir,
        factors=tuple(key for key, _ in axes),
        cells=tuple(cells),
        parallel=parallel,
        provider_limits=limits,
        budget=budget,
    )


def _cell_data(
    base: Mapping[str, Any], overrides: Mapping[str, Any], factors: Mapping[str, Any], source: Path
) -> dict[str, Any]:
    from cashloop.config.overrides import apply_overrides

    return apply_overrides(base, {**overrides, **factors}, source=str(source))


def _base(value: Any, source: Path, problems: list[str]) -> tuple[dict[str, Any] | None, Path]:
    from cashloop.config.yaml_io import read_yaml_mapping

    folder = source.parent.resolve()
    if isinstance(value, Mapping):
        return dict(value), folder
    if isinstance(value, str) and value:
        path = (folder / value).resolve()
        try:
            return read_yaml_mapping(path, what="base config"), path.parent
        except UserError as exc:
            problems.append(f"base: {exc}")
            return None, folder
    problems.append("base: required; a config file (relative to the sweep file) or a mapping")
    return None, folder


def _axes(value: Any, problems: list[str]) -> list[tuple[str, list[tuple[str, Any]]]]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        problems.append("matrix: must map dotted config keys to lists (or label: value mappings)")
        return []
    axes = []
    for key, values in value.items():
        where = f"matrix.{key}"
        if isinstance(values, Mapping) and values:
            labelled = [(_label(str(label)), v) for label, v in values.items()]
        elif isinstance(values, Sequence) and not isinstance(values, str) and values:
            labelled = [(_label(_label_of(v)), v) for v in values]
        else:
            problems.append(f"{where}: must be a non-empty list or a mapping of label: value")
            continue
        labels = [label for label, _ in labelled]
        if len(set(labels)) != len(labels) or not all(labels):
            problems.append(f"{where}: values need distinct labels; give them as label: value")
            continue
        axes.append((str(key), labelled))
    return axes


def _label_of(value: Any) -> str:
    """A readable label: a path's file name without its extension, a value's text otherwise."""
    text = str(value)
    if isinstance(value, str) and (
        "/" in text or text.endswith((".yaml", ".yml", ".json", ".txt"))
    ):
        text = Path(text).stem
    return text


def _label(text: str) -> str:
    return _LABEL.sub("-", text).strip("-")


def _short_names(keys: Sequence[str]) -> dict[str, str]:
    """Each key's last part (``llm.model`` -> ``model``; ``master_seed`` -> ``seed``), or the whole
    key where two would clash."""
    short = {k: "seed" if k == SEED_KEY else k.rsplit(".", 1)[-1] for k in keys}
    clashes = {s for s in short.values() if list(short.values()).count(s) > 1}
    return {k: (k if s in clashes else s) for k, s in short.items()}


def _seeds(value: Any, problems: list[str]) -> list[int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, str):
        first, sep, last = value.partition("..")
        if sep and first.strip().lstrip("-").isdigit() and last.strip().lstrip("-").isdigit():
            lo, hi = int(first), int(last)
            if lo <= hi:
                return list(range(lo, hi + 1))
    elif (
        isinstance(value, Sequence)
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and len(set(value)) == len(value)
    ):
        return list(value)
    problems.append(
        f"seeds: expected a range like 1..10 or a list of distinct integers, not {value!r}"
    )
    return None


def _positive_int(value: Any, where: str, problems: list[str]) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    problems.append(f"{where}: must be a whole number >= 1, not {value!r}")
    return 1


def _limits(value: Any, problems: list[str]) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append("provider_limits: must map a provider (llm.type) to a number of calls")
        return {}
    return {str(k): _positive_int(v, f"provider_limits.{k}", problems) for k, v in value.items()}


def _budget(value: Any, problems: list[str]) -> SweepBudget:
    if value is None:
        return SweepBudget()
    if not isinstance(value, Mapping):
        problems.append("budget: must be a mapping with max_tokens and/or max_usd")
        return SweepBudget()
    extra = [k for k in value if k not in ("max_tokens", "max_usd")]
    problems += [f"budget.{k}: unknown key (expected max_tokens, max_usd)" for k in extra]
    tokens, usd = value.get("max_tokens"), value.get("max_usd")
    if tokens is not None and not (
        isinstance(tokens, int) and not isinstance(tokens, bool) and tokens > 0
    ):
        problems.append(f"budget.max_tokens: must be a whole number > 0, not {tokens!r}")
        tokens = None
    if usd is not None and not (
        isinstance(usd, int | float) and not isinstance(usd, bool) and usd > 0
    ):
        problems.append(f"budget.max_usd: must be a number > 0, not {usd!r}")
        usd = None
    return SweepBudget(max_tokens=tokens, max_usd=None if usd is None else float(usd))
