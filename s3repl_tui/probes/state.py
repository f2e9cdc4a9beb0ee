"""What a probe has read so far: mutable, behind one lock, turned into an immutable Snapshot on demand."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from s3repl_tui.probes.snapshot import DEFAULT_WINDOW_SECONDS, Document, Identity, QueuePeek, Read, RuleMetrics

# Every input of a bucket and the operation that reads it (for pending and skipped reads).
BUCKET_OPERATIONS: dict[str, str] = {
    "exists": "s3:GetBucketLocation",
    "region": "s3:GetBucketLocation",
    "versioning": "s3:GetBucketVersioning",
    "encryption": "s3:GetBucketEncryption",
    "ownership": "s3:GetBucketOwnershipControls",
    "object_lock": "s3:GetObjectLockConfiguration",
    "policy": "s3:GetBucketPolicy",
    "request_payment": "s3:GetBucketRequestPayment",
}
SOURCE_ONLY_OPERATIONS: dict[str, str] = {
    "replication": "s3:GetBucketReplication",
    "notification": "s3:GetBucketNotificationConfiguration",
}
KEY_OPERATIONS: dict[str, str] = {
    "metadata": "kms:DescribeKey",
    "policy": "kms:GetKeyPolicy",
    "aliases": "kms:ListAliases",
    "grants": "kms:ListGrants",
}
ROLE_OPERATIONS: dict[str, str] = {
    "role": "iam:GetRole",
    "inline_policies": "iam:ListRolePolicies",
    "attached_policies": "iam:ListAttachedRolePolicies",
    "boundary": "iam:GetRole",
}


@dataclass
class BucketState:
    name: str
    is_source: bool
    owner_account: str | None = None
    read_as: str | None = None
    reads: dict[str, Read[Any]] = field(default_factory=dict)

    def operations(self) -> dict[str, str]:
        return {**BUCKET_OPERATIONS, **(SOURCE_ONLY_OPERATIONS if self.is_source else {})}


@dataclass
class KeyState:
    reference: str
    arn: str | None  # the reference itself when it is a key ARN
    region: str | None
    account: str | None
    resolved_arn: str | None = None  # KeyMetadata.Arn
    # metadata; policy and aliases only when they are not read by key ARN (then in key_material)
    reads: dict[str, Read[Any]] = field(default_factory=dict)


@dataclass
class RoleState:
    arn: str
    name: str
    account: str | None
    # role and boundary; inline_policies/attached_policies only when their list could not be read
    reads: dict[str, Read[Any]] = field(default_factory=dict)
    inline_names: tuple[str, ...] | None = None
    inline: dict[str, Read[Document]] = field(default_factory=dict)
    attached_arns: tuple[str, ...] | None = None
    boundary_arn: str | None = None


@dataclass
class ProbeState:
    source_bucket: str
    source_identity: Identity | None = None
    dest_identity: Identity | None = None
    buckets: dict[str, BucketState] = field(default_factory=dict)
    destination_names: list[str] = field(default_factory=list)
    keys: dict[str, KeyState] = field(default_factory=dict)
    key_ranks: dict[str, tuple[int, int]] = field(default_factory=dict)  # reference -> order in snapshot
    key_material: dict[str, dict[str, Read[Any]]] = field(default_factory=dict)  # key ARN -> policy, aliases
    role: RoleState | None = None
    managed_policies: dict[str, Read[Document]] = field(default_factory=dict)  # ARN -> default version
    window_seconds: int = DEFAULT_WINDOW_SECONDS
    metrics: dict[tuple[str, str], RuleMetrics] = field(default_factory=dict)  # (rule id, destination) ->
    queues: dict[str, QueuePeek] = field(default_factory=dict)  # queue ARN -> its peeked failure events
    queue_depths: dict[str, int] = field(default_factory=dict)  # queue ARN -> ApproximateNumberOfMessages
    changed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def edit(self) -> Iterator[ProbeState]:
        """Change the state under its lock; marks it changed for the next partial snapshot."""
        with self._lock:
            yield self
            self.changed = True

    @contextmanager
    def view(self) -> Iterator[ProbeState]:
        with self._lock:
            yield self
