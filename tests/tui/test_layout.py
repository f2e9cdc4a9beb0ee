"""Issue 13.9 (layout at 80×24 and below, long names, toasts) and 13.8 (the sandbox said plainly)."""

from __future__ import annotations

import dataclasses

from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from s3repl_tui.app import S3ReplApp
from s3repl_tui.screens.backend import Diagnosis, Identities
from s3repl_tui.widgets.canary_bar import EMULATION_NOTICE, SANDBOX_NOTICE, CanaryBar
from s3repl_tui.widgets.flow import FlowDiagram

from .helpers import main_screen, plain, wait_diagnosed, wait_for
from .reports import IDENTITIES, PATH, SOURCE_BUCKET, FakeBackend, all_red, plan_for

LONG_ROLE = "arn:aws:iam::111122223333:role/service-role/s3crr_role_for_orders-src-to-orders-dst-disaster-recovery"


class LongNames(FakeBackend):
    def diagnose(self, bucket, on_update):  # type: ignore[no-untyped-def]
        report = self.report
        return Diagnosis(report, dataclasses.replace(PATH, role_arn=LONG_ROLE), plan_for(report), final=True)


def make_app(backend: FakeBackend) -> S3ReplApp:
    return S3ReplApp(backend, source_bucket=SOURCE_BUCKET, spinners=False)


async def test_at_80x24_the_footer_shows_every_key_the_screen_needs() -> None:
    app = make_app(FakeBackend([all_red()]))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.pause(0.1)
        footer = main_screen(app).query_one(Footer)
        visible = {key.key_display or key.key for key in footer.query(FooterKey)
                   if key.region.width and key.region.right <= 80}
        for key in ("f", "F", "u", "r", "c", "e", "?", "q"):
            assert key in visible, f"{key} is not visible in the footer at 80 columns: {visible}"
        assert not main_screen(app).has_class("-too-small")


async def test_below_a_usable_size_it_says_terminal_too_small() -> None:
    app = make_app(FakeBackend([all_red()]))
    async with app.run_test(size=(60, 16)) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.pause(0.1)
        screen = main_screen(app)
        notice = screen.query_one("#too-small", Static)
        assert notice.display and notice.region.width > 0
        assert "Terminal too small (need 80×24)" in plain(notice, 58).replace("\n", " ")
        assert screen.query_one(FlowDiagram).region.width == 0  # the broken layout is not drawn
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        assert not screen.has_class("-too-small")
        assert screen.query_one(FlowDiagram).region.width > 0


async def test_a_long_role_name_is_whole_when_the_width_allows_and_fits_at_80() -> None:
    role_name = LONG_ROLE.rsplit("/", 1)[-1]
    app = make_app(LongNames([all_red()]))
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.pause(0.1)
        flow = main_screen(app).query_one(FlowDiagram)
        assert role_name in plain(flow, 200)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        inner = flow.content_size.width
        lines = [line.rstrip() for line in plain(flow, inner).splitlines() if line.strip()]
        assert len(lines) <= 3, lines  # no line wrapped
        assert all(len(line) <= inner for line in lines)
        assert "s3://orders-dst" in "\n".join(lines)


async def test_toasts_never_cover_the_status_lines() -> None:
    app = make_app(FakeBackend([all_red()]))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_diagnosed(pilot, app)
        app.notify("A long notification that takes several lines " * 4, title="Hello", timeout=30)
        await wait_for(pilot, lambda: bool(app.screen.query(Toast)), what="the toast")
        await pilot.pause(0.2)
        screen = main_screen(app)
        covered = [screen.query_one("#status-line").region, screen.query_one(CanaryBar).region,
                   screen.query_one(Footer).region]
        for toast in app.screen.query(Toast):
            for region in covered:
                assert not toast.region.overlaps(region), (toast.region, region)


async def test_the_sandbox_endpoint_says_replication_is_not_emulated() -> None:
    """Issue 13.8: `tui` against the local sandbox (moto never replicates) says a canary there is not real."""
    app = make_app(FakeBackend([all_red()], emulated_replication=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.pause(0.05)
        bar = plain(main_screen(app).query_one(CanaryBar))
        assert SANDBOX_NOTICE in bar and EMULATION_NOTICE not in bar


class OnAws(FakeBackend):
    def connect(self) -> Identities:
        return dataclasses.replace(IDENTITIES, endpoint_url=None)


async def test_aws_itself_and_the_emulated_demo_get_no_sandbox_warning() -> None:
    for backend, expected in ((OnAws([all_red()], emulated_replication=False), None),
                              (FakeBackend([all_red()]), EMULATION_NOTICE)):
        app = make_app(backend)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_diagnosed(pilot, app)
            await pilot.pause(0.05)
            bar = plain(main_screen(app).query_one(CanaryBar))
            assert SANDBOX_NOTICE not in bar
            assert expected is None or expected in bar
