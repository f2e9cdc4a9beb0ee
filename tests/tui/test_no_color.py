"""Issue 13.3: with NO_COLOR=1 failures are the most visible thing on screen: reversed and bold,
not only red (Textual turns red into dark grey on dark grey). Pilot checks and a snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rich.segment import Segment

from s3repl_tui.app import S3ReplApp
from s3repl_tui.widgets.findings import use_monochrome
from s3repl_tui.widgets.flow import FlowDiagram
from s3repl_tui.widgets.layer_list import LayerList

from .helpers import wait_diagnosed
from .reports import SOURCE_BUCKET, FakeBackend, mixed
from .test_snapshots import SIZE, Compare, then


@pytest.fixture
def no_color(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NO_COLOR", "1")
    yield
    use_monochrome(False)


def _segments(widget: Any) -> list[Segment]:
    region = widget.content_region
    strips = widget.app.screen._compositor.render_strips()
    found = []
    for strip in strips[region.y: region.bottom]:
        found += list(strip.crop(region.x, region.right))
    return found


def _styles_of(widget: Any, text: str) -> list[Any]:
    return [segment.style for segment in _segments(widget) if text in segment.text and segment.style is not None]


async def test_failing_marks_and_hops_are_reversed_without_colour(no_color: None) -> None:
    app = S3ReplApp(FakeBackend([mixed()]), source_bucket=SOURCE_BUCKET, spinners=False)
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.pause(0.1)
        layer_list = app.screen.query_one(LayerList)
        fail_styles = _styles_of(layer_list, "FAIL")
        assert fail_styles and all(style.reverse and style.bold for style in fail_styles)
        pass_styles = _styles_of(layer_list, "pass")
        assert pass_styles and not any(style.reverse for style in pass_styles)
        flow = app.screen.query_one(FlowDiagram)
        role = _styles_of(flow, "role ")  # role-kms fails in the mixed report
        assert role and all(style.reverse for style in role)
        source = _styles_of(flow, "s3://orders-src")
        assert source and not any(style.reverse for style in source)


async def test_with_colour_failures_are_red_not_reversed() -> None:
    app = S3ReplApp(FakeBackend([mixed()]), source_bucket=SOURCE_BUCKET, spinners=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_diagnosed(pilot, app)
        await pilot.pause(0.1)
        fail_styles = _styles_of(app.screen.query_one(LayerList), "FAIL")
        assert fail_styles and not any(style.reverse for style in fail_styles)


def test_snapshot_mixed_without_colour(snap_compare: Compare, no_color: None) -> None:
    app = S3ReplApp(FakeBackend([mixed()]), source_bucket=SOURCE_BUCKET, spinners=False)
    app.clock = lambda: "12:00:00"  # no clock in a snapshot
    assert snap_compare(app, terminal_size=SIZE, run_before=then())
