"""The ``example-jsondir`` backend passes the storage conformance kit."""

from __future__ import annotations

from pathlib import Path

import pytest

from cashloop.testing.storage_kit import StorageBackendConformance


class TestJsonDirConformance(StorageBackendConformance):
    @pytest.fixture
    def storage_url(self, tmp_path: Path) -> str:
        return f"example-jsondir:root={tmp_path / 'runs'}"
