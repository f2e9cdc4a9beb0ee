"""The monitoring layer through the sandbox (issue 14): the probe reads a rule's CloudWatch replication
metrics (source credentials, destination Region) in the same concurrent run, only when they are on;
``check --events FILE`` reads failure events; contradicting evidence fails the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from probe_helpers import fix_then_check

from s3repl_tui.aws import Connection
from s3repl_tui.checks import judge
from s3repl_tui.cli import main
from s3repl_tui.errors import UserError
from s3repl_tui.probes import probe
from s3repl_tui.probes.events import load_events
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.observed import failure_events, publish_failures, turn_metrics_on, write_events

FLAGS = ["--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]


def test_metrics_are_read_only_for_rules_that_have_them(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    seen: list[str] = []
    sandbox.middleware.fault_hooks.append(lambda request: seen.append(request.operation))  # type: ignore[func-returns-value]

    snapshot = probe(connection, seed.source_bucket)

    assert snapshot.observed.metrics == () and "monitoring:GetMetricData" not in seen and seen
    assert judge(snapshot).layer("monitoring").status == "pass"


def test_the_probe_reads_the_failures_s3_published(sandbox: Sandbox, seed: SeedSetup, connection: Connection) -> None:
    turn_metrics_on(sandbox, seed)
    publish_failures(sandbox, seed, minutes_ago=(5, 65), per_point=3)

    snapshot = probe(connection, seed.source_bucket)

    [metrics] = snapshot.observed.metrics
    assert (metrics.rule_id, metrics.destination_bucket, metrics.region) == (seed.rule_id, seed.dest_bucket,
                                                                             seed.dest_region)
    assert metrics.series.is_ok and metrics.series.value is not None
    assert sum(value for _, value in metrics.series.value["OperationsFailedReplication"]) == 6
    report = judge(snapshot)
    # The seed's layers pass, yet S3 reports failures now: the observed evidence wins.
    assert report.layer("monitoring").status == "fail" and report.verdict == "fail"


def test_failures_a_broken_layer_explains_are_a_warning(sandbox: Sandbox, seed: SeedSetup, connection: Connection) -> None:
    BREAKAGES["versioning"](sandbox, seed)
    turn_metrics_on(sandbox, seed)
    publish_failures(sandbox, seed)

    report = judge(probe(connection, seed.source_bucket))

    assert report.layer("versioning").status == "fail"
    assert report.layer("monitoring").status == "warn"


def test_a_denied_metrics_read_is_an_info_note_never_unknown(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    from s3repl_tui.sandbox.faults import deny

    turn_metrics_on(sandbox, seed)
    sandbox.middleware.fault_hooks.append(deny("monitoring:GetMetricData"))  # the middleware's name for it

    report = judge(probe(connection, seed.source_bucket))

    # Never unknown; its one warning is that nobody receives the failure events the metrics turn on.
    monitoring = report.layer("monitoring")
    assert monitoring.status == "warn" and report.verdict == "pass"
    assert [f.code for f in monitoring.findings if f.severity != "info"] == ["monitoring-failure-events-unsubscribed"]
    assert "monitoring-metrics-unreadable" in [f.code for f in monitoring.findings]


def test_check_events_groups_failures_and_says_when_they_contradict(
    sandbox: Sandbox, seed: SeedSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = write_events(tmp_path / "events.jsonl", failure_events(seed, {"DstPutObjectNotPermitted": 3}))

    code = main(["check", "--source-bucket", seed.source_bucket, *FLAGS, "--events", str(events), "--format", "json"])

    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["verdict"] == "fail"
    [monitoring] = [layer for layer in report["layers"] if layer["id"] == "monitoring"]
    [finding] = [f for f in monitoring["findings"] if f["code"] == "monitoring-failures-contradict"]
    assert finding["aws_failure_reason"] == "DstPutObjectNotPermitted" and finding["evidence"]["count"] == 3
    assert finding["evidence"]["keys"][0] == "reports/2026/dstputobjectnotpermitted 0.csv"  # URL-decoded


def test_a_fix_by_this_tool_turns_earlier_failures_into_history(
    sandbox: Sandbox, seed: SeedSetup, state_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    BREAKAGES["destination-policy"](sandbox, seed)
    events = write_events(tmp_path / "events.jsonl", failure_events(seed, {"DstPutObjectNotPermitted": 2}))

    before, after = fix_then_check(seed.source_bucket, capsys, "--events", str(events))

    assert before["status"] == "warn"  # explained by the failing destination policy
    assert after["status"] == "warn"
    assert [f["code"] for f in after["findings"]] == ["monitoring-metrics-off", "monitoring-failures-before-fix"]


def test_a_bad_events_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"Records": []}\n{not json\n')
    with pytest.raises(UserError, match=r"Line 2 of .* is not JSON"):
        load_events(path, 3600)


def test_sns_envelopes_and_single_records_are_read_and_old_events_left_out(seed: SeedSetup, tmp_path: Path) -> None:
    fresh = failure_events(seed, {"DstBucketUnversioned": 1})[0]
    old = failure_events(seed, {"SrcKeyNotFound": 1}, minutes_ago=600)[0]
    lines = [json.dumps({"Type": "Notification", "Message": json.dumps(fresh)}), json.dumps(old["Records"][0]),
             json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]})]
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines) + "\n")

    events = load_events(path, window_seconds=3600)

    assert [event.reason for event in events] == ["DstBucketUnversioned"]
    assert load_events(path, window_seconds=24 * 3600)[0].reason in ("DstBucketUnversioned", "SrcKeyNotFound")
    assert len(load_events(path, window_seconds=24 * 3600)) == 2
