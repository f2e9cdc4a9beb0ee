"""Shared fixtures: one moto sandbox per test process, emptied before each test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed

_AWS_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """An empty two-account sandbox, with the AWS environment pointing at it and nothing else."""
    sandbox_server.reset()
    middleware = sandbox_server.middleware
    middleware.latency_seconds = 0.0
    middleware.fault_hooks.clear()
    middleware.cross_account_guard = True
    for name in _AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in sandbox_server.env().items():
        monkeypatch.setenv(name, value)
    return sandbox_server


@pytest.fixture
def seed(sandbox: Sandbox) -> SeedSetup:
    """The seed's working two-account setup, built in the emptied sandbox."""
    return build_seed(sandbox)


@pytest.fixture
def connection(sandbox: Sandbox, seed: SeedSetup) -> Connection:
    """Both accounts' sessions on the seed, with the sandbox's call counts zeroed after opening them."""
    opened = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    sandbox.middleware.reset_counts()
    return opened


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state directory of the test's own (fix sets, audit log, locks): XDG_STATE_HOME points at it."""
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home
