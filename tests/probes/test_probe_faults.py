"""Reads that fail: a denied read, a missing bucket, throttling after retries."""

from __future__ import annotations

import pytest
from botocore.retries.standard import ExponentialBackoff
from probe_helpers import errors, json_fault, s3_denial

from s3repl_tui.aws import Connection
from s3repl_tui.probes import probe
from s3repl_tui.probes.snapshot import Snapshot
from s3repl_tui.sandbox import DEST_ACCOUNT, DEST_PROFILE, Sandbox, SeedSetup


def test_an_access_denied_read_is_that_input_only(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    sandbox.middleware.fault_hooks.append(s3_denial("s3:GET bucket?policy", seed.dest_bucket))
    snapshot = probe(connection, seed.source_bucket)

    assert errors(snapshot) == {f"dest:{seed.dest_bucket}.policy": "access-denied"}
    error = snapshot.destinations[seed.dest_bucket].policy.error
    assert error is not None
    assert (error.code, error.operation, error.account) == ("AccessDenied", "s3:GetBucketPolicy", DEST_ACCOUNT)
    assert error.command == f"aws s3api get-bucket-policy --bucket {seed.dest_bucket} --profile {DEST_PROFILE}"


def test_a_denied_location_does_not_hide_what_the_owner_may_read(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    """Permissions are per action: without s3:GetBucketLocation the policy may still be readable."""
    sandbox.middleware.fault_hooks.append(s3_denial("s3:GET bucket?location", seed.dest_bucket))
    snapshot = probe(connection, seed.source_bucket)

    dest = snapshot.destinations[seed.dest_bucket]
    assert dest.exists.error is not None and dest.exists.error.kind == "access-denied"
    assert dest.policy.value == seed.documents["dest_bucket_policy"]


def _delete_destination_bucket(sandbox: Sandbox, seed: SeedSetup) -> None:
    s3 = sandbox.session(DEST_PROFILE).client("s3", region_name=seed.dest_region)
    s3.delete_bucket_policy(Bucket=seed.dest_bucket)
    s3.delete_bucket(Bucket=seed.dest_bucket)


def test_a_missing_destination_bucket_costs_one_call(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    _delete_destination_bucket(sandbox, seed)
    sandbox.middleware.reset_counts()
    snapshot: Snapshot = probe(connection, seed.source_bucket)

    dest = snapshot.destinations[seed.dest_bucket]
    assert dest.exists.is_absent and dest.exists.absent_code == "NoSuchBucket"
    assert dest.owner_account == DEST_ACCOUNT
    for field in ("region", "versioning", "encryption", "policy", "request_payment"):
        read = getattr(dest, field)
        assert read.error is not None and (read.error.kind, read.error.code) == ("not-found", "NoSuchBucket")
    assert sandbox.middleware.calls["s3:GET bucket?location"] == 2  # source + destination
    assert sandbox.middleware.calls["s3:GET bucket?versioning"] == 1  # the source's only
    assert snapshot.keys[seed.replica_key_arn].policy.is_ok  # the key is there all the same


def test_a_missing_source_bucket_reads_nothing_else(sandbox: Sandbox, connection: Connection) -> None:
    snapshot = probe(connection, "no-such-source-bucket")

    assert snapshot.source.exists.is_absent
    assert snapshot.destinations == {} and snapshot.role is None and snapshot.keys == {}
    assert "pending" not in errors(snapshot).values()
    assert sum(sandbox.middleware.calls.values()) == 3  # location, replication, encryption


def test_throttling_that_outlasts_the_retries_is_classified(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)  # keep it fast
    sandbox.middleware.fault_hooks.append(json_fault("kms:ListAliases", 400, "ThrottlingException"))
    snapshot = probe(connection, seed.source_bucket)

    assert errors(snapshot) == {
        f"key:{seed.source_key_arn}.aliases": "throttled",
        f"key:{seed.replica_key_arn}.aliases": "throttled",
    }
    assert sandbox.middleware.calls["kms:ListAliases"] == 2 * 4  # botocore's standard mode: 4 attempts
