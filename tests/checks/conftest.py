"""Fixtures of the checks' unit tests (the builders live in checks_helpers)."""

from __future__ import annotations

import pytest
from checks_helpers import Seed


@pytest.fixture
def seed() -> Seed:
    return Seed()
