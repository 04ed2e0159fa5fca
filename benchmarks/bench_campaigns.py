"""Campaign costs: what a sweep adds per cell over plain ``cashloop run``s, and how long compare,
export and the dashboard's run API take over the resulting store.

    .venv/bin/python benchmarks/bench_campaigns.py [--cells 4] [--iterations 5]

The cells are castro_exp2 offline (local search, silent output), one per seed. Timed: the cells
as separate ``cashloop run`` processes one after the other; the same cells as one ``cashloop
sweep`` with --parallel 1 and with --parallel 2 (each in a fresh database); then, in-process over
the sweep's store, compare, a CSV export and one /api/run answer of the dashboard (needs
cashloop[ui]). Only public tools are used.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CASHLOOP = Path(sys.executable).parent / "cashloop"


def _timed(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(ROOT / "examples" / "scenarios", folder / "scenarios")
        base = yaml.safe_load((ROOT / "examples" / "castro_exp2.yaml").read_text())
        base.update(outputs=["silent"])
        base["convergence"] = {"max_iterations": args.iterations, "stability_window": 50}
        (folder / "base.yaml").write_text(yaml.safe_dump(base))
        seeds = f"1..{args.cells}"
        (folder / "sweep.yaml").write_text(
            yaml.safe_dump({"name": "bench", "base": "base.yaml", "seeds": seeds})
        )
        runs = sum(
            _timed([str(CASHLOOP), "run", "base.yaml", "--seed", str(s), "--db", "runs.db"], folder)
            for s in range(1, args.cells + 1)
        )
        print(f"{args.cells} x cashloop run, one after the other: {runs:.2f} s")
        for parallel in (1, 2):
            db = f"sweep{parallel}.db"
            took = _timed(
                [str(CASHLOOP), "sweep", "sweep.yaml", "--db", db, "--parallel", str(parallel)],
                folder,
            )
            print(
                f"cashloop sweep --parallel {parallel}: {took:.2f} s "
                f"({(took - runs) / args.cells * 1000:+.0f} ms per cell against the runs)"
            )
        _read_side(folder / "sweep1.db", folder)


def _read_side(db: Path, folder: Path) -> None:
    from cashloop.campaigns.compare import compare_runs
    from cashloop.campaigns.export import export_tables
    from cashloop.campaigns.runs import load_runs, open_repository, run_ids_of_sweep

    with open_repository(db) as repo:
        started = time.perf_counter()
        runs = load_runs(repo, run_ids_of_sweep(repo, "bench"))
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        compare_runs(runs)
        compared = time.perf_counter() - started
        started = time.perf_counter()
        export_tables(runs, folder / "export", "csv")
        exported = time.perf_counter() - started
    events = sum(len(r.events) for r in runs)
    print(f"load {len(runs)} runs ({events} events): {loaded * 1000:.1f} ms; compare "
          f"{compared * 1000:.1f} ms; CSV export {exported * 1000:.1f} ms")  # fmt: skip
    try:
        from starlette.testclient import TestClient

        from cashloop.ui.app import create_app
    except ImportError:
        print("dashboard: skipped (pip install 'cashloop[ui]')")
        return
    with TestClient(create_app(db)) as client:
        client.get("/api/run", params={"id": runs[0].run_id})
        times = []
        for _ in range(20):
            started = time.perf_counter()
            client.get("/api/run", params={"id": runs[0].run_id}).raise_for_status()
            times.append(time.perf_counter() - started)
    times.sort()
    print(f"dashboard /api/run of one run: median {times[10] * 1000:.1f} ms over 20 requests")


if __name__ == "__main__":
    main()
