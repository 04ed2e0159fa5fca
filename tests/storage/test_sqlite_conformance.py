"""The ``sqlite`` backend passes the storage conformance kit."""

from __future__ import annotations

from pathlib import Path

import pytest

from cashloop.testing.storage_kit import StorageBackendConformance


class TestSqliteConformance(StorageBackendConformance):
    @pytest.fixture
    def storage_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'kit.db'}"
