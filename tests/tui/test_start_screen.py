"""Issue 13.10: the start screen without credentials, esc on its error, `/` to filter, honest labels."""

from __future__ import annotations

from textual.widgets import Input, LoadingIndicator, OptionList, Static

from s3repl_tui.app import S3ReplApp
from s3repl_tui.errors import UserError
from s3repl_tui.screens.backend import BucketChoice, Identities
from s3repl_tui.screens.error import ErrorScreen
from s3repl_tui.screens.main import MainScreen
from s3repl_tui.screens.start import BucketPickerScreen

from .helpers import plain, wait_diagnosed, wait_for
from .reports import SOURCE_BUCKET, FakeBackend, all_red

SIZE = (100, 30)


class NoCredentials(FakeBackend):
    failures = 1

    def connect(self) -> Identities:
        if self.failures:
            self.failures -= 1
            raise UserError("No AWS credentials were found for the source account.", hint="Pass --source-profile.")
        return super().connect()


async def test_no_credentials_reads_plainly_and_esc_leaves_no_spinner() -> None:
    app = S3ReplApp(NoCredentials([all_red()]), spinners=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), what="the error")
        title = str(app.screen.query_one("Vertical").border_title)
        assert "while connecting" not in title and title == "Could not connect"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BucketPickerScreen))
        picker = app.screen
        await wait_for(pilot, lambda: not picker.query_one(LoadingIndicator).display, timeout=5,
                       what="the spinner to stop after esc")
        intro = plain(picker.query_one("#intro", Static))
        assert "No AWS credentials" in intro and "r to try again" in intro
        await pilot.press("r")
        await wait_for(pilot, lambda: picker.query_one("#buckets", OptionList).option_count == 2, what="the buckets")


async def test_slash_filters_the_buckets_and_enter_opens_the_only_match() -> None:
    backend = FakeBackend([all_red()], buckets=(
        BucketChoice(SOURCE_BUCKET, "us-east-1", "configured"),
        BucketChoice("logs", "us-east-1", "not-configured"),
        BucketChoice("orders-archive", "us-east-1", "configured"),
    ))
    app = S3ReplApp(backend, spinners=False)
    async with app.run_test(size=SIZE) as pilot:
        options = app.screen.query_one("#buckets", OptionList)
        await wait_for(pilot, lambda: options.option_count == 3, what="the buckets")
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"arch")
        await pilot.pause(0.05)
        assert options.option_count == 1
        assert "orders-archive" in str(options.get_option_at_index(0).prompt)
        await pilot.press("escape")
        await pilot.pause(0.05)
        assert options.option_count == 3
        await pilot.press("slash", *"src", "enter")
        await wait_diagnosed(pilot, app)
        assert isinstance(app.screen, MainScreen) and app.screen.bucket == SOURCE_BUCKET


async def test_buckets_with_replication_are_not_labelled_as_healthy() -> None:
    app = S3ReplApp(FakeBackend([all_red()]), spinners=False)
    async with app.run_test(size=SIZE) as pilot:
        options = app.screen.query_one("#buckets", OptionList)
        await wait_for(pilot, lambda: options.option_count == 2)
        first = str(options.get_option_at_index(0).prompt)
        assert "has replication" in first
        assert "✓" not in first and "configured" not in first


class ListingFails(FakeBackend):
    def list_buckets(self) -> tuple[BucketChoice, ...]:
        raise UserError("ListBuckets was denied (AccessDenied).")


async def test_a_failed_bucket_listing_stops_the_spinner_and_says_why() -> None:
    app = S3ReplApp(ListingFails([all_red()]), spinners=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "connect" in app.backend.calls)  # type: ignore[attr-defined]
        picker = app.screen
        assert isinstance(picker, BucketPickerScreen)
        await wait_for(pilot, lambda: not picker.query_one(LoadingIndicator).display, what="the spinner to stop")
        assert "ListBuckets was denied" in plain(picker.query_one("#intro", Static))
