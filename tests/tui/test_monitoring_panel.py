"""Issue 14, TUI: the monitoring panel shows the monitoring layer's numbers — metrics on/off, failures
in the window and their sparkline, backlog, latency against RTC's 15 minutes, the failure reasons
events report and the layer each blames, the last probe — from the findings' evidence alone.

Hand-built reports whose evidence has the keys checks/monitoring.py writes, and one judged by the
check itself (so the two cannot drift apart). Snapshots at 80×24, with and without colour."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from s3repl_tui.app import S3ReplApp
from s3repl_tui.checks import judge, monitoring
from s3repl_tui.checks.model import LAYER_TITLES, Finding, LayerResult, Report
from s3repl_tui.probes.snapshot import Read, RuleMetrics
from s3repl_tui.screens.detail import LayerDetailScreen
from s3repl_tui.widgets.findings import use_monochrome
from s3repl_tui.widgets.layer_panel import LayerPanel
from s3repl_tui.widgets.monitoring_panel import MonitoringPanel, fit, numbers_of

from .helpers import main_screen, plain, wait_diagnosed, wait_for
from .reports import DEST_BUCKET, SOURCE_BUCKET, FakeBackend, all_green, all_red
from .test_no_color import _styles_of
from .test_snapshots import Compare, then

SMALL = (80, 24)
RULE = "orders-rule"
SOURCE_ARN = f"arn:aws:s3:::{SOURCE_BUCKET}"
# 48 half-hour periods over 24 h: failures in the last three hours, most two periods ago
PER_PERIOD = [0.0] * 42 + [4.0, 0.0, 10.0, 30.0, 0.0, 16.0]
NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def _metrics_evidence(*, failed: float, rtc: bool, latency: float, pending: float = 3.0) -> dict[str, Any]:
    per_period = PER_PERIOD if failed else [0.0] * 48
    return {
        "rule": RULE, "destination": DEST_BUCKET, "region": "us-west-2", "window_seconds": 86400,
        "failed_operations": failed, "failures_over_time": [v for v in per_period if v],
        "failures_per_period": per_period, "period_seconds": 1800,
        "sparkline": monitoring.bars(per_period), "rtc": rtc, "rtc_threshold_seconds": 900,
        "last_failure": "2026-12-07T11:30:00+00:00" if failed else "",
    }


def _with_monitoring(base: Report, *findings: Finding) -> Report:
    layer = LayerResult("monitoring", LAYER_TITLES["monitoring"], findings)
    return Report(base.source, base.destinations, (*base.layers, layer), base.call_count, base.wall_seconds)


def failing_metrics() -> Report:
    """Every layer passes, yet S3 reports 60 failures now and RTC's threshold missed: the layer fails."""
    evidence = _metrics_evidence(failed=60, rtc=True, latency=1260)
    backlog = {**evidence, "pending_operations": 3.0, "pending_bytes": 3 * 1024.0, "max_latency": 1260.0}
    return _with_monitoring(
        all_green(),
        Finding("monitoring-failures-contradict", "error",
                f"S3 reports 60 failed replication operation(s) for rule '{RULE}' to {DEST_BUCKET} in the last "
                "24 h, yet no layer fails: the observed evidence wins.", SOURCE_ARN, None, evidence),
        Finding("monitoring-rtc-threshold-missed", "warning",
                f"Replication of rule '{RULE}' to {DEST_BUCKET} fell up to 21 min behind, past S3 RTC's 15-minute "
                "threshold.", SOURCE_ARN, None, backlog),
    )


def metrics_off() -> Report:
    return _with_monitoring(
        all_red(),
        Finding("monitoring-metrics-off", "info",
                f"Nothing is observed for rule '{RULE}': its replication metrics are off.", SOURCE_ARN, None,
                {"rule": RULE, "destination": DEST_BUCKET, "metrics": False}),
    )


def with_events() -> Report:
    """Metrics on without failures in the window, and events: one reason a failing layer explains, one
    that blames a passing layer (contradiction), one the object's own."""
    evidence = _metrics_evidence(failed=0, rtc=False, latency=4)
    backlog = {**evidence, "pending_operations": 0.0, "pending_bytes": 0.0, "max_latency": 4.0}

    def reason(code: str, severity: str, name: str, count: int, layers: tuple[str, ...]) -> Finding:
        return Finding(code, severity, f"{count} object(s) failed with {name}.", SOURCE_ARN, name,
                       {"failure_reason": name, "count": count, "last": "2026-12-07T11:50:00Z",
                        "layers": list(layers), "keys": ["a.txt"], "source": "events.jsonl"})

    return _with_monitoring(
        all_red(),
        Finding("monitoring-backlog", "info", f"rule '{RULE}' to {DEST_BUCKET}: 0 operation(s) pending.",
                SOURCE_ARN, None, backlog),
        reason("monitoring-failures-explained", "warning", "DstBucketUnversioned", 12, ("versioning",)),
        reason("monitoring-failures-contradict", "error", "AssumeRoleNotPermitted", 5, ("service-role",)),
        reason("monitoring-object-failures", "info", "SrcObjectNotEligible", 2, ()),
        Finding("monitoring-failure-events-unsubscribed", "warning",
                "Replication metrics are on, so failure events are emitted but nobody receives them.", SOURCE_ARN,
                None, {"rules": [RULE], "notification": {}}),
    )


def app_for(*reports: Report, read_only: bool = False) -> S3ReplApp:
    app = S3ReplApp(FakeBackend(list(reports)), source_bucket=SOURCE_BUCKET, spinners=False, read_only=read_only)
    app.clock = lambda: "12:00:00"
    return app


async def _open_monitoring(pilot: Any, app: S3ReplApp) -> MonitoringPanel:
    await wait_diagnosed(pilot, app)
    main_screen(app).select_layer("monitoring")
    await pilot.pause(0.1)
    panel = app.screen.query_one(MonitoringPanel)
    assert panel.display and not app.screen.query_one(LayerPanel).display
    return panel


def _lines(panel: MonitoringPanel) -> str:
    body = panel.query_one("#monitoring-body", Static)
    return plain(body, width=body.content_region.width)


def _text(panel: MonitoringPanel) -> str:
    """The panel's words with its wrapping undone (80 columns wrap the longer lines)."""
    return " ".join(_lines(panel).split())


async def test_failures_with_metrics_on_show_the_numbers_and_the_sparkline() -> None:
    app = app_for(failing_metrics())
    async with app.run_test(size=SMALL) as pilot:
        panel = await _open_monitoring(pilot, app)
        text = _text(panel)
        lines = _lines(panel)
        assert str(panel.border_title).startswith("✗ Monitoring — FAIL")
        assert "last 24 h · probed 12:00:00" in text
        assert f"rule {RULE} → {DEST_BUCKET}" in text and "metrics on · RTC on" in text
        assert "✗ 60 failed operations in 24 h" in text
        assert "pending 3 ops, 3.0 KiB" in text
        assert "✗ latency 21 min > RTC 15 min" in text
        width = panel.query_one("#monitoring-body", Static).content_region.width
        spark = next(line.strip() for line in lines.splitlines() if "█" in line)
        assert len(spark) <= width - 2  # fitted to the panel, not cut: 48 periods summed into fewer bars
        assert spark[-1] != "▁" and set(spark[: len(spark) // 2]) == {"▁"}  # failures at the right, recent
        assert "24 h ago" in text and "now" in text


async def test_the_panel_follows_the_selection_back_to_the_layer_panel() -> None:
    app = app_for(failing_metrics())
    async with app.run_test(size=SMALL) as pilot:
        await _open_monitoring(pilot, app)
        main_screen(app).select_layer("versioning")
        await pilot.pause(0.1)
        assert app.screen.query_one(LayerPanel).display and not app.screen.query_one(MonitoringPanel).display


async def test_metrics_off_say_nothing_is_observed_and_name_the_opt_in_fix() -> None:
    app = app_for(metrics_off())
    async with app.run_test(size=SMALL) as pilot:
        text = _text(await _open_monitoring(pilot, app))
        assert "metrics off — nothing observed" in text
        assert "opt-in, billed by CloudWatch" in text and "Replication rule layer, f" in text
        assert "failed operations" not in text and "▁" not in text


async def test_read_only_offers_no_key_that_writes() -> None:
    app = app_for(metrics_off(), read_only=True)
    async with app.run_test(size=SMALL) as pilot:
        text = _text(await _open_monitoring(pilot, app))
        assert "metrics off — nothing observed" in text and ", f" not in text


async def test_events_are_counted_by_failure_reason_with_the_layer_they_blame() -> None:
    app = app_for(with_events())
    async with app.run_test(size=(160, 45)) as pilot:
        text = _text(await _open_monitoring(pilot, app))
        assert "failure events (events.jsonl)" in text
        assert "! 12 DstBucketUnversioned → versioning" in text
        assert "✗ 5 AssumeRoleNotPermitted → service-role" in text
        assert "i 2 SrcObjectNotEligible → the object" in text
        assert "✓ 0 failed operations in 24 h" in text and "latency max 4 s / RTC 15 min" in text
        assert "failure events: nobody receives them f: deliver them to EventBridge (opt-in)" in text


async def test_the_detail_screen_shows_the_numbers_above_the_findings() -> None:
    app = app_for(failing_metrics())
    async with app.run_test(size=SMALL) as pilot:
        await _open_monitoring(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LayerDetailScreen), what="the detail")
        text = " ".join(plain(app.screen.query_one(Static), width=70).split())
        assert text.index("✗ 60 failed operations") < text.index("error: S3 reports 60 failed")
        assert "probed 12:00:00" in text


async def test_a_re_probe_redraws_the_numbers_and_the_probe_time() -> None:
    app = app_for(failing_metrics())
    async with app.run_test(size=SMALL) as pilot:
        panel = await _open_monitoring(pilot, app)
        assert isinstance(app.backend, FakeBackend)
        app.backend.reports = [with_events()]
        app.clock = lambda: "12:01:00"
        await pilot.press("r")
        await wait_for(pilot, lambda: "probed 12:01:00" in _text(panel), what="the new probe")
        assert "✓ 0 failed operations" in _text(panel)


@pytest.fixture
def no_color(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NO_COLOR", "1")
    yield
    use_monochrome(False)


async def test_without_colour_failures_are_bold_and_reversed(no_color: None) -> None:
    app = app_for(failing_metrics())
    async with app.run_test(size=SMALL) as pilot:
        panel = await _open_monitoring(pilot, app)
        failed = _styles_of(panel, "60 failed operations")
        assert failed and all(style.bold and style.reverse for style in failed)
        assert "█" in _text(panel)  # the sparkline is characters: it reads without colour


def test_fit_sums_periods_into_exactly_the_width() -> None:
    assert fit([1.0, 2.0, 3.0], 5) == [1.0, 2.0, 3.0]
    fitted = fit(PER_PERIOD, 29)
    assert len(fitted) == 29 and sum(fitted) == sum(PER_PERIOD)


def _judged_with_metrics() -> Report:
    """The monitoring check itself on the checks' seed setup (metrics and RTC on, 7 failures 20 minutes
    ago, 2 KiB pending, 20 minutes behind): the evidence the panel reads is the check's, not a copy."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "checks"))
    from checks_helpers import DST, Seed

    seed = Seed()
    seed.rule["Destination"]["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    seed.rule["Destination"]["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": 15}}
    now = dt.datetime.now(dt.UTC)
    at = (now - dt.timedelta(minutes=20)).isoformat()
    series = {"OperationsFailedReplication": ((at, 7.0),), "OperationsPendingReplication": ((at, 2.0),),
              "BytesPendingReplication": ((at, 2048.0),), "ReplicationLatency": ((at, 1200.0),)}
    snapshot = seed.build()
    observed = dataclasses.replace(
        snapshot.observed, metrics=(RuleMetrics(seed.rule["ID"], DST, "us-west-2", Read.ok(series)),))
    return judge(dataclasses.replace(snapshot, observed=observed))


def test_the_panel_reads_what_the_check_writes() -> None:
    numbers = numbers_of(_judged_with_metrics().layer("monitoring"))
    rule = numbers.rules[0]
    assert (rule.metrics, rule.failures, rule.rtc, rule.pending_operations) == ("on", 7, True, 2)
    assert rule.per_period[-1] == 7 and sum(rule.per_period) == 7 and len(rule.per_period) == 48
    assert rule.max_latency == 1200 and numbers.window_seconds == 86400


async def test_a_judged_report_draws_every_number() -> None:
    app = app_for(_judged_with_metrics())
    async with app.run_test(size=SMALL) as pilot:
        text = _text(await _open_monitoring(pilot, app))
        assert "7 failed operations in 24 h" in text and "pending 2 ops, 2.0 KiB" in text
        assert "✗ latency 20 min > RTC 15 min" in text and "█" in text


def test_snapshot_failures_at_80x24(snap_compare: Compare) -> None:
    def select(app: S3ReplApp) -> bool:
        main_screen(app).select_layer("monitoring")
        return True

    assert snap_compare(app_for(failing_metrics()), terminal_size=SMALL, run_before=then(until=select))


def test_snapshot_metrics_off_at_80x24(snap_compare: Compare) -> None:
    def select(app: S3ReplApp) -> bool:
        main_screen(app).select_layer("monitoring")
        return True

    assert snap_compare(app_for(metrics_off()), terminal_size=SMALL, run_before=then(until=select))


def test_snapshot_failures_at_80x24_without_colour(snap_compare: Compare, no_color: None) -> None:
    def select(app: S3ReplApp) -> bool:
        main_screen(app).select_layer("monitoring")
        return True

    assert snap_compare(app_for(failing_metrics()), terminal_size=SMALL, run_before=then(until=select))
