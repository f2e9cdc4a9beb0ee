"""The seed setup read back whole, once per input, concurrently."""

from __future__ import annotations

import threading

from probe_helpers import SEED_CALLS, errors

from s3repl_tui.aws import Connection
from s3repl_tui.probes import probe, traced_probe
from s3repl_tui.probes.snapshot import Snapshot
from s3repl_tui.sandbox import DEST_ACCOUNT, SOURCE_ACCOUNT, Sandbox, SeedSetup


def test_the_seed_reads_back_every_document_it_wrote(connection: Connection, seed: SeedSetup) -> None:
    snapshot = probe(connection, seed.source_bucket)
    docs = seed.documents

    assert errors(snapshot) == {}
    assert snapshot.source_identity.account == SOURCE_ACCOUNT
    assert snapshot.dest_identity is not None and snapshot.dest_identity.account == DEST_ACCOUNT
    source = snapshot.source
    assert (source.owner_account, source.read_as) == (SOURCE_ACCOUNT, SOURCE_ACCOUNT)
    assert source.exists.value is True and source.region.value == "us-east-1"
    assert source.replication is not None and source.replication.value == docs["replication"]
    assert source.encryption.value == docs["source_encryption"]
    assert source.versioning.value == "Enabled"
    assert source.policy.is_absent and source.policy.absent_code == "NoSuchBucketPolicy"
    assert source.ownership.absent_code == "OwnershipControlsNotFoundError"
    assert source.object_lock.absent_code == "ObjectLockConfigurationNotFoundError"
    assert source.request_payment.value == "BucketOwner"
    assert source.notification is not None and source.notification.value == {}

    dest = snapshot.destinations[seed.dest_bucket]
    assert (dest.owner_account, dest.read_as) == (DEST_ACCOUNT, DEST_ACCOUNT)
    assert dest.region.value == "us-west-2" and dest.versioning.value == "Enabled"
    assert dest.policy.value == docs["dest_bucket_policy"]
    assert dest.encryption.value == docs["dest_encryption"]
    assert dest.replication is None and dest.notification is None

    role = snapshot.role
    assert role is not None and role.arn == seed.role_arn and role.name == seed.role_name
    assert role.role.value is not None and role.role.value["AssumeRolePolicyDocument"] == docs["trust_policy"]
    assert role.inline_policies.value == {seed.inline_policy_name: docs["inline_kms_policy"]}
    assert role.attached_policies.value == {seed.managed_policy_arn: docs["console_role_policy"]}
    assert role.boundary.is_absent and role.boundary.absent_code == "NoPermissionsBoundary"

    assert list(snapshot.keys) == [seed.source_key_arn, seed.replica_key_arn]
    source_key, replica_key = snapshot.keys[seed.source_key_arn], snapshot.keys[seed.replica_key_arn]
    assert source_key.policy.value == docs["source_key_policy"]
    assert replica_key.policy.value == docs["replica_key_policy"]
    assert (replica_key.account, replica_key.region) == (DEST_ACCOUNT, "us-west-2")
    assert replica_key.metadata.value is not None and replica_key.metadata.value["KeyState"] == "Enabled"
    assert source_key.aliases.value == ("alias/s3-repl-test-src",)
    assert replica_key.aliases.value == ("alias/s3-repl-test-dsc",)


def test_no_read_is_done_twice(sandbox: Sandbox, connection: Connection, seed: SeedSetup) -> None:
    before = connection.call_count()
    snapshot = probe(connection, seed.source_bucket)

    assert sandbox.middleware.calls == SEED_CALLS
    assert connection.call_count() - before == sum(SEED_CALLS.values()) == snapshot.calls.count
    assert snapshot.calls.wall_seconds > 0


def test_reads_wait_only_for_what_they_need(connection: Connection, seed: SeedSetup) -> None:
    """The dependency structure: every read starts right after the reads it needs, not a level later."""
    snapshot, trace = traced_probe(connection, seed.source_bucket)
    depths: dict[tuple[str, str], set[int]] = {}
    for call in trace.calls:
        depths.setdefault((call.side, call.operation), set()).add(call.depth)

    later_bucket_reads = ("Versioning", "OwnershipControls", "ObjectLockConfiguration", "Policy",
                          "RequestPayment")
    expected = {
        # Needs nothing: the source bucket's location, replication and encryption.
        ("source", "s3:GetBucketLocation"): {1},
        ("source", "s3:GetBucketReplication"): {1},
        ("source", "s3:GetBucketEncryption"): {1},
        # After the source's location (its region's client).
        **{("source", f"s3:GetBucket{name}"): {2} for name in later_bucket_reads if "Lock" not in name},
        ("source", "s3:GetObjectLockConfiguration"): {2},
        ("source", "s3:GetBucketNotificationConfiguration"): {2},
        # Named by the replication configuration: the role (and both listings) and the destination.
        ("source", "iam:GetRole"): {2},
        ("source", "iam:ListRolePolicies"): {2},
        ("source", "iam:ListAttachedRolePolicies"): {2},
        ("source", "iam:GetRolePolicy"): {3},
        ("source", "iam:GetPolicy"): {3},
        ("source", "iam:GetPolicyVersion"): {4},
        ("destination", "s3:GetBucketLocation"): {2},
        **{("destination", f"s3:GetBucket{name}"): {3} for name in later_bucket_reads if "Lock" not in name},
        ("destination", "s3:GetObjectLockConfiguration"): {3},
        ("destination", "s3:GetBucketEncryption"): {3},
        # Both keys are ARNs: DescribeKey, GetKeyPolicy, ListAliases and ListGrants start with the reference.
        **{(side, f"kms:{op}"): {2} for side in ("source", "destination")
           for op in ("DescribeKey", "GetKeyPolicy", "ListAliases", "ListGrants")},
    }
    assert depths == expected
    assert len(trace.calls) == snapshot.calls.count == sum(SEED_CALLS.values())
    assert trace.depth == 4
    chain = [call.operation for call in trace.longest_chain()]
    assert chain == [
        "s3:GetBucketReplication", "iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion"
    ]


def test_partial_snapshots_arrive_from_the_calling_thread(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    sandbox.middleware.latency_seconds = 0.03  # long enough for several partial snapshots
    updates: list[Snapshot] = []
    threads: set[int] = set()

    def on_update(snapshot: Snapshot) -> None:
        threads.add(threading.get_ident())
        updates.append(snapshot)

    final = probe(connection, seed.source_bucket, on_update)

    assert threads == {threading.get_ident()}
    assert updates[-1] == final
    assert len(updates) >= 2
    assert "pending" in errors(updates[0]).values()
    assert "pending" not in errors(final).values()
