"""Where runs are stored: storage URLs, the one default rule, and the CLI's storage options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cashloop.cli.main import main
from cashloop.errors import UserError
from cashloop.persistence.location import default_location, parse_storage_url

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_a_sqlite_url_names_a_file_relative_or_absolute(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_storage_url("sqlite:///runs/my.db").options == {
        "path": str(tmp_path / "runs" / "my.db")
    }
    assert parse_storage_url("sqlite:////srv/all.db").options == {"path": "/srv/all.db"}


def test_a_postgresql_url_names_the_postgres_backend_with_that_url() -> None:
    location = parse_storage_url("postgresql://me@db.example:5433/runs?sslmode=require")
    assert location.type == "postgres"
    assert location.options == {"url": "postgresql://me@db.example:5433/runs?sslmode=require"}


def test_type_key_value_pairs_are_read_as_yaml_scalars() -> None:
    location = parse_storage_url("sqlite:path=a.db,durability=full,retries=3,flag=true")
    assert location.type == "sqlite"
    assert location.options == {"path": "a.db", "durability": "full", "retries": 3, "flag": True}
    assert parse_storage_url("example-jsondir").options == {}


def test_a_malformed_url_is_a_user_error_naming_the_option() -> None:
    with pytest.raises(UserError, match=r"--storage: 'root' in 'x:root' is not KEY=VALUE"):
        parse_storage_url("x:root")


def test_a_password_is_masked_when_a_location_is_described() -> None:
    described = parse_storage_url("postgresql://me:s3cret@db/runs").describe()
    assert "s3cret" not in described and "me:***@db/runs" in described


def test_the_default_is_cashloop_storage_then_cashloop_db_then_results_here(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASHLOOP_STORAGE", raising=False)
    monkeypatch.delenv("CASHLOOP_DB", raising=False)
    assert default_location().options == {"path": str(tmp_path / "results" / "cashloop.db")}
    monkeypatch.setenv("CASHLOOP_DB", "other.db")
    assert default_location().options == {"path": str(tmp_path / "other.db")}
    monkeypatch.setenv("CASHLOOP_STORAGE", "example-jsondir:root=runs")
    assert default_location().type == "example-jsondir"


def test_two_storage_choices_at_once_are_a_usage_error(capsys) -> None:
    assert main(["runs", "--db", "a.db", "--storage", "sqlite:///b.db"]) == 2
    assert "--storage and --db both choose the storage" in capsys.readouterr().err


def test_runs_reads_the_storage_section_of_a_config(tmp_path: Path, capsys) -> None:
    config = tmp_path / "exp.yaml"
    config.write_text("storage: {type: example-jsondir, root: runs}\n")
    assert main(["runs", "--config", str(config), "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"  # the jsondir root, relative to the config


def test_a_run_on_another_backend_never_imports_sqlite3(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from cashloop.cli.main import main\n"
        f"code = main(['run', {str(EXAMPLES / 'castro_exp1.yaml')!r}, '--storage', "
        f"'example-jsondir:root={tmp_path / 'runs'}'])\n"
        "assert code == 0, code\n"
        "print('sqlite3' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
