"""`s3repl-tui` hands a bucket picked for setup to `init`, with the same connection flags."""

from __future__ import annotations

import argparse

import pytest

from s3repl_tui.commands import init, tui


def test_a_bucket_picked_for_setup_runs_init_with_the_same_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[argparse.Namespace] = []
    monkeypatch.setattr(init, "run", lambda args: seen.append(args) or 0)
    args = argparse.Namespace(source_profile="prod-a", dest_profile="dr-b", region=None, endpoint_url="http://x:1")

    assert tui.run_setup(args, "orders-prod") == 0

    (given,) = seen
    assert (given.command, given.source_bucket) == ("init", "orders-prod")
    assert (given.source_profile, given.dest_profile, given.endpoint_url) == ("prod-a", "dr-b", "http://x:1")
    assert given.region is None and not given.plan_only and not given.yes  # init's own defaults
