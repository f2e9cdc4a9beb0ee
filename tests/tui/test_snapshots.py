"""Snapshots of the main states at 120×40, from hand-built reports (no clock, no random ids, spinners
frozen). Update after a deliberate change with ``pytest tests/tui --snapshot-update``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from s3repl_tui.app import S3ReplApp
from s3repl_tui.checks.model import Report
from s3repl_tui.screens.confirm import ConfirmScreen
from s3repl_tui.screens.detail import LayerDetailScreen
from s3repl_tui.screens.help import HelpScreen

from .helpers import diagnosed, wait_for
from .reports import SOURCE_BUCKET, FakeBackend, all_green, all_red, mixed

SIZE = (120, 40)
Compare = Callable[..., bool]


def app_for(report: Report) -> S3ReplApp:
    app = S3ReplApp(FakeBackend([report]), source_bucket=SOURCE_BUCKET, spinners=False)
    app.clock = lambda: "12:00:00"  # the status line's "last probe": no clock in a snapshot
    return app


def then(*keys: str, until: Callable[[S3ReplApp], bool] = diagnosed) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, S3ReplApp)
        await wait_for(pilot, lambda: diagnosed(app), what="the diagnosis")
        for key in keys:
            await pilot.press(key)
        await wait_for(pilot, lambda: until(app), what=f"the state after {keys}")
        await pilot.pause(0.1)

    return run_before


def test_all_red(snap_compare: Compare) -> None:
    assert snap_compare(app_for(all_red()), terminal_size=SIZE, run_before=then())


def test_mixed_with_the_missing_statement(snap_compare: Compare) -> None:
    assert snap_compare(app_for(mixed()), terminal_size=SIZE, run_before=then("down", "down", "down"))


def test_statement_at_fault_marked(snap_compare: Compare) -> None:
    run_before = then("j", "j", "j", "j", "enter", until=lambda app: isinstance(app.screen, LayerDetailScreen))
    assert snap_compare(app_for(all_red()), terminal_size=SIZE, run_before=run_before)


def test_all_green(snap_compare: Compare) -> None:
    assert snap_compare(app_for(all_green()), terminal_size=SIZE, run_before=then())


def test_confirm_dialog(snap_compare: Compare) -> None:
    run_before = then("F", until=lambda app: isinstance(app.screen, ConfirmScreen))
    assert snap_compare(app_for(all_red()), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare: Compare) -> None:
    run_before = then("question_mark", until=lambda app: isinstance(app.screen, HelpScreen))
    assert snap_compare(app_for(all_red()), terminal_size=SIZE, run_before=run_before)
