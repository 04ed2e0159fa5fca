"""Helpers for the cashloop-dask tests, importable by the Dask worker processes too (the
fixtures put this folder on their ``PYTHONPATH``): an rtgs evaluator that records where it is
unpickled and can kill the worker running it, and a task that fails once."""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from cashloop.plugin import EvaluatorSpec, hookimpl

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
#: set (to "1") in the environment of the worker that a ``die_marker`` evaluator kills
VICTIM_ENV = "CASHLOOP_DASK_TEST_VICTIM"


def require_dask() -> None:
    """Skip the calling test module without cashloop-dask, or fail where servers are required.

    Only looks for the packages: importing Dask at collection would import the
    ``importlib_metadata`` backport, whose finder changes what every later test of the session
    sees of installed distributions."""
    missing = [name for name in ("cashloop_dask", "distributed") if find_spec(name) is None]
    if not missing:
        return
    message = f"cashloop-dask is not installed (no {', '.join(missing)}): " + (
        "pip install -e ./contrib/cashloop-dask"
    )
    if os.environ.get("CASHLOOP_REQUIRE_SERVERS") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)


class WatchedRtgs:
    """The real rtgs evaluator, plus: each unpickling appends this process's id to
    ``unpickle_log``; with ``die_marker`` set, the first ``evaluate`` in a process whose
    environment names it the victim creates the marker and kills that process (SIGKILL)."""

    def __init__(self, inner: Any, unpickle_log: str, die_marker: str | None = None) -> None:
        self.inner = inner
        self.unpickle_log = unpickle_log
        self.die_marker = die_marker

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        with open(self.unpickle_log, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")

    def __getattr__(self, name: str) -> Any:  # the evaluator's optional methods (validate, ...)
        if name.startswith("__") or name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def agents(self) -> Sequence[str]:
        return self.inner.agents()  # type: ignore[no-any-return]

    def initial_policy(self, agent_id: str) -> dict[str, Any]:
        return self.inner.initial_policy(agent_id)  # type: ignore[no-any-return]

    def policy_schema(self) -> str:
        return self.inner.policy_schema()  # type: ignore[no-any-return]

    def describe(self) -> str:
        return self.inner.describe()  # type: ignore[no-any-return]

    def evaluate(self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]) -> Any:
        marker = self.die_marker
        if marker and os.environ.get(VICTIM_ENV) == "1" and not os.path.exists(marker):
            Path(marker).write_text(str(os.getpid()), encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)
        return self.inner.evaluate(policies, seeds)


def unpickled_in(log: Path) -> list[int]:
    """The process ids that unpickled a :class:`WatchedRtgs` writing ``log``, in order."""
    if not log.exists():
        return []
    return [int(line) for line in log.read_text(encoding="utf-8").split()]


def watched_rtgs(unpickle_log: Path, die_marker: Path | None = None) -> WatchedRtgs:
    """castro_exp2's rtgs evaluator, built exactly as a run builds it, wrapped."""
    import cashloop_rtgs.plugin
    from cashloop.testing import collect_specs, run_component

    (spec,) = collect_specs(cashloop_rtgs.plugin, "register_evaluators")
    inner = run_component(spec, {"scenario": "scenarios/castro_exp2.yaml"}, EXAMPLES)
    return WatchedRtgs(inner, str(unpickle_log), str(die_marker) if die_marker else None)


class WatchedRtgsPlugin:
    """Registers evaluator type ``watched-rtgs`` (options: ``unpickle_log``, ``die_marker``)."""

    @hookimpl
    def register_evaluators(self) -> list[EvaluatorSpec]:
        def factory(options: dict[str, Any]) -> WatchedRtgs:
            marker = options.get("die_marker")
            return watched_rtgs(Path(options["unpickle_log"]), Path(marker) if marker else None)

        return [EvaluatorSpec(name="watched-rtgs", factory=factory)]


def fails_once(marker: str, value: int) -> int:
    """Raises the first time it runs (anywhere: the marker is a file), returns ``value`` after."""
    if not os.path.exists(marker):
        Path(marker).touch()
        raise RuntimeError("a transient failure")
    return value


def castro_exp2(tmp_path: Path, executor: Mapping[str, Any], **evaluation: Any) -> dict[str, Any]:
    """castro_exp2 for 3 iterations at 6 samples, every batch shipped to the executor."""
    import yaml

    data = yaml.safe_load((EXAMPLES / "castro_exp2.yaml").read_text(encoding="utf-8"))
    data["evaluator"]["scenario"] = str(EXAMPLES / "scenarios" / "castro_exp2.yaml")
    data["evaluation"].update({"num_samples": 6, "min_batch_ms": 0, **evaluation})
    data["convergence"]["max_iterations"] = 3
    data["outputs"] = ["silent"]
    data["storage"] = {"type": "sqlite", "path": str(tmp_path / "cashloop.db")}
    data["executor"] = dict(executor)
    return dict(data)


def strip_run_id(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "run_id"} for e in events]
