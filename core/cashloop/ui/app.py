"""The dashboard's ASGI app (Starlette): pages, static assets and a JSON API over one run store.

The store is opened once, read-only in practice (nothing here writes), and read afresh on every
request, so runs and sweeps written by other processes appear while the page is open; the pages
poll the API.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cashloop.campaigns.compare import compare_runs
from cashloop.campaigns.runs import load_runs, open_repository, sweep_of
from cashloop.errors import UserError
from cashloop.ui.data import call_detail, run_list_row, run_view, sweep_rows

__all__ = ["STATIC", "create_app"]

STATIC = Path(__file__).with_name("static")


def create_app(db_path: Path) -> Starlette:
    """The dashboard over the run database at ``db_path`` (which must exist)."""
    repo = open_repository(db_path)

    def page(name: str) -> Any:
        async def serve(request: Request) -> Response:
            return FileResponse(STATIC / name, headers={"Cache-Control": "no-store"})

        return serve

    def runs(request: Request) -> Response:
        rows = [run_list_row(r) for r in repo.list_runs()]
        return JSONResponse(
            {"database": str(repo.db_path), "runs": rows, "sweeps": sweep_rows(rows)}
        )

    def run(request: Request) -> Response:
        run_id = request.query_params.get("id", "")
        try:
            (stored,) = load_runs(repo, [run_id])
        except UserError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        provider = repo.as_state_provider(stored.run_id)
        return JSONResponse(run_view(stored, being_written=provider.is_being_written()))

    def call(request: Request) -> Response:
        try:
            (stored,) = load_runs(repo, [request.query_params.get("id", "")])
            detail = call_detail(stored, int(request.query_params.get("n", "-1")))
        except (UserError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        if detail is None:
            return JSONResponse({"error": "no such LLM call"}, status_code=404)
        return JSONResponse(detail)

    def sweep(request: Request) -> Response:
        name = request.query_params.get("name", "")
        ids = sorted(r.run_id for r in repo.list_runs() if sweep_of(r.run_id) == name)
        if not ids:
            return JSONResponse({"error": f"no sweep named {name!r}"}, status_code=404)
        runs = load_runs(repo, ids)
        cells = [run_list_row(r.record) for r in runs]
        return JSONResponse({"sweep": name, "compare": compare_runs(runs), "cells": cells})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        try:
            yield
        finally:
            repo.close()

    return Starlette(
        routes=[
            Route("/", page("index.html")),
            Route("/run", page("run.html")),
            Route("/sweep", page("sweep.html")),
            Route("/api/runs", runs),
            Route("/api/run", run),
            Route("/api/call", call),
            Route("/api/sweep", sweep),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
