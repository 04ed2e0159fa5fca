"""Cost of the console output: rendering one stored run's events, as ``cashloop run`` and
``cashloop replay`` print them.

    .venv/bin/python benchmarks/bench_console.py [--iterations 30] [--repeat 5] [--verbose]

A castro_exp2 run (50 samples, silent output) is made once into a temporary database; its event
log is then rendered --repeat times through the ``console`` output handler into a file, and the
median time per iteration is printed (with ``--verbose``: every verbose flag on). Only public
tools are used.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_loop import _config  # noqa: E402
from cashloop.persistence import ExperimentRepository  # noqa: E402
from cashloop.runner.experiment_runner import GenericExperimentRunner  # noqa: E402
from cashloop.runner.verbose import VerboseConfig  # noqa: E402
from cashloop_console.handler import ConsoleOutput  # noqa: E402
from cashloop_console.options import ConsoleOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="every verbose flag on")
    args = parser.parse_args()
    verbose = VerboseConfig.all_enabled() if args.verbose else VerboseConfig()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        config = _config(50, args.iterations, {"type": "serial"}, db)
        result = asyncio.run(GenericExperimentRunner(config).run())
        repository = ExperimentRepository(db)
        events = list(repository.as_state_provider(result.run_id).get_all_events())
        repository.close()
        seconds = []
        out = Path(tmp) / "out.txt"
        for _ in range(args.repeat):
            with out.open("w") as sink:
                handler = ConsoleOutput(ConsoleOptions(verbose=verbose, progress=False))
                handler.console.file = sink
                started = time.perf_counter()
                for event in events:
                    data = {k: v for k, v in event.items() if k not in ("event_type", "iteration")}
                    handler.record_event(event["iteration"], event["event_type"], data)
                seconds.append(time.perf_counter() - started)
        lines = len(out.read_text().splitlines())
    per_iteration = statistics.median(seconds) / args.iterations
    flags = "all verbose flags" if args.verbose else "default verbosity"
    print(f"console output, castro_exp2, {args.iterations} iterations, {flags}")
    print(f"  {len(events)} events, {lines} lines of output")
    print(f"  render time per iteration   median {1000 * per_iteration:.2f} ms")


if __name__ == "__main__":
    main()
