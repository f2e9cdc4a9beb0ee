"""Issue 14: failure events nobody receives get an opt-in fix that delivers the source bucket's events
to EventBridge. It keeps every subscription the owner has (Put replaces the whole configuration), is
planned only with --include-optional, undoes to the configuration as it was, and exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.checks import judge
from s3repl_tui.cli import main
from s3repl_tui.fixes import apply_plan, plan_fixes, undo_last
from s3repl_tui.fixes.export import export_plan
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.observed import turn_metrics_on

from . import seeded


def _notification(sandbox: Sandbox, setup: SeedSetup) -> dict[str, Any]:
    s3 = sandbox.session(SOURCE_PROFILE).client("s3", region_name=setup.source_region)
    answer = s3.get_bucket_notification_configuration(Bucket=setup.source_bucket)
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


@pytest.fixture
def unheard(sandbox: Sandbox, seed: SeedSetup) -> SeedSetup:
    turn_metrics_on(sandbox, seed)
    return seed


def test_the_fix_is_opt_in_and_keeps_the_owners_subscriptions(
    sandbox: Sandbox, unheard: SeedSetup, tmp_path: Path
) -> None:
    s3 = sandbox.session(SOURCE_PROFILE).client("s3", region_name=unheard.source_region)
    sqs = sandbox.session(SOURCE_PROFILE).client("sqs", region_name=unheard.source_region)
    queue = sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName="uploads")["QueueUrl"],
                                     AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    owners = {"QueueConfigurations": [{"Id": "uploads", "QueueArn": queue, "Events": ["s3:ObjectCreated:*"]}]}
    s3.put_bucket_notification_configuration(Bucket=unheard.source_bucket, NotificationConfiguration=owners)
    connection = seeded.connect()
    snapshot = probe(connection, unheard.source_bucket)
    report = judge(snapshot)
    assert report.layer("monitoring").status == "warn"

    default = plan_fixes(snapshot, report, ["monitoring"])
    assert not default.changes and any(line.startswith("subscribe-failure-events-eventbridge") for line in default.optional)

    plan = plan_fixes(snapshot, report, ["monitoring"], include_optional=True)
    [change] = plan.changes
    assert change.ref.kind == "bucket-notification" and change.after == {**change.before, "EventBridgeConfiguration": {}}
    before = _notification(sandbox, unheard)
    assert apply_plan(plan, connection, state_dir=tmp_path).complete
    after = _notification(sandbox, unheard)
    assert "EventBridgeConfiguration" in after and after["QueueConfigurations"][0]["QueueArn"] == queue
    assert "monitoring-failure-events-unsubscribed" not in [
        f.code for f in judge(probe(connection, unheard.source_bucket)).layer("monitoring").findings
    ]
    assert undo_last(connection, state_dir=tmp_path).complete
    assert _notification(sandbox, unheard) == before and before["QueueConfigurations"][0]["QueueArn"] == queue


def test_the_exports_write_eventbridge_delivery(sandbox: Sandbox, unheard: SeedSetup) -> None:
    snapshot = probe(seeded.connect(), unheard.source_bucket)
    plan = plan_fixes(snapshot, judge(snapshot), ["monitoring"], include_optional=True)
    terraform = export_plan(plan, "terraform")
    assert 'resource "aws_s3_bucket_notification"' in terraform and "eventbridge = true" in terraform
    cloudformation = json.loads(export_plan(plan, "cloudformation"))
    assert "EventBridgeEnabled" in json.dumps(cloudformation)
    assert "put-bucket-notification-configuration" in export_plan(plan, "cli")


def test_fix_include_optional_on_the_command_line(
    sandbox: Sandbox, unheard: SeedSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert main(["fix", "--yes", "--layer", "monitoring", *seeded.cli_flags(unheard)]) == 0
    assert "Nothing to fix" in capsys.readouterr().out or "EventBridgeConfiguration" not in _notification(sandbox, unheard)
    assert main(["fix", "--yes", "--include-optional", "--layer", "monitoring", *seeded.cli_flags(unheard)]) == 0
    assert "EventBridgeConfiguration" in _notification(sandbox, unheard)
