"""Writing the tidy tables to files: CSV, JSON lines, or Parquet (pyarrow, the
``cashloop[parquet]`` extra)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cashloop.campaigns.runs import StoredRun
from cashloop.campaigns.tables import TABLES, columns, table_rows
from cashloop.errors import UserError

__all__ = ["FORMATS", "export_tables"]

FORMATS = ("csv", "jsonl", "parquet")


def export_tables(
    runs: Sequence[StoredRun], out: Path, fmt: str, *, prompts: bool = False
) -> list[Path]:
    """Write every table of ``runs`` under ``out``; return the files written."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    writer = {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet}[fmt]
    if fmt == "parquet":
        _require_pyarrow()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        path = out / f"{table}.{fmt}"
        writer(path, columns(table, prompts=prompts), table_rows(table, runs, prompts=prompts))
        written.append(path)
    return written


def _csv(path: Path, schema: dict[str, str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fieldnames=list(schema))
        out.writeheader()
        for row in rows:
            out.writerow({k: "" if v is None else v for k, v in row.items()})


def _jsonl(path: Path, schema: dict[str, str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise UserError("--format parquet needs pyarrow: pip install 'cashloop[parquet]'") from None


def _parquet(path: Path, schema: dict[str, str], rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}
    arrow_schema = pa.schema([(name, types[kind]) for name, kind in schema.items()])
    table = pa.Table.from_pylist(rows, schema=arrow_schema)
    pq.write_table(table, path)
