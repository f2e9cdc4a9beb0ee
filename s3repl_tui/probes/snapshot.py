"""What was read from AWS, immutable: every input holds its value, "not configured", or why it could
not be read. Checks are pure functions of a Snapshot; nothing here does I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

ErrorKind = Literal[
    "access-denied",  # AccessDenied / AccessDeniedException / 403
    "not-found",  # the resource itself does not exist (NoSuchBucket, NoSuchEntity, NotFoundException)
    "throttled",  # still throttled after botocore's retries
    "network",  # connection refused/reset, timeouts, DNS
    "credentials",  # expired, missing or invalid credentials
    "no-credentials",  # not attempted: no credentials for the account that owns the resource
    "pending",  # not read yet (partial snapshots shown while probing)
    "other",
]
ReadStatus = Literal["ok", "absent", "error"]
Document = dict[str, Any]


@dataclass(frozen=True)
class ReadError:
    """Why one input could not be read, and how its owner can read it instead."""

    kind: ErrorKind
    code: str  # the AWS error code as answered ("AccessDenied"), or a short name of ours
    message: str  # one sentence
    operation: str  # "s3:GetBucketPolicy"
    account: str | None = None  # whose credentials were used (None: none were)
    command: str = ""  # exact AWS CLI command the resource owner can run to read it


@dataclass(frozen=True)
class Read(Generic[T]):
    """One input: ``ok`` with a value, ``absent`` (AWS says it is not configured), or ``error``."""

    status: ReadStatus
    value: T | None = None
    error: ReadError | None = None
    absent_code: str = ""  # e.g. "NoSuchBucketPolicy", "ReplicationConfigurationNotFoundError"

    @staticmethod
    def ok(value: T) -> Read[T]:
        return Read("ok", value=value)

    @staticmethod
    def absent(code: str) -> Read[T]:
        return Read("absent", absent_code=code)

    @staticmethod
    def failed(error: ReadError) -> Read[T]:
        return Read("error", error=error)

    @staticmethod
    def pending(operation: str) -> Read[T]:
        return Read("error", error=ReadError("pending", "Pending", "Not read yet.", operation))

    @property
    def is_ok(self) -> bool:
        return self.status == "ok"

    @property
    def is_absent(self) -> bool:
        return self.status == "absent"

    @property
    def is_error(self) -> bool:
        return self.status == "error"


@dataclass(frozen=True)
class Identity:
    """Who the credentials of one side are (``sts:GetCallerIdentity``)."""

    side: Literal["source", "destination"]
    profile: str | None
    account: str | None
    arn: str | None
    error: ReadError | None = None


@dataclass(frozen=True)
class BucketSnapshot:
    """Everything read about one bucket, with the credentials of the account that owns it."""

    name: str
    owner_account: str | None  # None: could not be determined
    read_as: str | None  # account whose credentials read it; None: not read (no credentials)
    exists: Read[bool]  # from GetBucketLocation: ok(True), or error (not-found "NoSuchBucket", denied…)
    region: Read[str]  # GetBucketLocation, normalised ("us-east-1" for None)
    versioning: Read[str]  # "Enabled" | "Suspended" | "" (never enabled)
    encryption: Read[Document]  # ServerSideEncryptionConfiguration
    ownership: Read[str]  # ObjectOwnership of the first rule
    object_lock: Read[Document]  # ObjectLockConfiguration
    policy: Read[Document]  # the bucket policy, parsed
    request_payment: Read[str]  # "BucketOwner" | "Requester"
    replication: Read[Document] | None = None  # source only: ReplicationConfiguration
    notification: Read[Document] | None = None  # source only: NotificationConfiguration

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"

    @property
    def default_kms_key(self) -> str | None:
        """The KMSMasterKeyID of the default encryption, when it is SSE-KMS or DSSE-KMS."""
        if not self.encryption.is_ok or not self.encryption.value:
            return None
        for rule in self.encryption.value.get("Rules", []):
            default = rule.get("ApplyServerSideEncryptionByDefault", {})
            if str(default.get("SSEAlgorithm", "")).startswith("aws:kms"):
                key = default.get("KMSMasterKeyID")
                return str(key) if key else None
        return None

    @property
    def bucket_key_enabled(self) -> bool | None:
        """Whether S3 Bucket Keys are on (None: encryption unknown)."""
        if self.encryption.is_absent:
            return False
        if not self.encryption.is_ok or self.encryption.value is None:
            return None
        return any(bool(rule.get("BucketKeyEnabled")) for rule in self.encryption.value.get("Rules", []))


@dataclass(frozen=True)
class KeySnapshot:
    """A KMS key as referenced by a rule (ReplicaKmsKeyID) or a bucket's default encryption."""

    reference: str  # as written: key ARN, key id, alias name or alias ARN
    arn: str | None  # the full key ARN once resolved (DescribeKey), else from the reference if an ARN
    region: str | None
    account: str | None
    metadata: Read[Document]  # DescribeKey KeyMetadata
    policy: Read[Document]  # GetKeyPolicy "default", parsed
    aliases: Read[tuple[str, ...]]  # ListAliases for the key
    # ListGrants for the key (each grant as answered); built by hand without it: no grants.
    grants: Read[tuple[Document, ...]] = field(default_factory=lambda: Read.ok(()))


@dataclass(frozen=True)
class RoleSnapshot:
    """The replication role named in the configuration, and every policy that applies to it."""

    arn: str  # as written in the configuration
    name: str
    account: str | None
    role: Read[Document]  # GetRole "Role": Arn, Path, AssumeRolePolicyDocument (dict), PermissionsBoundary
    inline_policies: Read[Mapping[str, Document]]  # policy name -> document
    attached_policies: Read[Mapping[str, Document]]  # policy ARN -> default version document
    boundary: Read[Document]  # absent("NoPermissionsBoundary") when the role has none


DEFAULT_WINDOW_SECONDS = 24 * 3600  # check --since: how far back metrics and failure events count
Series = tuple[tuple[str, float], ...]  # (ISO 8601 time, value), oldest first
MAX_POINTS = 48  # datapoints per metric over the window: enough for a sparkline, one GetMetricData


def period_seconds(window_seconds: int) -> int:
    """A multiple of 60 (CloudWatch's rule for periods over a minute) giving at most MAX_POINTS points."""
    minutes = -(-window_seconds // (60 * MAX_POINTS))
    return max(1, minutes) * 60


@dataclass(frozen=True)
class RuleMetrics:
    """CloudWatch ``AWS/S3`` replication metrics of one rule and destination over the window, read with
    the source account's credentials in the destination bucket's region (where S3 publishes them)."""

    rule_id: str
    destination_bucket: str
    region: str | None
    series: Read[Mapping[str, Series]]  # metric name -> its datapoints


@dataclass(frozen=True)
class FailureEvent:
    """One ``s3:Replication:OperationFailedReplication`` event record (an S3 event notification)."""

    time: str  # eventTime, ISO 8601
    key: str
    version_id: str | None
    rule_id: str | None
    destination_bucket: str | None
    reason: str  # replicationEventData.failureReason


@dataclass(frozen=True)
class QueuePeek:
    """The failure events on an SQS queue the source bucket sends ``OperationFailedReplication`` to, as
    seen by peeking (ReceiveMessage with VisibilityTimeout 0, never DeleteMessage) at a bounded number
    of its messages."""

    arn: str
    name: str
    region: str | None
    account: str | None
    messages_limit: int  # at most this many messages are looked at
    events: Read[tuple[FailureEvent, ...]]  # the failure events among them, within the window
    messages_seen: int = 0  # distinct messages received
    messages_held: int | None = None  # ApproximateNumberOfMessages (None: not read, sqs:GetQueueAttributes)


@dataclass(frozen=True)
class Observations:
    """What AWS says is actually happening: metrics read by the probe, failure events peeked at on the
    source bucket's queues or given to it in a file."""

    window_seconds: int = DEFAULT_WINDOW_SECONDS
    metrics: tuple[RuleMetrics, ...] = ()
    events: tuple[FailureEvent, ...] | None = None  # None: no event source was read
    events_source: str = ""  # where the events came from ("events.jsonl", "queue q")
    queues: tuple[QueuePeek, ...] = ()  # the failure queues read by the probe (their events are in events)
    # layer id -> when this tool last changed a document of it (ISO 8601; from its fix sets)
    changed_at: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CallStats:
    count: int = 0
    wall_seconds: float = 0.0


@dataclass(frozen=True)
class Snapshot:
    """One consistent reading of a replication setup."""

    source_bucket: str
    source_identity: Identity
    dest_identity: Identity | None  # None: no --dest-profile given
    endpoint_url: str | None
    source: BucketSnapshot
    destinations: Mapping[str, BucketSnapshot] = field(default_factory=dict)  # name -> bucket
    role: RoleSnapshot | None = None  # None: no configuration, or it names no role
    keys: Mapping[str, KeySnapshot] = field(default_factory=dict)  # reference as written -> key
    calls: CallStats = CallStats()
    observed: Observations = Observations()

    @property
    def replication(self) -> Document | None:
        read = self.source.replication
        return read.value if read is not None and read.is_ok else None
