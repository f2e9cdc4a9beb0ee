"""Info notes of the rule layer (catalog §2 S1, S9/§1 #24, S14): never a status change, never unknown."""

from __future__ import annotations

from typing import Any

import pytest
from checks_helpers import DST, SRC, Seed, codes, failed, find

from s3repl_tui.checks.model import Report
from s3repl_tui.probes.snapshot import Read

QUEUE = "arn:aws:sqs:us-east-1:123456789012:replication-failures"


def _metrics_on(seed: Seed) -> None:
    seed.rule["Destination"]["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}


def _rule_layer_status(report: Report) -> str:
    return report.layer("rule").status


# -- S1: failure events without a subscriber


def test_metrics_on_without_subscribers_is_a_monitoring_warning_with_an_opt_in_fix(seed: Seed) -> None:
    _metrics_on(seed)
    seed.reads["source.notification"] = Read.ok({"QueueConfigurations": [
        {"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"]}]})
    report = seed.report()
    finding = find(report, "monitoring-failure-events-unsubscribed")
    assert finding in report.layer("monitoring").findings
    assert finding.severity == "warning" and not finding.unknown
    assert "nobody receives them" in finding.message and "s3:Replication:OperationFailedReplication" in finding.message
    assert finding.fix is not None and finding.fix.automatic  # opt-in: fix --include-optional plans it
    assert finding.fix.api == "s3:PutBucketNotificationConfiguration"
    steps = finding.fix.manual_steps
    assert f"aws s3api put-bucket-notification-configuration --bucket {SRC}" in steps
    assert "EventBridgeConfiguration" in steps and QUEUE in steps  # keeps the existing subscription
    assert _rule_layer_status(report) == "pass" and report.layer("monitoring").status == "warn"
    assert report.verdict == "pass"


@pytest.mark.parametrize("notification", [
    {"QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:Replication:OperationFailedReplication"]}]},
    {"TopicConfigurations": [{"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Events": ["s3:Replication:*"]}]},
    {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
                                       "Events": ["s3:ObjectCreated:*", "s3:Replication:OperationFailedReplication"]}]},
    {"EventBridgeConfiguration": {}},
])
def test_any_failure_subscriber_is_enough(seed: Seed, notification: dict[str, Any]) -> None:
    _metrics_on(seed)
    seed.reads["source.notification"] = Read.ok(notification)
    assert "monitoring-failure-events-unsubscribed" not in codes(seed.report())


def test_no_note_while_metrics_are_off(seed: Seed) -> None:
    # rule-metrics-disabled already says events aren't emitted; an unread configuration says nothing either
    report = seed.report()
    assert "rule-metrics-disabled" in codes(report)
    assert "monitoring-failure-events-unsubscribed" not in codes(report)
    seed.reads["source.notification"] = failed(operation="s3:GetBucketNotificationConfiguration")
    assert "monitoring-failure-events-unreadable" not in codes(seed.report())


def test_unreadable_notification_is_info_not_unknown(seed: Seed) -> None:
    _metrics_on(seed)
    baseline = seed.report()
    seed.reads["source.notification"] = failed(operation="s3:GetBucketNotificationConfiguration")
    report = seed.report()
    finding = find(report, "monitoring-failure-events-unreadable")
    assert finding.severity == "info" and not finding.unknown and finding.fix is None
    assert "could not be read" in finding.message
    assert finding.evidence["command"] == (f"aws s3api get-bucket-notification-configuration --bucket {SRC} "
                                         "--profile s3repl-source --region us-east-1")
    assert _rule_layer_status(report) == _rule_layer_status(baseline) and report.verdict == "pass"


def test_pending_notification_says_nothing_yet(seed: Seed) -> None:
    _metrics_on(seed)
    seed.reads["source.notification"] = Read.pending("s3:GetBucketNotificationConfiguration")
    report = seed.report()
    assert not [c for c in codes(report, "monitoring") if c.startswith("monitoring-failure-events")]
    assert not report.layer("rule").pending


# -- S9 / #24: ACLs enabled on the source


@pytest.mark.parametrize("ownership", [Read.ok("ObjectWriter"), Read.ok("BucketOwnerPreferred"),
                                       Read.absent("OwnershipControlsNotFoundError")])
def test_source_acls_enabled_is_an_info_note(seed: Seed, ownership: Read[Any]) -> None:
    seed.reads["source.ownership"] = ownership
    report = seed.report()
    finding = find(report, "source-acls-enabled")
    assert finding.severity == "info" and not finding.unknown
    assert finding.aws_failure_reason == "SrcGetAclNotPermitted"
    assert "bucket-owner-full-control" in finding.message
    assert finding.fix is not None and not finding.fix.automatic
    assert finding.fix.api == "s3:PutBucketOwnershipControls"
    assert (f"aws s3api put-bucket-ownership-controls --bucket {SRC} --ownership-controls "
            "'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'") in finding.fix.manual_steps
    assert report.layer("rule").status == "warn"  # the seed's own warning (metrics off), nothing more
    assert report.verdict == "pass"


def test_source_bucket_owner_enforced_says_nothing(seed: Seed) -> None:
    assert "source-acls-enabled" not in codes(seed.report())


def test_unreadable_source_ownership_is_info_not_unknown(seed: Seed) -> None:
    seed.reads["source.ownership"] = failed(operation="s3:GetBucketOwnershipControls")
    report = seed.report()
    finding = find(report, "source-ownership-unreadable")
    assert finding.severity == "info" and not finding.unknown and "could not be read" in finding.message
    assert "source-acls-enabled" not in codes(report)
    assert report.layer("rule").status == "warn" and report.verdict == "pass"


# -- S14: owner override under BucketOwnerEnforced


def test_owner_override_under_bucket_owner_enforced_is_unnecessary(seed: Seed) -> None:
    report = seed.report()  # the seed overrides the owner; its destination is BucketOwnerEnforced
    finding = find(report, "rule-owner-override-unnecessary")
    assert finding.severity == "info" and not finding.unknown and finding.fix is None
    assert DST in finding.message and "BucketOwnerEnforced" in finding.message


@pytest.mark.parametrize("ownership", [Read.ok("ObjectWriter"), Read.ok("BucketOwnerPreferred"),
                                       Read.absent("OwnershipControlsNotFoundError"),
                                       failed(operation="s3:GetBucketOwnershipControls")])
def test_owner_override_is_useful_otherwise(seed: Seed, ownership: Read[Any]) -> None:
    seed.reads["dest.ownership"] = ownership
    report = seed.report()
    assert "rule-owner-override-unnecessary" not in codes(report)
    assert report.layer("rule").status == "warn"  # unread destination ownership never makes it unknown


def test_no_note_without_override(seed: Seed) -> None:
    del seed.rule["Destination"]["AccessControlTranslation"]
    assert "rule-owner-override-unnecessary" not in codes(seed.report())
