"""Reading failure events off an SQS queue, without AWS: which notification entries name a failure
queue, and how many receives a peek makes (bounded, stopping when nothing new comes), with a stand-in
client that records every call."""

from __future__ import annotations

import json
from typing import Any

from s3repl_tui.probes.sqs_events import (
    BATCH_SIZE,
    MAX_BATCHES,
    MESSAGES_LIMIT,
    _batch,
    failure_events_of,
    failure_queues,
)

QUEUE = "arn:aws:sqs:us-east-1:123456789012:failures"
FAILED = {"Records": [{"eventName": "Replication:OperationFailedReplication", "eventTime": "2026-12-07T05:00:00Z",
                       "s3": {"object": {"key": "a+b.csv"}},
                       "replicationEventData": {"failureReason": "DstBucketUnversioned",
                                                "destinationBucket": "arn:aws:s3:::dst"}}]}


class FakeQueue:
    """Answers ReceiveMessage with the next ``batches`` (then nothing), recording each call's arguments."""

    def __init__(self, batches: list[list[dict[str, str]]]) -> None:
        self.batches = batches
        self.calls: list[dict[str, Any]] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        batch = self.batches[len(self.calls) - 1] if len(self.calls) <= len(self.batches) else []
        return {"Messages": batch}

    def delete_message(self, **kwargs: Any) -> None:  # pragma: no cover - a peek must never get here
        raise AssertionError("a peek deleted a message")


def _message(number: int, body: Any = FAILED) -> dict[str, str]:
    return {"MessageId": f"m{number}", "Body": json.dumps(body), "ReceiptHandle": f"r{number}"}


def test_only_queue_entries_receiving_failure_events_name_a_failure_queue() -> None:
    notification = {
        "QueueConfigurations": [
            {"QueueArn": "arn:aws:sqs:us-east-1:1:created", "Events": ["s3:ObjectCreated:*"]},
            {"QueueArn": QUEUE, "Events": ["s3:Replication:*"]},
            {"QueueArn": QUEUE, "Events": ["s3:Replication:OperationFailedReplication"]},
            {"QueueArn": "arn:aws:sqs:us-east-1:1:late", "Events": ["s3:Replication:OperationMissedThreshold"]},
        ],
        "TopicConfigurations": [{"TopicArn": "arn:aws:sns:us-east-1:1:t",
                                 "Events": ["s3:Replication:OperationFailedReplication"]}],
    }
    assert list(failure_queues(notification)) == [QUEUE]
    assert list(failure_queues({})) == []


def test_a_batch_never_waits_and_never_hides_a_message() -> None:
    queue = FakeQueue([[_message(1)]])

    assert [m["MessageId"] for m in _batch(queue, "https://sqs/q")] == ["m1"]  # type: ignore[arg-type]
    assert queue.calls == [{"QueueUrl": "https://sqs/q", "MaxNumberOfMessages": BATCH_SIZE, "VisibilityTimeout": 0,
                            "WaitTimeSeconds": 0}]


def test_repeated_messages_count_once() -> None:
    batches = [[_message(n) for n in range(10)], [_message(n) for n in range(5, 12)], [_message(3)]]

    events, seen = failure_events_of(batches)

    assert seen == 12 and len(events) == 12 and events[0].key == "a b.csv"


def test_a_busy_queue_is_read_up_to_the_limit() -> None:
    batches = [[_message(b * BATCH_SIZE + n) for n in range(BATCH_SIZE)] for b in range(MAX_BATCHES + 5)]

    _events, seen = failure_events_of(batches)

    assert seen == MESSAGES_LIMIT == 100


def test_sns_envelopes_test_events_and_foreign_bodies_are_read_by_the_events_parser() -> None:
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "src"}
    sns = {"Type": "Notification", "Message": json.dumps(FAILED)}
    batch = [_message(1, sns), _message(2, test_event), {"MessageId": "m3", "Body": "not json"},
             _message(4, {"Records": [{"eventName": "ObjectCreated:Put"}]})]

    events, seen = failure_events_of([batch])

    assert seen == 4 and [event.reason for event in events] == ["DstBucketUnversioned"]
    assert events[0].destination_bucket == "dst"
