"""The scan screen (``tui --scan``, ``s`` on the start screen) on the sandbox: the table fills in as
buckets are judged, enter opens the layer walk of the highlighted bucket, escape comes back to the table."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from s3repl_tui.app import S3ReplApp
from s3repl_tui.aws import ConnectOptions
from s3repl_tui.commands.tui import scanner
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.middleware import FaultResponse, SandboxRequest, error_response
from s3repl_tui.screens.backend import LiveBackend
from s3repl_tui.screens.main import MainScreen
from s3repl_tui.screens.scan import ScanScreen
from s3repl_tui.screens.start import BucketPickerScreen

from .helpers import plain, wait_diagnosed, wait_for

BROKEN = "scan-broken-src"
LOCKED = "scan-locked"
OPTIONS = ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE)


def _replicated(sandbox: Sandbox, seed: SeedSetup, name: str) -> None:
    s3: Any = sandbox.session(SOURCE_PROFILE).client("s3", region_name=seed.source_region)
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket=name, ReplicationConfiguration=seed.documents["replication"])


def _deny_locked(request: SandboxRequest) -> FaultResponse | None:
    if request.bucket == LOCKED and request.operation == "s3:GET bucket?replication":
        return error_response(403, "s3", "AccessDenied", "Access Denied")
    return None


@pytest.fixture
def account(sandbox: Sandbox, seed: SeedSetup) -> SeedSetup:
    _replicated(sandbox, seed, BROKEN)
    _replicated(sandbox, seed, LOCKED)
    sandbox.middleware.fault_hooks.append(_deny_locked)
    return seed


def _app(scan_first: bool = True) -> S3ReplApp:
    return S3ReplApp(LiveBackend(OPTIONS), spinners=False, make_scanner=lambda: scanner(OPTIONS),
                     scan_first=scan_first)


def _table_rows(screen: ScanScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(getattr(cell, "plain", cell)) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_scan_table_then_the_layer_walk_of_a_row_and_back(account: SeedSetup) -> None:
    app = _app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        await wait_for(pilot, lambda: not screen.scanning and len(screen.rows) == 3, timeout=60, what="the scan")
        rows = _table_rows(screen)
        # Failing first, then unknown, then passing: verdict, bucket, failing layers, destinations.
        assert [row[:2] for row in rows] == [["✗ fail", BROKEN], ["? unknown", LOCKED],
                                             ["✓ pass", account.source_bucket]]
        assert "service-role" in rows[0][2] and rows[0][3] == "-" and rows[0][4] == account.dest_bucket
        assert rows[1][2].startswith("unknown: GetBucketReplication answered AccessDenied")
        status = plain(screen.query_one("#scan-status", Static))
        assert "Checked 3 of 3 buckets" in status and "3 with replication: 1 fail, 1 unknown, 1 pass" in status

        await pilot.press("enter")  # the cursor is on the first row: the failing bucket
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), what="the layer walk")
        assert isinstance(app.screen, MainScreen) and app.screen.bucket == BROKEN
        await wait_diagnosed(pilot, app, timeout=60)
        assert app.diagnosis is not None and app.diagnosis.report.layer("service-role").status == "fail"

        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back to the scan")
        assert app.bucket is None and app.diagnosis is None
        await pilot.press("down", "down", "enter")  # another row opens its own walk, not the old one's
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), what="the second walk")
        await wait_diagnosed(pilot, app, timeout=60)
        assert app.diagnosis is not None and app.diagnosis.report.source.bucket == account.source_bucket
        assert app.diagnosis.report.verdict == "pass"


async def test_s_on_the_start_screen_opens_the_scan_and_escape_goes_back(seed: SeedSetup) -> None:
    app = _app(scan_first=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, BucketPickerScreen), what="the start screen")
        picker = app.screen
        await wait_for(pilot, lambda: picker.query_one("#buckets", OptionList).option_count == 1, what="the list")
        await pilot.press("slash", "s")  # typed into the filter box: not the scan key
        assert picker.query_one("#filter", Input).value == "s" and app.screen is picker
        await pilot.press("escape", "s")
        await wait_for(pilot, lambda: isinstance(app.screen, ScanScreen), what="the scan screen")
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        await wait_for(pilot, lambda: not screen.scanning and bool(screen.rows), timeout=60, what="the scan")
        assert [row[:2] for row in _table_rows(screen)] == [["✓ pass", seed.source_bucket]]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is picker, what="back to the start screen")


async def test_a_scan_that_cannot_connect_says_why_and_r_tries_again(sandbox: Sandbox) -> None:
    options = ConnectOptions(source_profile="no-such-profile")
    app = S3ReplApp(LiveBackend(options), spinners=False, make_scanner=lambda: scanner(options), scan_first=True)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        await wait_for(pilot, lambda: screen.failed is not None, what="the failure")
        status = plain(screen.query_one("#scan-status", Static))
        assert "Scan stopped: The AWS profile 'no-such-profile' does not exist." in status
        assert "Press r to try again." in status and not screen.scanning
