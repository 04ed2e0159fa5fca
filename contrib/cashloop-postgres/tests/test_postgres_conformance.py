"""The ``postgres`` backend passes the storage conformance kit against a real server."""

from __future__ import annotations

import pytest

from cashloop.testing.storage_kit import StorageBackendConformance


class TestPostgresConformance(StorageBackendConformance):
    @pytest.fixture
    def storage_url(self, pg_url: str) -> str:
        return pg_url
