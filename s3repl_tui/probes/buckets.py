"""Reads of one bucket, with the credentials of the account that owns it.

GetBucketLocation goes first: it proves the bucket exists (a missing bucket costs one call, not
nine) and names the region whose client reads the rest. The source bucket's replication and
encryption are read at once, without waiting for it: everything else hangs off those two. Every read
settles its fact (``encryption:<bucket>``...): a destination's default key hangs off its encryption."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from s3repl_tui import moto_compat
from s3repl_tui.aws.session import AccountSession
from s3repl_tui.probes.commands import cli_command, owner_profile
from s3repl_tui.probes.reads import attempt, skipped
from s3repl_tui.probes.run import ProbeRun
from s3repl_tui.probes.snapshot import Read

# GetBucketLocation answers None for us-east-1 and the legacy "EU" for eu-west-1.
_LEGACY_LOCATIONS = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


def region_of_location(constraint: str | None) -> str:
    return _LEGACY_LOCATIONS.get(constraint, constraint or "us-east-1")


def _ownership(answer: dict[str, Any]) -> str:
    rules = answer["OwnershipControls"].get("Rules") or [{}]
    return str(rules[0].get("ObjectOwnership", ""))


def _notification(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


@dataclass(frozen=True)
class BucketInput:
    field: str  # the BucketSnapshot field it fills
    operation: str
    method: str  # the boto3 client method
    parse: Callable[[dict[str, Any]], Any]
    absent: tuple[str, ...] = ()  # AWS's "not configured" codes


LOCATION = BucketInput(
    "region", "s3:GetBucketLocation", "get_bucket_location", lambda a: a.get("LocationConstraint")
)
REPLICATION = BucketInput(
    "replication", "s3:GetBucketReplication", "get_bucket_replication",
    lambda a: a["ReplicationConfiguration"], ("ReplicationConfigurationNotFoundError",),
)
ENCRYPTION = BucketInput(
    "encryption", "s3:GetBucketEncryption", "get_bucket_encryption",
    lambda a: a["ServerSideEncryptionConfiguration"], ("ServerSideEncryptionConfigurationNotFoundError",),
)
VERSIONING = BucketInput(
    "versioning", "s3:GetBucketVersioning", "get_bucket_versioning", lambda a: str(a.get("Status", ""))
)
OWNERSHIP = BucketInput(
    "ownership", "s3:GetBucketOwnershipControls", "get_bucket_ownership_controls", _ownership,
    ("OwnershipControlsNotFoundError",),
)
OBJECT_LOCK = BucketInput(
    "object_lock", "s3:GetObjectLockConfiguration", "get_object_lock_configuration",
    lambda a: a["ObjectLockConfiguration"], ("ObjectLockConfigurationNotFoundError",),
)
POLICY = BucketInput(
    "policy", "s3:GetBucketPolicy", "get_bucket_policy", lambda a: json.loads(a["Policy"]), ("NoSuchBucketPolicy",)
)
# S3 always answers a Payer; moto 5.2 answers none for a bucket that never set one: S3's default.
REQUEST_PAYMENT = BucketInput(
    "request_payment", "s3:GetBucketRequestPayment", "get_bucket_request_payment",
    lambda a: str(a.get("Payer", "BucketOwner")),
)
NOTIFICATION = BucketInput(
    "notification", "s3:GetBucketNotificationConfiguration", "get_bucket_notification_configuration",
    _notification,
)
SOURCE_FIRST = (REPLICATION, ENCRYPTION)
SOURCE_LATER = (VERSIONING, OWNERSHIP, OBJECT_LOCK, POLICY, REQUEST_PAYMENT, NOTIFICATION)
DESTINATION_LATER = (VERSIONING, ENCRYPTION, OWNERSHIP, OBJECT_LOCK, POLICY, REQUEST_PAYMENT)


def bucket_fact(field: str, bucket: str) -> str:
    """The fact a bucket read settles: ``region:<bucket>`` (str or None), ``replication:<bucket>``..."""
    return f"{field}:{bucket}"


def bucket_command(run: ProbeRun, operation: str, bucket: str, owner: str | None) -> str:
    profile = owner_profile(run.connection, owner)
    return cli_command(operation, Bucket=bucket, endpoint_url=run.endpoint_url, profile=profile)


@dataclass(frozen=True)
class BucketReader:
    run: ProbeRun
    bucket: str
    session: AccountSession
    owner: str | None  # None: unknown, the session is a guess

    def read(self, item: BucketInput, client: Any) -> Read[Any]:
        return attempt(
            item.operation,
            lambda: item.parse(getattr(client, item.method)(Bucket=self.bucket)),
            account=lambda: self.session.account,  # asked on failure only: needs the caller identity
            command=lambda: bucket_command(self.run, item.operation, self.bucket, self.owner),
            absent=item.absent,
        )

    def put(self, field: str, read: Read[Any]) -> None:
        with self.run.state.edit() as state:
            state.buckets[self.bucket].reads[field] = read

    def read_later(self, items: Sequence[BucketInput], client: Any) -> None:
        for item in items:
            self.run.submit(functools.partial(self._read_and_put, item, client))

    def _read_and_put(self, item: BucketInput, client: Any) -> None:
        read = self.read(item, client)
        self.put(item.field, read)
        self.run.settle(bucket_fact(item.field, self.bucket), read)  # a destination's key follows its encryption


def read_source(run: ProbeRun) -> None:
    """Start every read of the source bucket, with the source credentials. Its first reads go out at
    once: they need no account id, so they are on the wire beside the caller identity (Connection.start)."""
    session = run.connection.source
    client = session.client("s3")
    source = run.source_bucket
    for item in SOURCE_FIRST:

        def read_and_settle(item: BucketInput = item) -> None:
            reader = BucketReader(run, source, session, None)  # the owner is only named in a failure
            read = attempt(item.operation, lambda: item.parse(getattr(client, item.method)(Bucket=source)),
                           account=lambda: session.account,
                           command=lambda: bucket_command(run, item.operation, source, session.account),
                           absent=item.absent)
            if item is REPLICATION:
                read = _as_stored(read, str(client.meta.endpoint_url), source)
            reader.put(item.field, read)
            run.settle(bucket_fact(item.field, source), read)

        run.submit(read_and_settle)

    def locate_source() -> None:  # the rest of the source's reads hang off none of the chains' first links
        account = session.account
        with run.state.edit() as state:
            bucket = state.buckets[source]
            bucket.owner_account = bucket.read_as = account
        locate(run, source, [session], account, SOURCE_LATER)

    run.submit(locate_source)


def _as_stored(read: Read[Any], endpoint_url: str, bucket: str) -> Read[Any]:
    """A plain moto server answers a lossy replication configuration; read the stored one instead."""
    if not isinstance(read.value, dict):
        return read
    return Read.ok(moto_compat.as_stored(read.value, endpoint_url, bucket))


def _cannot_read(kind: str) -> bool:
    # Another account's credentials may still be allowed; a missing bucket or no network is the same
    # for every account.
    return kind in ("access-denied", "credentials")


def locate(
    run: ProbeRun,
    bucket: str,
    sessions: Sequence[AccountSession],
    owner: str | None,
    later: Sequence[BucketInput],
) -> None:
    """GetBucketLocation with the first of ``sessions`` allowed to, then ``later`` in its region."""
    reader = BucketReader(run, bucket, sessions[0], owner)
    read = reader.read(LOCATION, reader.session.client("s3"))
    for session in sessions[1:]:
        if read.error is None or not _cannot_read(read.error.kind):
            break
        reader = BucketReader(run, bucket, session, owner)
        read = reader.read(LOCATION, session.client("s3"))
    with run.state.edit() as state:
        state.buckets[bucket].read_as = reader.session.account
    if read.error is None:
        region = region_of_location(read.value)
        reader.put("exists", Read.ok(True))
        reader.put("region", Read.ok(region))
        run.settle(bucket_fact("region", bucket), region)
        reader.read_later(later, reader.session.client("s3", region))
        return
    error = read.error
    reader.put("exists", Read.absent(error.code) if error.code == "NoSuchBucket" else Read.failed(error))
    reader.put("region", read)
    run.settle(bucket_fact("region", bucket), None)
    if error.kind == "access-denied" and owner is not None and reader.session.account == owner:
        # The owner's credentials lack s3:GetBucketLocation only: the other actions may be allowed.
        reader.read_later(later, reader.session.client("s3"))
        return
    for item in later:
        reader.put(item.field, skipped(error, item.operation, bucket_command(run, item.operation, bucket, owner)))
