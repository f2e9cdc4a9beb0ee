"""The sandbox endpoint is recognised by its loopback host, never by a name that only looks local."""

from __future__ import annotations

import pytest

from s3repl_tui.sandbox.emulation import is_sandbox_endpoint


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5000", "http://127.0.0.1", "https://localhost:4566", "http://LOCALHOST:1",
    "http://[::1]:8080", "127.0.0.1:9000", "http://127.3.4.5:80/", "http://s3.localhost:4566",
])
def test_loopback_endpoints_are_the_sandbox(url: str) -> None:
    assert is_sandbox_endpoint(url)


@pytest.mark.parametrize("url", [
    None, "", "https://s3.us-east-1.amazonaws.com", "https://localhost.example.com",
    "http://10.0.0.5:9000", "http://127.0.0.1.nip.io", "http://[::2]:80", "not a url at all", "http://[bad",
])
def test_other_endpoints_are_not(url: str | None) -> None:
    assert not is_sandbox_endpoint(url)
