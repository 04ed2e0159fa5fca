"""A seeded fuzz of the example configs: ``validate`` and ``run`` agree on every mutation, and
neither ever fails with a traceback (an exception that is not a user error)."""

from __future__ import annotations

import copy
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cashloop.cli.config_check import check_config
from cashloop.config import ExperimentConfig
from cashloop.errors import UserError
from cashloop.host import PluginHost
from cashloop.runner.components import build_components, build_outputs, build_storage
from hostile.hostile_helpers import EXAMPLES

CASES = 300
HOSTILE_VALUES: tuple[Any, ...] = (
    float("inf"),
    float("-inf"),
    float("nan"),
    -1,
    0,
    2**64,
    10**9,
    0.5,
    "text",
    "",
    "\x1b]0;title\x07",
    [],
    [float("nan")],
    {},
    None,
    True,
)

Path_ = tuple[str | int, ...]


def _leaves(node: Any, path: Path_ = ()) -> Iterator[Path_]:
    if isinstance(node, dict):
        if path:
            yield path
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        yield path
        for i, value in enumerate(node):
            yield from _leaves(value, (*path, i))
    else:
        yield path


def _parent(data: Any, path: Path_) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _mutate(data: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], list[str]]:
    mutated = copy.deepcopy(data)
    steps = []
    for _ in range(rng.choice((1, 1, 2))):
        path = rng.choice(list(_leaves(mutated)))
        parent = _parent(mutated, path)
        roll = rng.random()
        if roll < 0.15 and isinstance(parent, dict):
            del parent[path[-1]]
            steps.append(f"delete {path}")
        elif roll < 0.2 and isinstance(parent, dict):
            parent[f"{path[-1]}_extra"] = 1
            steps.append(f"add a key beside {path}")
        else:
            value = rng.choice(HOSTILE_VALUES)
            parent[path[-1]] = copy.deepcopy(value)
            steps.append(f"{path} = {value!r}")
    return mutated, steps


def _run_accepts(config: Path, data: dict[str, Any], db: Path) -> bool:
    """What ``cashloop run`` does before its first iteration: structure the config, load the
    plugins, build every component. True when it would start; False on a user error."""
    try:
        cfg = ExperimentConfig.from_dict(data, base_dir=config.parent, source=str(config))
        host = PluginHost.load(disabled=cfg.plugins.disabled, modules=cfg.plugins.modules)
        components = build_components(cfg, host)
        build_outputs(cfg, host, {})
        build_storage(cfg, host, db).close()
    except UserError:
        return False
    if components.executor is not None:
        components.executor.shutdown(wait=True)
    return True


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(EXAMPLES / "scenarios", folder / "scenarios")
    return folder


@pytest.mark.parametrize("example", ["castro_exp1", "castro_exp2", "castro_exp3"])
def test_validate_and_run_agree_on_mutated_configs(workdir: Path, example: str) -> None:
    base = yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text("utf-8"))
    base["outputs"] = ["silent"]
    rng = random.Random(f"cashloop-config-fuzz-{example}")
    config = workdir / f"{example}.yaml"
    disagreements = []
    for case in range(CASES // 3):
        data, steps = _mutate(base, rng)
        _, problems = check_config(config, data)
        accepted = _run_accepts(config, data, workdir / f"{example}-{case}.db")
        if accepted == bool(problems):
            disagreements.append((steps, problems))
    assert disagreements == []
