"""Failure events peeked at on the source bucket's SQS queue, through the sandbox (issue 14): read in
the same probe one level after the notification read, grouped by failureReason like ``--events``,
never deleted; a queue that cannot be read is an info note, never a failure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from probe_helpers import fix_then_check

from s3repl_tui.aws import Connection
from s3repl_tui.checks import judge
from s3repl_tui.cli import main
from s3repl_tui.probes import probe, traced_probe
from s3repl_tui.probes.sqs_events import BATCH_SIZE, MAX_BATCHES
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.faults import AlwaysFail, aws_error, deny, matching
from s3repl_tui.sandbox.observed import FAILURE_QUEUE, send_failure_events, subscribe_failure_queue
from s3repl_tui.sandbox.scenarios import seed_clients

FLAGS = ["--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]


def _queue_depth(sandbox: Sandbox, seed: SeedSetup, url: str) -> int:
    sqs: Any = sandbox.session(SOURCE_PROFILE).client("sqs", region_name=seed.source_region)
    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(answer["Attributes"]["ApproximateNumberOfMessages"])


def _monitoring(report: Any) -> dict[str, Any]:
    return {finding.code: finding for finding in report.layer("monitoring").findings}


def test_failures_on_the_queue_are_grouped_by_reason_and_left_on_it(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    BREAKAGES["versioning"](sandbox, seed)
    url = subscribe_failure_queue(sandbox, seed)
    send_failure_events(sandbox, seed, {"DstBucketUnversioned": 3, "DstPutObjectNotPermitted": 2})
    depth = _queue_depth(sandbox, seed, url)

    snapshot, trace = traced_probe(connection, seed.source_bucket)

    [queue] = snapshot.observed.queues
    assert queue.events.is_ok and queue.messages_seen == depth == 6  # 5 failures and S3's s3:TestEvent
    assert queue.messages_held == depth
    assert snapshot.observed.events_source == f"queue {FAILURE_QUEUE}"
    calls = [call.operation for call in trace.calls]
    assert "sqs:ReceiveMessage" in calls and not any("Delete" in name for name in calls if name.startswith("sqs"))
    assert _queue_depth(sandbox, seed, url) == depth  # a peek: every message is still there
    findings = _monitoring(judge(snapshot))
    explained = findings["monitoring-failures-explained"]  # the failing versioning layer explains it
    assert explained.aws_failure_reason == "DstBucketUnversioned" and explained.evidence["count"] == 3
    assert explained.evidence["layers"] == ["versioning"] and explained.evidence["source"] == f"queue {FAILURE_QUEUE}"
    contradict = findings["monitoring-failures-contradict"]  # those layers pass: the observed evidence wins
    assert contradict.aws_failure_reason == "DstPutObjectNotPermitted" and contradict.evidence["count"] == 2
    peeked = findings["monitoring-failure-queue-peeked"]
    assert peeked.severity == "info" and "Peeked at 6 of about 6 message(s)" in peeked.message
    assert "a peek of at most 100" in peeked.message


def test_the_queue_read_waits_only_for_the_notification_read(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    subscribe_failure_queue(sandbox, seed)

    _snapshot, trace = traced_probe(connection, seed.source_bucket)

    [notification] = [call for call in trace.calls if call.operation == "s3:GetBucketNotificationConfiguration"]
    # one batch brings S3's test event and is not full: the peek is that one call, one level deeper
    [peek] = [call for call in trace.calls if call.operation == "sqs:ReceiveMessage"]
    assert peek.depth == notification.depth + 1


def test_a_full_first_batch_fans_out_the_rest_in_one_more_level(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    """A busy queue costs two round trips on the chain, not ten: the other batches go out together."""
    subscribe_failure_queue(sandbox, seed)
    send_failure_events(sandbox, seed, {"DstPutObjectNotPermitted": 12})

    snapshot, trace = traced_probe(connection, seed.source_bucket)

    [notification] = [call for call in trace.calls if call.operation == "s3:GetBucketNotificationConfiguration"]
    peeks = [call for call in trace.calls if call.operation == "sqs:ReceiveMessage"]
    assert len(peeks) == MAX_BATCHES
    assert sorted({call.depth for call in peeks}) == [notification.depth + 1, notification.depth + 2]
    [queue] = snapshot.observed.queues
    assert queue.events.is_ok and queue.messages_seen >= BATCH_SIZE  # moto answers the same first 10


def test_sns_wrapped_messages_count_and_the_test_event_does_not(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    subscribe_failure_queue(sandbox, seed)
    send_failure_events(sandbox, seed, {"DstPutObjectNotPermitted": 2}, through_sns=True)

    snapshot = probe(connection, seed.source_bucket)

    [queue] = snapshot.observed.queues
    assert queue.messages_seen == 3
    assert [event.reason for event in queue.events.value or ()] == ["DstPutObjectNotPermitted"] * 2
    assert snapshot.observed.events is not None and len(snapshot.observed.events) == 2


def test_a_denied_queue_is_an_info_note_naming_the_permission(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    subscribe_failure_queue(sandbox, seed)
    send_failure_events(sandbox, seed, {"DstPutObjectNotPermitted": 2})
    sandbox.middleware.fault_hooks.append(deny("sqs:ReceiveMessage"))

    snapshot = probe(connection, seed.source_bucket)

    report = judge(snapshot)
    assert report.verdict == "pass" and report.layer("monitoring").status == "pass"
    assert snapshot.observed.events is None  # nothing was observed, so nothing is grouped
    note = _monitoring(report)["monitoring-failure-queue-unreadable"]
    assert note.severity == "info" and FAILURE_QUEUE in note.message and "sqs:ReceiveMessage" in note.message
    assert note.evidence["command"].startswith("aws sqs receive-message --queue-url")


def test_a_kms_encrypted_queue_without_decrypt_names_kms_decrypt(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    subscribe_failure_queue(sandbox, seed)
    kms_denied = AlwaysFail(lambda request: aws_error("sqs", 400, "KmsAccessDenied", "The ciphertext refers to a "
                                                      "customer master key that does not exist"),
                            matching("sqs:ReceiveMessage"))
    sandbox.middleware.fault_hooks.append(kms_denied)

    report = judge(probe(connection, seed.source_bucket))

    assert report.verdict == "pass"
    note = _monitoring(report)["monitoring-failure-queue-unreadable"]
    assert "KmsAccessDenied" in note.message and "kms:Decrypt" in note.message


def test_a_queue_of_an_account_without_credentials_is_not_read(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    s3: Any = seed_clients(sandbox, seed)["s3_a"]
    foreign = f"arn:aws:sqs:{seed.source_region}:999988887777:elsewhere"
    s3.put_bucket_notification_configuration(Bucket=seed.source_bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": foreign, "Events": ["s3:Replication:*"]}]})

    _snapshot, trace = traced_probe(connection, seed.source_bucket)
    report = judge(_snapshot)

    assert "sqs:ReceiveMessage" not in [call.operation for call in trace.calls]
    note = _monitoring(report)["monitoring-failure-queue-unreadable"]
    assert "999988887777" in note.message and "sqs:ReceiveMessage" in note.message and report.verdict == "pass"


def test_without_a_failure_queue_nothing_changes(sandbox: Sandbox, seed: SeedSetup, connection: Connection) -> None:
    _snapshot, trace = traced_probe(connection, seed.source_bucket)

    assert not [call for call in trace.calls if call.operation.startswith("sqs:")]
    assert _snapshot.observed.queues == () and _snapshot.observed.events is None


def test_queue_failures_before_a_fix_by_this_tool_are_history(
    sandbox: Sandbox, seed: SeedSetup, state_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    BREAKAGES["destination-policy"](sandbox, seed)
    url = subscribe_failure_queue(sandbox, seed)
    send_failure_events(sandbox, seed, {"DstPutObjectNotPermitted": 2})

    before, after = fix_then_check(seed.source_bucket, capsys)

    [explained] = [f for f in before["findings"] if f["code"] == "monitoring-failures-explained"]
    assert explained["aws_failure_reason"] == "DstPutObjectNotPermitted"
    codes = [f["code"] for f in after["findings"]]
    assert "monitoring-failures-before-fix" in codes and "monitoring-failures-contradict" not in codes
    assert after["status"] == "warn"
    assert _queue_depth(sandbox, seed, url) == 3  # three checks later, still the test event and both failures


def test_events_file_and_queue_are_grouped_together(
    sandbox: Sandbox, seed: SeedSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from s3repl_tui.sandbox.observed import failure_events, write_events

    subscribe_failure_queue(sandbox, seed)
    send_failure_events(sandbox, seed, {"DstPutObjectNotPermitted": 2})
    events = write_events(tmp_path / "events.jsonl", failure_events(seed, {"DstPutObjectNotPermitted": 1}))

    main(["check", "--source-bucket", seed.source_bucket, *FLAGS, "--events", str(events), "--format", "json"])

    report = json.loads(capsys.readouterr().out)
    [monitoring] = [layer for layer in report["layers"] if layer["id"] == "monitoring"]
    [finding] = [f for f in monitoring["findings"] if f["code"] == "monitoring-failures-contradict"]
    assert finding["evidence"]["count"] == 3
    assert finding["evidence"]["source"] == f"queue {FAILURE_QUEUE} and events.jsonl"


def test_a_queue_that_no_longer_exists_is_said_so(sandbox: Sandbox, seed: SeedSetup, connection: Connection) -> None:
    url = subscribe_failure_queue(sandbox, seed)
    sqs: Any = sandbox.session(SOURCE_PROFILE).client("sqs", region_name=seed.source_region)
    sqs.delete_queue(QueueUrl=url)  # the subscription stays in the bucket's notification configuration

    report = judge(probe(connection, seed.source_bucket))

    note = _monitoring(report)["monitoring-failure-queue-unreadable"]
    assert "there is no such queue" in note.message and report.verdict == "pass"


def test_without_get_queue_attributes_the_peek_is_reported_without_the_queue_size(
    sandbox: Sandbox, seed: SeedSetup, connection: Connection
) -> None:
    subscribe_failure_queue(sandbox, seed)
    sandbox.middleware.fault_hooks.append(deny("sqs:GetQueueAttributes"))

    snapshot = probe(connection, seed.source_bucket)

    [queue] = snapshot.observed.queues
    assert queue.events.is_ok and queue.messages_held is None
    peeked = _monitoring(judge(snapshot))["monitoring-failure-queue-peeked"]
    assert peeked.message.startswith("Peeked at 1 message(s) on queue")
