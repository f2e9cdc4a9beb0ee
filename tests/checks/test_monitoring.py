"""The monitoring layer (issue 14): metrics on/off, failures observed, events present/absent, and
observed evidence that contradicts the verdict (it wins: the layer fails with both shown).

Hand-built snapshots: the healthy seed (checks_helpers.Seed), with observations put on it as the
probe (metrics) and ``check --events`` (events) would."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from checks_helpers import DST, Seed, codes, find

from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Report
from s3repl_tui.probes.snapshot import FailureEvent, Observations, Read, ReadError, RuleMetrics, Snapshot

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _at(minutes_ago: int) -> str:
    return (NOW - dt.timedelta(minutes=minutes_ago)).isoformat()


def _metrics_on(seed: Seed, rtc: bool = False) -> None:
    """Metrics on, and their failure events delivered (EventBridge): no warning about an unheard event."""
    seed.rule["Destination"]["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    seed.reads["source.notification"] = Read.ok({"EventBridgeConfiguration": {}})
    if rtc:
        seed.rule["Destination"]["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": 15}}


def _series(failed: dict[int, float], pending: float = 0.0, latency: float = 4.0) -> dict[str, Any]:
    """Failures at minutes-ago -> count, and a last datapoint of backlog and latency."""
    return {
        "OperationsFailedReplication": tuple((_at(ago), value) for ago, value in sorted(failed.items(), reverse=True)),
        "OperationsPendingReplication": ((_at(5), pending),),
        "BytesPendingReplication": ((_at(5), pending * 1024),),
        "ReplicationLatency": ((_at(5), latency),),
    }


def _observed(snapshot: Snapshot, **changes: Any) -> Snapshot:
    return dataclasses.replace(snapshot, observed=dataclasses.replace(snapshot.observed, **changes))


def _with_metrics(seed: Seed, read: Read[Any]) -> Snapshot:
    rule_id = seed.rule["ID"]
    return _observed(seed.build(), metrics=(RuleMetrics(rule_id, DST, "us-west-2", read),))


def _event(reason: str, minutes_ago: int, key: str = "a.txt") -> FailureEvent:
    return FailureEvent(_at(minutes_ago), key, "v1", "seed-rule", DST, reason)


def _monitoring(report: Report) -> str:
    return report.layer("monitoring").status


def test_the_layer_follows_the_six_and_source_policy_in_the_report(seed: Seed) -> None:
    ids = [layer["id"] for layer in seed.report().to_json()["layers"]]
    assert ids[:6] == ["versioning", "key-policy", "service-role", "role-kms", "destination-policy", "rule"]
    assert ids[-1] == "monitoring"


def test_a_rule_without_metrics_says_nothing_is_observed_and_passes(seed: Seed) -> None:
    report = seed.report()
    assert _monitoring(report) == "pass" and report.verdict == "pass"
    assert "monitoring-metrics-off" in codes(report, "monitoring")
    assert "rule-metrics-disabled" in codes(report, "rule")  # the opt-in fix lives with the rule


def test_metrics_without_failures_pass_with_the_backlog(seed: Seed) -> None:
    _metrics_on(seed)
    report = judge(_with_metrics(seed, Read.ok(_series({}, pending=3))))
    assert _monitoring(report) == "pass" and report.verdict == "pass"
    backlog = find(report, "monitoring-backlog")
    assert backlog.evidence["pending_operations"] == 3


def test_recent_failures_while_every_layer_passes_contradict_the_check_and_win(seed: Seed) -> None:
    _metrics_on(seed)
    report = judge(_with_metrics(seed, Read.ok(_series({30: 4, 90: 2}))))
    assert _monitoring(report) == "fail" and report.verdict == "fail"
    finding = find(report, "monitoring-failures-contradict")
    assert finding.evidence["failed_operations"] == 6 and "no layer fails" in finding.message


def test_old_failures_are_a_warning_they_may_predate_a_fix(seed: Seed) -> None:
    _metrics_on(seed)
    report = judge(_with_metrics(seed, Read.ok(_series({300: 5}))))
    assert _monitoring(report) == "warn" and report.verdict == "pass"
    assert "none in the last hour" in find(report, "monitoring-failures-observed").message


def test_recent_failures_a_failing_layer_explains_are_a_warning_not_a_second_failure(seed: Seed) -> None:
    _metrics_on(seed)
    seed.dest_versioning = "Suspended"
    report = judge(_with_metrics(seed, Read.ok(_series({10: 7}))))
    assert report.layer("versioning").status == "fail"
    assert _monitoring(report) == "warn"
    assert "still failing now" in find(report, "monitoring-failures-observed").message


def test_unreadable_metrics_never_make_the_verdict_unknown(seed: Seed) -> None:
    _metrics_on(seed)
    denied = Read.failed(ReadError("access-denied", "AccessDenied", "no", "cloudwatch:GetMetricData", "123"))
    report = judge(_with_metrics(seed, denied))
    assert _monitoring(report) == "pass" and report.verdict == "pass"
    assert find(report, "monitoring-metrics-unreadable").evidence["error"] == "AccessDenied"


def test_a_pending_read_says_nothing_yet(seed: Seed) -> None:
    _metrics_on(seed)
    report = judge(_with_metrics(seed, Read.pending("cloudwatch:GetMetricData")))
    assert codes(report, "monitoring") == []


def test_rtc_latency_past_the_threshold_is_a_warning(seed: Seed) -> None:
    _metrics_on(seed, rtc=True)
    report = judge(_with_metrics(seed, Read.ok(_series({}, pending=40, latency=1800))))
    assert _monitoring(report) == "warn"
    assert "30 min behind" in find(report, "monitoring-rtc-threshold-missed").message


def test_no_failure_events_in_the_file_is_said(seed: Seed) -> None:
    report = judge(_observed(seed.build(), events=(), events_source="events.jsonl"))
    assert "monitoring-no-failure-events" in codes(report, "monitoring") and report.verdict == "pass"


def test_events_a_failing_layer_explains_are_grouped_by_reason(seed: Seed) -> None:
    seed.dest_versioning = "Suspended"
    events = (_event("DstBucketUnversioned", 20, "a"), _event("DstBucketUnversioned", 10, "b"))
    report = judge(_observed(seed.build(), events=events, events_source="events.jsonl"))
    finding = find(report, "monitoring-failures-explained")
    assert finding.aws_failure_reason == "DstBucketUnversioned" and finding.evidence["count"] == 2
    assert finding.evidence["keys"] == ["a", "b"] and "versioning" in finding.message


def test_recent_events_that_blame_a_passing_layer_fail_the_verdict(seed: Seed) -> None:
    events = (_event("DstPutObjectNotPermitted", 5),)
    report = judge(_observed(seed.build(), events=events, events_source="events.jsonl"))
    assert report.layer("destination-policy").status == "pass"
    assert _monitoring(report) == "fail" and report.verdict == "fail"
    finding = find(report, "monitoring-failures-contradict")
    assert "destination-policy" in finding.message and finding.evidence["layers"]


def test_old_events_that_blame_a_passing_layer_are_a_warning(seed: Seed) -> None:
    report = judge(_observed(seed.build(), events=(_event("DstPutObjectNotPermitted", 600),), events_source="e"))
    assert _monitoring(report) == "warn" and report.verdict == "pass"
    assert "monitoring-failures-before-fix" in codes(report, "monitoring")


def test_object_level_reasons_blame_no_layer(seed: Seed) -> None:
    report = judge(_observed(seed.build(), events=(_event("SrcKeyNotFound", 5),), events_source="e"))
    assert _monitoring(report) == "pass"
    assert "monitoring-object-failures" in codes(report, "monitoring")


def test_default_observations_are_empty() -> None:
    assert Observations().events is None and Observations().metrics == ()


def test_recent_failures_from_before_this_tool_changed_the_setup_are_history(seed: Seed) -> None:
    """Right after a fix, the last hour's failures predate it: a warning, never a false red."""
    _metrics_on(seed)
    snapshot = _with_metrics(seed, Read.ok(_series({40: 3})))
    report = judge(_observed(snapshot, changed_at={"destination-policy": _at(20)}))
    assert _monitoring(report) == "warn" and report.verdict == "pass"
    assert "before this tool changed the setup" in find(report, "monitoring-failures-observed").message
    events = (_event("DstPutObjectNotPermitted", 40),)
    later = judge(_observed(seed.build(), events=events, events_source="e", changed_at={"destination-policy": _at(20)}))
    assert _monitoring(later) == "warn" and "monitoring-failures-before-fix" in codes(later, "monitoring")
    # a change to a layer the reason does not blame explains nothing
    other = judge(_observed(seed.build(), events=events, events_source="e", changed_at={"versioning": _at(20)}))
    assert _monitoring(other) == "fail"


def test_last_written_reads_the_layers_this_tool_changed(tmp_path: Any) -> None:
    from s3repl_tui.fixes.backup import BackupSet
    from s3repl_tui.fixes.model import Change, DocumentRef

    ref = DocumentRef("bucket-versioning", "444455556666", "us-west-2", f"arn:aws:s3:::{DST}", DST)
    change = Change("v", (), "versioning", ref, "", {}, {"Status": "Enabled"})
    backup = BackupSet.create(tmp_path, (change,), "src")
    assert BackupSet.last_written(tmp_path, "src") == {}  # planned, not written
    backup.record(1, "applied", "written")
    assert BackupSet.last_written(tmp_path, "src") == {"versioning": backup.manifest["created"]}
    assert BackupSet.last_written(tmp_path, "another-bucket") == {}


def test_the_sparkline_puts_failures_where_they_happened() -> None:
    from s3repl_tui.checks.monitoring import sparkline

    line = sparkline(((_at(10), 4.0), (_at(130), 2.0)), 24 * 3600, NOW)
    assert len(line) == 48 and line[-1] == "█" and line[-5] != "▁" and set(line[:-5]) == {"▁"}
    assert sparkline((), 3600, NOW) == "▁" * 30  # 2-minute periods over an hour
