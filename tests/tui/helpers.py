"""Waiting in Pilot tests: poll a condition instead of sleeping a guessed time."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from s3repl_tui.app import S3ReplApp
from s3repl_tui.screens.confirm import ConfirmScreen
from s3repl_tui.screens.main import MainScreen


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


def diagnosed(app: S3ReplApp) -> bool:
    return app.diagnosis is not None and app.diagnosis.final and not app.probing and app.busy is None


async def wait_diagnosed(pilot: Pilot[None], app: S3ReplApp, timeout: float = 20.0) -> None:
    await wait_for(pilot, lambda: diagnosed(app), timeout, "the diagnosis")


async def fix_all(pilot: Pilot[None], app: S3ReplApp, calls: list[str], applied: str = "apply") -> None:
    """F, then yes at the confirmation; returns once ``calls`` holds a call starting with ``applied`` and
    the app has probed again."""
    await pilot.press("F")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
    await pilot.press("y")
    await wait_for(pilot, lambda: any(call.startswith(applied) for call in calls), what=applied)
    await wait_diagnosed(pilot, app)


def main_screen(app: S3ReplApp) -> MainScreen:
    screen = app.main_screen
    assert screen is not None
    return screen


def plain(widget: Static, width: int = 118) -> str:
    """What a Static shows, as plain text (Rich renderables included)."""
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def status_text(app: S3ReplApp) -> str:
    return plain(main_screen(app).query_one("#status-line", Static))


def layer_statuses(app: S3ReplApp) -> dict[str, str]:
    assert app.diagnosis is not None
    return {layer.id: layer.status for layer in app.diagnosis.report.layers}


def notifications(app: S3ReplApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]
