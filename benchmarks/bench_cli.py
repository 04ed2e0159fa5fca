"""Whole-process wall time of the ``cashloop`` command: ``--help`` and the README's main run.

    .venv/bin/python benchmarks/bench_cli.py [--runs 7]

Each command is started ``--runs`` times after one warm-up (not counted), the commands taking
turns so that a change in the machine's speed affects all alike; medians and ranges are printed.
Start-up (imports, plugin discovery) is part of what a user waits for, so it is included. The
runs are the README's main command (castro_exp2 on the embedded defaults, offline) and the same at
50 samples, with the default console output and with ``outputs: [silent]``. Only public tools
are used.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASHLOOP = Path(sys.executable).parent / "cashloop"


def _commands(db_dir: Path) -> dict[str, list[str]]:
    run = [str(CASHLOOP), "run", str(ROOT / "examples/castro_exp2.yaml")]
    fifty = [*run, "--set", "evaluation.num_samples=50"]
    return {
        "cashloop --help": [str(CASHLOOP), "--help"],
        "main command (README)": [*run, "--db", str(db_dir / "main.db")],
        "50 samples, console": [*fifty, "--db", str(db_dir / "console.db")],
        "50 samples, silent": [*fifty, "--set", "outputs=[silent]", "--db", str(db_dir / "s.db")],
    }


def _timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        commands = _commands(Path(tmp))
        for argv in commands.values():
            _timed(argv)  # warm-up: file caches, bytecode
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(_timed(argv))
    print(f"whole process, medians of {args.runs} (min-max)")
    for name, walls in times.items():
        print(f"  {name:<28} {statistics.median(walls):.3f} s ({min(walls):.3f}-{max(walls):.3f})")


if __name__ == "__main__":
    main()
