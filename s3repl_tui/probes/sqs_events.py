"""Failure events peeked at on the SQS queues the source bucket sends them to.

When the source bucket's notification configuration has a ``QueueConfigurations`` entry receiving
``s3:Replication:OperationFailedReplication`` (or ``s3:Replication:*``), the queue's ARN names its
Region and account; with credentials of that account the probe looks at its messages one level
after the notification read: ReceiveMessage with ``VisibilityTimeout=0`` (the messages stay visible
to the owner's consumers) and ``WaitTimeSeconds=0`` (never waits for messages to arrive), at most
``MAX_BATCHES`` batches of ``BATCH_SIZE``. It never deletes a message: the queue belongs to its owner.
Repeated receives on a standard queue sample its servers, so a batch may repeat messages already
seen; the read stops at the first batch that brings nothing new. Beside it, GetQueueAttributes asks how
many messages the queue holds (ApproximateNumberOfMessages), so the report says how much it saw. Bodies are parsed by
``probes.events.failure_events``, the same parser as ``check --events`` (direct S3 notifications or
SNS envelopes; ``s3:TestEvent`` holds no failure).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from s3repl_tui.aws.arns import Arn
from s3repl_tui.probes.buckets import bucket_fact
from s3repl_tui.probes.commands import cli_command, owner_profile
from s3repl_tui.probes.events import failure_events, within_window
from s3repl_tui.probes.reads import attempt, not_attempted
from s3repl_tui.probes.run import Facts, ProbeRun
from s3repl_tui.probes.snapshot import FailureEvent, QueuePeek, Read

if TYPE_CHECKING:
    from types_boto3_sqs.client import SQSClient

OPERATION = "sqs:ReceiveMessage"
BATCH_SIZE = 10  # ReceiveMessage's maximum
MAX_BATCHES = 10  # so a busy queue never stalls the check: at most 100 messages
MESSAGES_LIMIT = BATCH_SIZE * MAX_BATCHES
FAILURE_EVENTS = ("s3:Replication:OperationFailedReplication", "s3:Replication:*")


def failure_queues(notification: Mapping[str, Any]) -> Iterator[str]:
    """The ARNs of the queues that receive replication failure events, each once, in order."""
    seen: set[str] = set()
    for entry in notification.get("QueueConfigurations") or []:
        if not isinstance(entry, dict):
            continue
        arn = entry.get("QueueArn")
        events = entry.get("Events") or []
        if isinstance(arn, str) and arn not in seen and any(event in FAILURE_EVENTS for event in events):
            seen.add(arn)
            yield arn


def read_failure_queues(run: ProbeRun) -> None:
    """Once the source's notification configuration is read, peek at each failure queue it names."""
    fact = bucket_fact("notification", run.source_bucket)
    run.when([fact], functools.partial(_follow_notification, run, fact))


def _follow_notification(run: ProbeRun, fact: str, facts: Facts) -> None:
    read: Read[Any] = facts[fact]
    if not read.is_ok or not isinstance(read.value, dict):
        return
    for arn in failure_queues(read.value):
        if run.claim(f"queue:{arn}"):
            run.submit(functools.partial(_peek, run, arn))
            run.submit(functools.partial(_count, run, arn))  # beside the peek: how much of the queue it saw


def _count(run: ProbeRun, arn: str) -> None:
    """ApproximateNumberOfMessages, so the report can say how much of the queue the peek saw. Optional:
    without sqs:GetQueueAttributes the peek is reported without it."""
    parsed = Arn.parse(arn)
    if parsed is None or not parsed.account:
        return
    session = run.connection.for_account(parsed.account)
    if session is None:
        return
    client: SQSClient = session.client("sqs", parsed.region or None)
    try:
        answer = client.get_queue_attributes(QueueUrl=_queue_url(client, parsed.account, parsed.resource),
                                             AttributeNames=["ApproximateNumberOfMessages"])
        held = int(answer.get("Attributes", {}).get("ApproximateNumberOfMessages", ""))
    except (ClientError, BotoCoreError, ValueError):  # denied, missing or odd: the peek is reported without it
        return
    with run.state.edit() as state:
        state.queue_depths[arn] = held


def _queue_url(client: SQSClient, account: str, name: str) -> str:
    """SQS queue URLs are the service endpoint, the account and the name (no GetQueueUrl call)."""
    return f"{str(client.meta.endpoint_url).rstrip('/')}/{account}/{name}"


def _peek(run: ProbeRun, arn: str) -> None:
    parsed = Arn.parse(arn)
    name = parsed.resource if parsed else arn.rsplit(":", 1)[-1]
    region = parsed.region if parsed and parsed.region else None
    account = parsed.account if parsed and parsed.account else None
    session = run.connection.for_account(account)
    url_hint = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
    command = cli_command(
        OPERATION, QueueUrl=url_hint, VisibilityTimeout="0", MaxNumberOfMessages=str(BATCH_SIZE),
        region=region, endpoint_url=run.endpoint_url, profile=owner_profile(run.connection, account),
    )
    if session is None or account is None:
        peek = QueuePeek(arn, name, region, account, MESSAGES_LIMIT, not_attempted(OPERATION, account, command))
    else:
        with run.state.view() as state:
            window = state.window_seconds
        client: SQSClient = session.client("sqs", region)
        read = attempt(OPERATION, lambda: _receive(client, _queue_url(client, account, name)),
                       account=lambda: session.account, command=command)
        found, seen = read.value if read.value is not None else ((), 0)
        events: Read[tuple[FailureEvent, ...]] = (
            Read.ok(within_window(found, window)) if read.error is None else Read.failed(read.error)
        )
        peek = QueuePeek(arn, name, region, account, MESSAGES_LIMIT, events, seen)
    with run.state.edit() as state:
        state.queues[arn] = peek


def _receive(client: SQSClient, url: str) -> tuple[tuple[FailureEvent, ...], int]:
    """Up to MAX_BATCHES receives, leaving every message on the queue; the failure events of their bodies
    and how many distinct messages were seen."""
    bodies: dict[str, str] = {}
    for _batch in range(MAX_BATCHES):
        answer = client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=BATCH_SIZE, VisibilityTimeout=0, WaitTimeSeconds=0
        )
        new = {m["MessageId"]: m.get("Body", "") for m in answer.get("Messages") or []
               if "MessageId" in m and m["MessageId"] not in bodies}
        if not new:
            break
        bodies.update(new)
        if len(bodies) >= MESSAGES_LIMIT:
            break
    found: list[FailureEvent] = []
    for body in bodies.values():
        try:
            document = json.loads(body)
        except ValueError:  # not an S3 notification: another producer shares the queue
            continue
        found += failure_events(document)
    return tuple(found), len(bodies)
