"""The ``dask`` executor: a run's evaluations on a Dask cluster, local or existing.

Select it in an experiment config::

    executor: {type: dask, workers: 4}                          # a local cluster, started on need
    executor: {type: dask, address: "tcp://10.0.0.5:8786"}      # an existing scheduler

Importing this package stays cheap: Dask itself is imported when an executor is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cashloop.plugin import ExecutorSpec, hookimpl
from cashloop_dask.options import DaskOptions

if TYPE_CHECKING:
    from cashloop_dask.executor import DaskExecutor

__all__ = ["DaskOptions", "create_dask_executor", "register_executors"]


def create_dask_executor(options: DaskOptions) -> DaskExecutor:
    """The executor for ``options``; with ``address`` it connects now, so that an unreachable
    scheduler is reported before the run starts (a local cluster starts at the first batch)."""
    from cashloop_dask.executor import DaskExecutor

    return DaskExecutor.from_options(options)


@hookimpl
def register_executors() -> Iterable[ExecutorSpec]:
    return [
        ExecutorSpec(
            name="dask",
            factory=create_dask_executor,
            options=DaskOptions,
            description="run evaluations on a Dask cluster: a local one, or an existing "
            "scheduler at `address` (cashloop-dask)",
        )
    ]
