"""Probe fixtures on top of tests/conftest.py's sandbox (one moto server per process, reset per test)."""

from __future__ import annotations

import pytest
from probe_helpers import open_connection

from s3repl_tui.aws import Connection
from s3repl_tui.sandbox import Sandbox, SeedSetup, build_seed


@pytest.fixture
def seed(sandbox: Sandbox) -> SeedSetup:
    return build_seed(sandbox)


@pytest.fixture
def connection(sandbox: Sandbox, seed: SeedSetup) -> Connection:
    return open_connection(sandbox)


