from __future__ import annotations

import pytest
from state_provider_helpers import FractionProposer


@pytest.fixture
def mock_llm_client() -> FractionProposer:
    return FractionProposer(0.3)


@pytest.fixture
def mock_llm_returns_invalid() -> FractionProposer:
    """Proposes a fraction above the allowed maximum, so the bounds validator rejects it."""
    return FractionProposer(1.5)
