"""The dashboard's JSON API and assets, through Starlette's test client (no browser needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient

from cashloop.ui.app import create_app


@pytest.fixture
def stored(campaign_dir: Path, cli: Callable[..., Any]) -> tuple[Path, str]:
    db = campaign_dir / "runs.db"
    done = cli("run", "base.yaml", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    return db, json.loads(done.stdout)["run_id"]


def test_runs_run_and_call_answers(stored: tuple[Path, str]) -> None:
    db, run_id = stored
    with TestClient(create_app(db)) as client:
        runs = client.get("/api/runs").json()
        assert [r["run_id"] for r in runs["runs"]] == [run_id] and runs["sweeps"] == []
        run = client.get("/api/run", params={"id": run_id}).json()
        assert run["agents"] == ["BANK_A", "BANK_B"] and not run["being_written"]
        assert len(run["iterations"]) == run["summary"]["iterations"] == 3
        assert run["decisions"] and {"lower", "upper", "samples"} <= set(run["decisions"][0])
        assert run["summary"]["provenance"]["evaluator"]["name"] == "rtgs"
        assert "user_prompt" not in run["calls"][0]  # prompts come one call at a time
        call = client.get("/api/call", params={"id": run_id, "n": 0}).json()
        assert call["agent_id"] in ("BANK_A", "BANK_B") and "user_prompt" in call
        assert client.get("/api/run", params={"id": "nope"}).status_code == 404
        assert client.get("/api/call", params={"id": run_id, "n": 999}).status_code == 404
        assert client.get("/api/sweep", params={"name": "nope"}).status_code == 404


def test_pages_and_assets_are_served_from_the_package(stored: tuple[Path, str]) -> None:
    db, _ = stored
    with TestClient(create_app(db)) as client:
        for page in ("/", "/run", "/sweep"):
            html = client.get(page)
            assert html.status_code == 200 and "/static/common.js" in html.text
            assert "http://" not in html.text and "https://" not in html.text  # nothing external
        for asset in ("common.js", "charts.js", "run.js", "index.js", "sweep.js", "style.css"):
            assert client.get(f"/static/{asset}").status_code == 200


def test_campaign_extras_are_not_imported_for_help() -> None:
    probe = (
        "import sys; from cashloop.cli.main import main; main(['--help']);"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'starlette', 'uvicorn', 'pyarrow', 'pandas', 'selenium')"
        " or m.startswith('cashloop.campaigns') or m.startswith('cashloop.ui')];"
        "print(heavy, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"
