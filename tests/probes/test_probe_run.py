"""The scheduler: facts, follow-ups at the right chain position, bugs surfacing, no Textual."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.probes.run import Facts, ProbeRun
from s3repl_tui.probes.trace import ChainPosition


def _run() -> ProbeRun:
    connection = SimpleNamespace(options=ConnectOptions(), dest=None)
    return ProbeRun(cast(Connection, connection), "b")


def test_a_follow_up_starts_after_the_latest_of_its_facts() -> None:
    run = _run()
    seen: list[tuple[Facts, ChainPosition]] = []
    run.when(["a", "b"], lambda facts: seen.append((facts, run.tracer.position())))
    run.submit(lambda: run.settle("a", 1), ChainPosition(1, None))
    run.submit(lambda: run.settle("b", 2), ChainPosition(3, None))
    run.wait(None)

    assert seen == [({"a": 1, "b": 2}, ChainPosition(3, None))]


def test_a_follow_up_on_facts_already_settled_starts_at_once() -> None:
    run = _run()
    seen: list[int] = []

    def settle_then_wait() -> None:
        run.settle("a", 5)
        run.when(["a"], lambda facts: seen.append(facts["a"]))

    run.submit(settle_then_wait)
    run.wait(None)
    assert seen == [5]


def test_a_claim_is_granted_once() -> None:
    run = _run()
    assert run.claim("key:k") and not run.claim("key:k")


def test_a_bug_in_a_task_is_raised_once_the_others_are_done() -> None:
    run = _run()
    finished: list[str] = []

    def broken() -> None:
        raise ZeroDivisionError("bug")

    run.submit(broken)
    run.submit(lambda: finished.append("other"))
    with pytest.raises(ZeroDivisionError):
        run.wait(None)
    assert finished == ["other"]
