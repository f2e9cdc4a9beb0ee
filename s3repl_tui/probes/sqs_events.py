"""Failure events peeked at on the SQS queues the source bucket sends them to.

When the source bucket's notification configuration has a ``QueueConfigurations`` entry receiving
``s3:Replication:OperationFailedReplication`` (or ``s3:Replication:*``), the queue's ARN names its
Region and account; with credentials of that account the probe looks at its messages one level
after the notification read: ReceiveMessage with ``VisibilityTimeout=0`` (the messages stay visible
to the owner's consumers) and ``WaitTimeSeconds=0`` (never waits for messages to arrive), at most
``MAX_BATCHES`` batches of ``BATCH_SIZE``. It never deletes a message: the queue belongs to its owner.
One batch that comes back short is the whole peek; a full one sends the other batches together, one
level deeper (repeated receives on a standard queue sample its servers, so batches may repeat
messages: they are counted once). Beside it, GetQueueAttributes asks how
many messages the queue holds (ApproximateNumberOfMessages), so the report says how much it saw. Bodies are parsed by
``probes.events.failure_events``, the same parser as ``check --events`` (direct S3 notifications or
SNS envelopes; ``s3:TestEvent`` holds no failure).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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

    from s3repl_tui.aws.session import AccountSession

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
            queue = _Queue.of(run, arn)
            run.submit(functools.partial(_peek, run, queue))
            run.submit(functools.partial(_count, run, queue))  # beside the peek: how much of the queue it saw


@dataclass(frozen=True)
class _Queue:
    """A failure queue as its ARN names it, and the session of its account (None: no credentials)."""

    arn: str
    name: str
    region: str | None
    account: str | None
    session: AccountSession | None

    @classmethod
    def of(cls, run: ProbeRun, arn: str) -> _Queue:
        parsed = Arn.parse(arn)
        account = parsed.account if parsed and parsed.account else None
        return cls(arn, parsed.resource if parsed else arn.rsplit(":", 1)[-1],
                   parsed.region if parsed and parsed.region else None, account, run.connection.for_account(account))

    def client(self) -> SQSClient:
        assert self.session is not None
        client: SQSClient = self.session.client("sqs", self.region)
        return client

    def url(self, client: SQSClient) -> str:
        """SQS queue URLs are the service endpoint, the account and the name (no GetQueueUrl call)."""
        return f"{str(client.meta.endpoint_url).rstrip('/')}/{self.account}/{self.name}"


def _count(run: ProbeRun, queue: _Queue) -> None:
    """ApproximateNumberOfMessages, so the report can say how much of the queue the peek saw. Optional:
    without sqs:GetQueueAttributes the peek is reported without it."""
    if queue.session is None or queue.account is None:
        return
    client = queue.client()
    try:
        answer = client.get_queue_attributes(QueueUrl=queue.url(client), AttributeNames=["ApproximateNumberOfMessages"])
        held = int(answer.get("Attributes", {}).get("ApproximateNumberOfMessages", ""))
    except (ClientError, BotoCoreError, ValueError):  # denied, missing or odd: the peek is reported without it
        return
    with run.state.edit() as state:
        state.queue_depths[queue.arn] = held


def _peek(run: ProbeRun, queue: _Queue) -> None:
    """The first batch; when it comes back full, the other batches at once (one more round trip on the
    chain, not nine: with VisibilityTimeout 0 no batch hides messages from the next)."""
    command = cli_command(
        OPERATION, QueueUrl=f"https://sqs.{queue.region}.amazonaws.com/{queue.account}/{queue.name}",
        VisibilityTimeout="0", MaxNumberOfMessages=str(BATCH_SIZE), region=queue.region,
        endpoint_url=run.endpoint_url, profile=owner_profile(run.connection, queue.account),
    )
    if queue.session is None or queue.account is None:
        _record(run, queue, not_attempted(OPERATION, queue.account, command), [])
        return
    session, client = queue.session, queue.client()
    first = attempt(OPERATION, lambda: _batch(client, queue.url(client)), account=lambda: session.account,
                    command=command)
    if first.error is not None or len(first.value or []) < BATCH_SIZE:
        _record(run, queue, first, [first.value or []])
        return
    more = [f"queue-batch:{queue.arn}:{number}" for number in range(1, MAX_BATCHES)]
    for fact in more:
        run.submit(functools.partial(_more, run, client, queue.url(client), fact))
    run.when(more, lambda facts: _record(run, queue, first, [first.value or [], *(facts[f] for f in more)]))


def _more(run: ProbeRun, client: SQSClient, url: str, fact: str) -> None:
    try:
        messages = _batch(client, url)
    except (ClientError, BotoCoreError):  # the first batch was read: the peek stands on what came
        messages = []
    run.settle(fact, messages)


def _batch(client: SQSClient, url: str) -> list[Any]:
    """One ReceiveMessage that leaves every message on the queue and never waits for one to arrive."""
    answer = client.receive_message(QueueUrl=url, MaxNumberOfMessages=BATCH_SIZE, VisibilityTimeout=0,
                                    WaitTimeSeconds=0)
    return list(answer.get("Messages") or [])


def _record(run: ProbeRun, queue: _Queue, first: Read[Any], batches: list[list[Any]]) -> None:
    if first.error is not None:
        events: Read[tuple[FailureEvent, ...]] = Read.failed(first.error)
        found: tuple[FailureEvent, ...] = ()
        seen = 0
    else:
        found, seen = failure_events_of(batches)
        with run.state.view() as state:
            window = state.window_seconds
        events = Read.ok(within_window(found, window))
    peek = QueuePeek(queue.arn, queue.name, queue.region, queue.account, MESSAGES_LIMIT, events, seen)
    with run.state.edit() as state:
        state.queues[queue.arn] = peek


def failure_events_of(batches: list[list[Any]]) -> tuple[tuple[FailureEvent, ...], int]:
    """The failure events in the bodies of the distinct messages of ``batches`` (at most MESSAGES_LIMIT;
    a standard queue's receives sample its servers, so batches may repeat messages), and how many."""
    bodies: dict[str, str] = {}
    for message in (m for batch in batches for m in batch):
        if isinstance(message, dict) and "MessageId" in message and len(bodies) < MESSAGES_LIMIT:
            bodies.setdefault(message["MessageId"], message.get("Body", ""))
    found: list[FailureEvent] = []
    for body in bodies.values():
        try:
            document = json.loads(body)
        except ValueError:  # not an S3 notification: another producer shares the queue
            continue
        found += failure_events(document)
    return tuple(found), len(bodies)
