"""ProbeState -> Snapshot. Whatever has not been read yet is ``Read.pending``. Pure; caller holds the lock.

The snapshot gets fresh containers, so the probe can go on filling its state while the TUI shows it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from s3repl_tui.aws.arns import Arn
from s3repl_tui.probes.snapshot import (
    BucketSnapshot,
    CallStats,
    Document,
    Identity,
    KeySnapshot,
    Observations,
    Read,
    ReadError,
    RoleSnapshot,
    Snapshot,
)
from s3repl_tui.probes.state import (
    KEY_OPERATIONS,
    ROLE_OPERATIONS,
    BucketState,
    KeyState,
    ProbeState,
    RoleState,
)

Side = Literal["source", "destination"]


def bucket_snapshot(state: BucketState) -> BucketSnapshot:
    operations = state.operations()

    def get(name: str) -> Read[Any]:
        return state.reads.get(name) or Read.pending(operations[name])

    return BucketSnapshot(
        name=state.name,
        owner_account=state.owner_account,
        read_as=state.read_as,
        exists=get("exists"),
        region=get("region"),
        versioning=get("versioning"),
        encryption=get("encryption"),
        ownership=get("ownership"),
        object_lock=get("object_lock"),
        policy=get("policy"),
        request_payment=get("request_payment"),
        replication=get("replication") if state.is_source else None,
        notification=get("notification") if state.is_source else None,
    )


def _key(state: KeyState, material: Mapping[str, Mapping[str, Read[Any]]]) -> KeySnapshot:
    arn = state.resolved_arn or state.arn
    shared = material.get(arn or "", {})

    def get(name: str) -> Read[Any]:
        return state.reads.get(name) or shared.get(name) or Read.pending(KEY_OPERATIONS[name])

    parsed = Arn.parse(arn) if arn else None
    return KeySnapshot(
        reference=state.reference,
        arn=arn,
        region=parsed.region if parsed else state.region,
        account=parsed.account if parsed else state.account,
        metadata=get("metadata"),
        policy=get("policy"),
        aliases=get("aliases"),
        grants=get("grants"),
    )


def _collect(
    names: Iterable[str] | None, reads: Mapping[str, Read[Document]], operation: str
) -> Read[Mapping[str, Document]]:
    """All of them, or the first reason one is missing: a role judged on part of its policies could
    look allowed when it is not."""
    if names is None:
        return Read.pending(operation)
    documents: dict[str, Document] = {}
    for name in names:
        read = reads.get(name)
        if read is None:
            return Read.pending(operation)
        if read.error is not None:
            return Read.failed(read.error)
        documents[name] = read.value or {}
    return Read.ok(documents)


def _role(state: RoleState, managed: Mapping[str, Read[Document]]) -> RoleSnapshot:
    inline = state.reads.get("inline_policies") or _collect(
        state.inline_names, state.inline, "iam:GetRolePolicy"
    )
    attached = state.reads.get("attached_policies") or _collect(
        state.attached_arns, managed, "iam:GetPolicyVersion"
    )
    boundary = state.reads.get("boundary")
    if boundary is None:
        boundary = managed.get(state.boundary_arn or "") or Read.pending(ROLE_OPERATIONS["boundary"])
    return RoleSnapshot(
        arn=state.arn,
        name=state.name,
        account=state.account,
        role=state.reads.get("role") or Read.pending(ROLE_OPERATIONS["role"]),
        inline_policies=inline,
        attached_policies=attached,
        boundary=boundary,
    )


def _identity(identity: Identity | None, side: Side) -> Identity:
    if identity is not None:
        return identity
    pending = ReadError("pending", "Pending", "Not read yet.", "sts:GetCallerIdentity")
    return Identity(side, None, None, None, error=pending)


def assemble(state: ProbeState, endpoint_url: str | None, has_dest: bool, calls: CallStats) -> Snapshot:
    source = state.buckets[state.source_bucket]

    def rank(reference: str) -> tuple[int, int]:
        return state.key_ranks.get(reference, (len(state.key_ranks), 0))

    return Snapshot(
        source_bucket=state.source_bucket,
        source_identity=_identity(state.source_identity, "source"),
        dest_identity=_identity(state.dest_identity, "destination") if has_dest else None,
        endpoint_url=endpoint_url,
        source=bucket_snapshot(source),
        destinations={name: bucket_snapshot(state.buckets[name]) for name in state.destination_names},
        role=_role(state.role, state.managed_policies) if state.role is not None else None,
        keys={ref: _key(state.keys[ref], state.key_material) for ref in sorted(state.keys, key=rank)},
        calls=calls,
        observed=_observations(state),
    )


def _observations(state: ProbeState) -> Observations:
    """The metrics, and the failure events of every queue that could be read (None: no queue was)."""
    metrics = tuple(state.metrics[k] for k in sorted(state.metrics))
    queues = tuple(dataclasses.replace(state.queues[arn], messages_held=state.queue_depths.get(arn))
                   for arn in sorted(state.queues))
    read = [queue for queue in queues if queue.events.is_ok]
    if not read:
        return Observations(state.window_seconds, metrics, queues=queues)
    events = tuple(sorted((e for queue in read for e in queue.events.value or ()), key=lambda e: e.time))
    source = ", ".join(f"queue {queue.name}" for queue in read)
    return Observations(state.window_seconds, metrics, events, source, queues=queues)
