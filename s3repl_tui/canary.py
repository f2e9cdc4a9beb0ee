"""The canary: write one small object to the source bucket and watch S3 replicate it.

It proves end to end what the checks can only infer. The object goes under a dedicated prefix with
the source bucket's own encryption; its ``ReplicationStatus`` is polled until COMPLETED (or the
legacy COMPLETE), FAILED or a timeout; the replica is then checked when the destination is readable.
Afterwards the canary deletes only its own versions, always by version id: S3 never replicates a
delete that names a version, so cleaning up cannot delete anything in the destination by replication.

Where the status comes from is a strategy (``ReplicationWatcher``): S3's HeadObject in real life, or
``ReplicationEmulator`` in the demo, because moto never replicates. Core module: no Textual here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from s3repl_tui.aws.errors import error_code
from s3repl_tui.checks.model import Report

DEFAULT_PREFIX = ".s3repl-tui/canary/"
DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_POLL_SECONDS = 2.0
# S3 sets PENDING when it accepts the PUT; an object still without any status after this long is
# out of every rule's scope (filter, or SSE-KMS objects not opted in) and will never replicate.
NO_STATUS_GRACE_SECONDS = 10.0

Outcome = Literal["COMPLETED", "FAILED", "NOT_REPLICATED", "TIMEOUT"]
S3Client = Any  # a boto3 S3 client; its stubs' TypedDict kwargs do not fit the dynamic calls here

# S3 answers COMPLETED; older API versions and documentation say COMPLETE.
_DONE_STATUSES = frozenset({"COMPLETED", "COMPLETE"})


@dataclass(frozen=True)
class CanaryTarget:
    """What the canary needs to know about the setup, read from the source bucket."""

    source_bucket: str
    key: str
    put_encryption: Mapping[str, Any]  # PutObject arguments that reproduce the bucket's default encryption
    rule_id: str | None = None  # the rule that covers the key (None: no enabled rule does)
    destination_bucket: str | None = None
    replica_kms_key: str | None = None
    owner_override: bool = False


@dataclass(frozen=True)
class CanaryProgress:
    phase: Literal["writing", "waiting", "checking-replica", "cleaning-up"]
    status: str | None  # the object's ReplicationStatus as last seen
    elapsed_seconds: float
    message: str


@dataclass(frozen=True)
class ReplicaCheck:
    name: str  # "replication status", "encryption", "owner"
    ok: bool | None  # None: could not be checked
    detail: str


@dataclass(frozen=True)
class CanaryResult:
    outcome: Outcome
    bucket: str
    key: str
    version_id: str | None
    status: str | None  # the last ReplicationStatus seen
    elapsed_seconds: float
    emulated: bool
    message: str  # one sentence a person can act on
    blamed_layer: str | None = None  # on FAILED/NOT_REPLICATED: the first layer the check fails
    replica_checks: tuple[ReplicaCheck, ...] = ()
    cleanup: tuple[str, ...] = ()  # what was deleted, and what was deliberately left


class ReplicationWatcher(Protocol):
    """Where the canary learns what replication did with its object."""

    @property
    def emulated(self) -> bool: ...

    def status(self, key: str, version_id: str | None) -> str | None:
        """The source object's ReplicationStatus (PENDING, COMPLETED, FAILED) or None."""
        ...

    def replica_version(self, key: str, version_id: str | None) -> str | None:
        """The version id of the replica in the destination bucket (None: not known)."""
        ...

    def replica_status(self, head: Mapping[str, Any]) -> str | None:
        """The ReplicationStatus of the replica, given its HeadObject answer."""
        ...


class S3ReplicationWatcher:
    """The real thing: S3 reports the status on HeadObject; replicas keep the source's version id."""

    emulated = False

    def __init__(self, source_s3: S3Client, bucket: str) -> None:
        self._s3 = source_s3
        self._bucket = bucket

    def status(self, key: str, version_id: str | None) -> str | None:
        head = self._s3.head_object(**_object_ref(self._bucket, key, version_id))
        status = head.get("ReplicationStatus")
        return str(status) if status else None

    def replica_version(self, key: str, version_id: str | None) -> str | None:
        return version_id

    def replica_status(self, head: Mapping[str, Any]) -> str | None:
        status = head.get("ReplicationStatus")
        return str(status) if status else None


class ReplicationEmulator:
    """Stands in for S3 replication where nothing replicates (the moto sandbox of the demo).

    The outcome follows the check's verdict at the time the canary starts: any failing layer means
    FAILED, otherwise COMPLETED after ``delay_seconds``, when the object is copied into the destination
    with the destination account's credentials, encrypted with the rule's replica key, as S3 would.
    """

    emulated = True

    def __init__(
        self,
        *,
        report: Report | None,
        target: CanaryTarget,
        source_s3: S3Client,
        dest_s3: S3Client | None,
        delay_seconds: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._failing = first_failing_layer(report) if report is not None else "unknown"
        self._target = target
        self._source_s3 = source_s3
        self._dest_s3 = dest_s3
        self._delay = delay_seconds
        self._clock = clock
        self._started: float | None = None
        self._replicas: dict[tuple[str, str | None], str | None] = {}

    def status(self, key: str, version_id: str | None) -> str | None:
        if self._target.rule_id is None:
            return None  # no rule covers the key: S3 would set no status at all
        now = self._clock()
        if self._started is None:
            self._started = now
        if now - self._started < self._delay:
            return "PENDING"
        if self._failing is not None or self._dest_s3 is None or not self._target.destination_bucket:
            return "FAILED"
        if (key, version_id) not in self._replicas:
            self._replicas[(key, version_id)] = self._copy_to_destination(key, version_id)
        return "COMPLETED"

    def replica_version(self, key: str, version_id: str | None) -> str | None:
        return self._replicas.get((key, version_id))

    def replica_status(self, head: Mapping[str, Any]) -> str | None:
        ours = head.get("VersionId") in self._replicas.values()
        return "REPLICA" if ours else None

    def _copy_to_destination(self, key: str, version_id: str | None) -> str | None:
        assert self._dest_s3 is not None and self._target.destination_bucket
        body = self._source_s3.get_object(**_object_ref(self._target.source_bucket, key, version_id))
        extra: dict[str, Any] = {}
        if self._target.replica_kms_key:
            extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self._target.replica_kms_key}
        answer = self._dest_s3.put_object(
            Bucket=self._target.destination_bucket,
            Key=key,
            Body=body["Body"].read(),
            Metadata=dict(body.get("Metadata") or {}),
            **extra,
        )
        version = answer.get("VersionId")
        return str(version) if version else None


def first_failing_layer(report: Report) -> str | None:
    """The layer a failed replication is blamed on: the first one, in replication order, that fails."""
    for layer in report.layers:
        if layer.status == "fail":
            return layer.id
    return None


def _object_ref(bucket: str, key: str, version_id: str | None) -> dict[str, str]:
    ref = {"Bucket": bucket, "Key": key}
    if version_id:
        ref["VersionId"] = version_id
    return ref


def _rule_prefix(rule: Mapping[str, Any]) -> str | None:
    """The key prefix a rule covers, or None when it also filters on tags (the canary has none)."""
    if "Filter" not in rule:
        return str(rule.get("Prefix", ""))  # V1 rule
    rule_filter = rule.get("Filter") or {}
    if "Tag" in rule_filter:
        return None
    if "And" in rule_filter:
        both = rule_filter["And"] or {}
        return None if both.get("Tags") else str(both.get("Prefix", ""))
    return str(rule_filter.get("Prefix", ""))


def _covering_rule(configuration: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """The enabled rule S3 would apply to ``key``: highest priority wins (V1 rules: the first)."""
    candidates = []
    for index, rule in enumerate(configuration.get("Rules", [])):
        prefix = _rule_prefix(rule)
        if rule.get("Status") == "Enabled" and prefix is not None and key.startswith(prefix):
            candidates.append((-int(rule.get("Priority", 0)), index, rule))
    return min(candidates, key=lambda item: item[:2])[2] if candidates else None


def _put_encryption(source_s3: S3Client, bucket: str) -> dict[str, Any]:
    """PutObject arguments that repeat the bucket's default encryption (empty: let S3 apply it)."""
    try:
        answer = source_s3.get_bucket_encryption(Bucket=bucket)
    except (ClientError, BotoCoreError):
        return {}
    for rule in answer.get("ServerSideEncryptionConfiguration", {}).get("Rules", []):
        default = rule.get("ApplyServerSideEncryptionByDefault", {})
        algorithm = default.get("SSEAlgorithm")
        if not algorithm:
            continue
        arguments: dict[str, Any] = {"ServerSideEncryption": algorithm}
        if str(algorithm).startswith("aws:kms") and default.get("KMSMasterKeyID"):
            arguments["SSEKMSKeyId"] = default["KMSMasterKeyID"]
            arguments["BucketKeyEnabled"] = bool(rule.get("BucketKeyEnabled"))
        return arguments
    return {}


def read_target(source_s3: S3Client, bucket: str, prefix: str = DEFAULT_PREFIX) -> CanaryTarget:
    """Choose the canary's key and read what the replica should look like.

    When the default prefix lies outside every rule's filter but a rule covers a prefix, the canary
    goes under that prefix instead, so it tests the rule that replicates real objects.
    """
    try:
        configuration = source_s3.get_bucket_replication(Bucket=bucket).get("ReplicationConfiguration", {})
    except ClientError as error:
        if error_code(error) != "ReplicationConfigurationNotFoundError":
            raise
        configuration = {}
    name = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}.txt"
    key = f"{prefix}{name}"
    rule = _covering_rule(configuration, key)
    if rule is None and prefix == DEFAULT_PREFIX:
        for candidate in configuration.get("Rules", []):
            rule_prefix = _rule_prefix(candidate)
            if candidate.get("Status") == "Enabled" and rule_prefix:
                key = f"{rule_prefix}{DEFAULT_PREFIX}{name}"
                rule = _covering_rule(configuration, key)
                break
    destination: Mapping[str, Any] = (rule or {}).get("Destination", {})
    bucket_arn = str(destination.get("Bucket", ""))
    return CanaryTarget(
        source_bucket=bucket,
        key=key,
        put_encryption=_put_encryption(source_s3, bucket),
        rule_id=None if rule is None else str(rule.get("ID") or "(no id)"),
        destination_bucket=bucket_arn.rsplit(":", 1)[-1] or None,
        replica_kms_key=destination.get("EncryptionConfiguration", {}).get("ReplicaKmsKeyID"),
        owner_override=destination.get("AccessControlTranslation", {}).get("Owner") == "Destination",
    )


@dataclass
class _Clock:
    now: Callable[[], float]
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.now()

    @property
    def elapsed(self) -> float:
        return self.now() - self.started


def run_canary(
    *,
    source_s3: S3Client,
    dest_s3: S3Client | None,
    target: CanaryTarget,
    watcher: ReplicationWatcher,
    report: Report | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    no_status_grace_seconds: float = NO_STATUS_GRACE_SECONDS,
    on_progress: Callable[[CanaryProgress], None] = lambda progress: None,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CanaryResult:
    """Write, watch, check the replica, clean up. ``report`` is the check whose failing layer a
    FAILED replication is blamed on; ``dest_s3`` (destination credentials) may be None."""
    timer = _Clock(clock)
    bucket, key = target.source_bucket, target.key
    on_progress(CanaryProgress("writing", None, 0.0, f"Writing s3://{bucket}/{key}"))
    answer = source_s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=b"s3repl-tui canary: safe to delete\n",
        ContentType="text/plain",
        **target.put_encryption,
    )
    version_id = str(answer["VersionId"]) if answer.get("VersionId") else None
    status: str | None = None
    outcome: Outcome = "TIMEOUT"
    replica_checks: tuple[ReplicaCheck, ...] = ()
    try:
        while True:
            status = watcher.status(key, version_id)
            if status in _DONE_STATUSES:
                outcome = "COMPLETED"
                break
            if status == "FAILED":
                outcome = "FAILED"
                break
            if status is None and timer.elapsed >= min(no_status_grace_seconds, timeout_seconds):
                outcome = "NOT_REPLICATED"
                break
            if timer.elapsed >= timeout_seconds or should_stop():
                break
            on_progress(
                CanaryProgress(
                    "waiting", status, timer.elapsed, f"ReplicationStatus {status or '(none yet)'}"
                )
            )
            sleep(poll_seconds)
        if outcome == "COMPLETED":
            on_progress(CanaryProgress("checking-replica", status, timer.elapsed, "Checking the replica"))
            replica_checks = _check_replica(dest_s3, target, watcher, version_id)
    finally:
        on_progress(CanaryProgress("cleaning-up", status, timer.elapsed, "Deleting the canary's versions"))
        cleanup = _clean_up(source_s3, dest_s3, target, watcher, version_id)
    blamed = first_failing_layer(report) if report is not None and outcome != "COMPLETED" else None
    if outcome == "NOT_REPLICATED" and blamed is None:
        blamed = "rule"  # nothing else fails: the rule's scope left the object out
    return CanaryResult(
        outcome=outcome,
        bucket=bucket,
        key=key,
        version_id=version_id,
        status=status,
        elapsed_seconds=timer.elapsed,
        emulated=watcher.emulated,
        message=_summary(outcome, target, status, blamed, timer.elapsed, watcher.emulated),
        blamed_layer=blamed,
        replica_checks=replica_checks,
        cleanup=cleanup,
    )


def _summary(
    outcome: Outcome,
    target: CanaryTarget,
    status: str | None,
    blamed: str | None,
    elapsed: float,
    emulated: bool,
) -> str:
    where = f"s3://{target.destination_bucket}" if target.destination_bucket else "the destination"
    emulation = " (replication emulated)" if emulated else ""
    if outcome == "COMPLETED":
        return f"The canary replicated to {where} in {elapsed:.1f} s{emulation}."
    if outcome == "FAILED":
        cause = f"; the check blames layer '{blamed}'" if blamed else "; the check finds no cause"
        return f"S3 marked the canary FAILED{emulation}{cause}."
    if outcome == "NOT_REPLICATED":
        return (
            "S3 set no replication status on the canary: no enabled rule covers it, or the rule "
            f"leaves objects like it out (SSE-KMS opt-in){emulation}."
        )
    return f"The canary was still {status or 'without a status'} after {elapsed:.0f} s{emulation}."


def _check_replica(
    dest_s3: S3Client | None, target: CanaryTarget, watcher: ReplicationWatcher, version_id: str | None
) -> tuple[ReplicaCheck, ...]:
    if dest_s3 is None or not target.destination_bucket:
        return (ReplicaCheck("replica", None, "No destination credentials: the replica was not checked."),)
    replica_version = watcher.replica_version(target.key, version_id)
    try:
        head = dest_s3.head_object(**_object_ref(target.destination_bucket, target.key, replica_version))
    except (ClientError, BotoCoreError) as error:
        return (ReplicaCheck("replica", False, f"HeadObject on the replica failed: {error_code(error)}."),)
    checks = [_status_check(watcher.replica_status(head))]
    checks.append(_encryption_check(head, target.replica_kms_key))
    if target.owner_override:
        checks.append(_owner_check(dest_s3, target, replica_version))
    return tuple(checks)


def _status_check(status: str | None) -> ReplicaCheck:
    return ReplicaCheck("replication status", status == "REPLICA", f"ReplicationStatus {status or '(none)'}")


def _encryption_check(head: Mapping[str, Any], replica_key: str | None) -> ReplicaCheck:
    algorithm = head.get("ServerSideEncryption")
    key = head.get("SSEKMSKeyId")
    if replica_key is None:
        return ReplicaCheck("encryption", True, f"{algorithm or 'none'} (the rule names no replica key)")
    # S3 reports the key ARN; the rule may name the key by ARN or id.
    same_key = bool(key) and (key == replica_key or str(key).endswith(f"/{replica_key.rsplit('/', 1)[-1]}"))
    return ReplicaCheck("encryption", same_key, f"{algorithm or 'none'} with {key or 'no key'}")


def _owner_check(dest_s3: S3Client, target: CanaryTarget, replica_version: str | None) -> ReplicaCheck:
    try:
        bucket_owner = dest_s3.get_bucket_acl(Bucket=target.destination_bucket)["Owner"]["ID"]
        object_owner = dest_s3.get_object_acl(
            **_object_ref(str(target.destination_bucket), target.key, replica_version)
        )["Owner"]["ID"]
    except (ClientError, BotoCoreError, KeyError) as error:
        return ReplicaCheck("owner", None, f"Could not read the owner: {error_code(error)}.")
    if object_owner == bucket_owner:
        return ReplicaCheck("owner", True, "Owned by the destination bucket's owner.")
    return ReplicaCheck("owner", False, f"Owned by {object_owner}, not the destination bucket's owner.")


def _clean_up(
    source_s3: S3Client,
    dest_s3: S3Client | None,
    target: CanaryTarget,
    watcher: ReplicationWatcher,
    version_id: str | None,
) -> tuple[str, ...]:
    """Delete the canary's versions by id only: such deletes are never replicated."""
    if version_id is None:
        return (f"Left s3://{target.source_bucket}/{target.key}: it has no version id, and a delete "
                "without one could replicate a delete marker.",)
    notes = [_delete_version(source_s3, target.source_bucket, target.key, version_id)]
    replica_version = watcher.replica_version(target.key, version_id)
    if dest_s3 is not None and target.destination_bucket and replica_version:
        notes.append(_delete_version(dest_s3, target.destination_bucket, target.key, replica_version))
    return tuple(notes)


def _delete_version(s3: S3Client, bucket: str, key: str, version_id: str) -> str:
    try:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)
    except (ClientError, BotoCoreError) as error:
        return f"Could not delete s3://{bucket}/{key} version {version_id}: {error_code(error)}."
    return f"Deleted s3://{bucket}/{key} version {version_id}."
