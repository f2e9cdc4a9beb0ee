"""Shared fixtures: one moto sandbox per test process, emptied before each test that uses it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from s3repl_tui.sandbox import Sandbox

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
