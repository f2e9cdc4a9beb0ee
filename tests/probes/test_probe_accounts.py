"""Whose credentials read what: the destination owner, missing credentials, unknown owners."""

from __future__ import annotations

import copy

from probe_helpers import errors, open_connection

from s3repl_tui.probes import probe
from s3repl_tui.sandbox import DEST_ACCOUNT, SOURCE_ACCOUNT, SOURCE_PROFILE, Sandbox, SeedSetup


def _replace_rules(sandbox: Sandbox, seed: SeedSetup, **destination: object) -> None:
    """Rewrite the seed rule's Destination (a key set to None is removed)."""
    configuration = copy.deepcopy(seed.documents["replication"])
    target = configuration["Rules"][0]["Destination"]
    for key, value in destination.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    s3 = sandbox.session(SOURCE_PROFILE).client("s3")
    s3.put_bucket_replication(Bucket=seed.source_bucket, ReplicationConfiguration=configuration)


def test_without_destination_credentials_every_destination_input_says_so(
    sandbox: Sandbox, seed: SeedSetup
) -> None:
    connection = open_connection(sandbox, dest=False)
    snapshot = probe(connection, seed.source_bucket)

    dest = snapshot.destinations[seed.dest_bucket]
    assert (dest.owner_account, dest.read_as) == (DEST_ACCOUNT, None)
    replica_key = snapshot.keys[seed.replica_key_arn]
    unread = errors(snapshot)
    assert set(unread.values()) == {"no-credentials"}
    assert set(unread) == {
        *(f"dest:{seed.dest_bucket}.{field}" for field in ("exists", "region", "versioning", "encryption",
                                                          "ownership", "object_lock", "policy", "request_payment")),
        *(f"key:{seed.replica_key_arn}.{field}" for field in ("metadata", "policy", "aliases", "grants")),
    }
    assert dest.policy.error is not None
    assert dest.policy.error.command == (
        f"aws s3api get-bucket-policy --bucket {seed.dest_bucket} --profile <destination-profile>"
    )
    assert dest.versioning.error is not None and dest.versioning.error.account is None
    assert replica_key.policy.error is not None
    assert replica_key.policy.error.command == (
        f"aws kms get-key-policy --key-id {seed.replica_key_arn} --policy-name default "
        "--region us-west-2 --profile <destination-profile>"
    )
    # The source side is read as usual, and nothing was asked of the destination account.
    assert snapshot.source.replication is not None and snapshot.source.replication.is_ok
    assert snapshot.keys[seed.source_key_arn].policy.is_ok
    assert snapshot.role is not None and snapshot.role.attached_policies.is_ok
    assert sandbox.middleware.calls["s3:GET bucket?location"] == 1
    assert sandbox.middleware.calls["kms:GetKeyPolicy"] == 1


def test_a_rule_without_account_finds_the_owner_with_list_buckets(sandbox: Sandbox, seed: SeedSetup) -> None:
    _replace_rules(sandbox, seed, Account=None, AccessControlTranslation=None)
    connection = open_connection(sandbox)
    snapshot = probe(connection, seed.source_bucket)

    dest = snapshot.destinations[seed.dest_bucket]
    assert errors(snapshot) == {}
    assert (dest.owner_account, dest.read_as) == (DEST_ACCOUNT, DEST_ACCOUNT)
    assert dest.policy.value == seed.documents["dest_bucket_policy"]
    assert sandbox.middleware.calls["s3:GET bucket"] == 2  # ListBuckets, once per account


def test_an_unknown_owner_is_not_read_as_if_it_were_fine(sandbox: Sandbox, seed: SeedSetup) -> None:
    """Source credentials only, no Account in the rule: S3 denies the source account, once."""
    _replace_rules(sandbox, seed, Account=None, AccessControlTranslation=None)
    connection = open_connection(sandbox, dest=False)
    snapshot = probe(connection, seed.source_bucket)

    dest = snapshot.destinations[seed.dest_bucket]
    assert dest.owner_account is None and dest.read_as == SOURCE_ACCOUNT
    dest_errors = {k: v for k, v in errors(snapshot).items() if k.startswith("dest:")}
    assert len(dest_errors) == 8 and set(dest_errors.values()) == {"access-denied"}
    assert dest.policy.error is not None
    assert dest.policy.error.command.endswith("--profile <destination-profile>")
    assert sandbox.middleware.calls["s3:GET bucket?location"] == 2  # source, then the one denied
    assert sandbox.middleware.calls["s3:GET bucket?policy"] == 1  # the source's only


def test_an_account_we_hold_no_credentials_for_is_never_read(sandbox: Sandbox, seed: SeedSetup) -> None:
    _replace_rules(sandbox, seed, Account="999988887777")
    connection = open_connection(sandbox)
    snapshot = probe(connection, seed.source_bucket)

    dest = snapshot.destinations[seed.dest_bucket]
    assert dest.owner_account == "999988887777" and dest.read_as is None
    assert dest.exists.error is not None and dest.exists.error.kind == "no-credentials"
    assert "999988887777" in dest.exists.error.message
    assert sandbox.middleware.calls["s3:GET bucket?location"] == 1


def test_a_same_account_destination_needs_no_destination_credentials(sandbox: Sandbox, seed: SeedSetup) -> None:
    s3 = sandbox.session(SOURCE_PROFILE).client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="same-account-dst", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    _replace_rules(sandbox, seed, Bucket="arn:aws:s3:::same-account-dst", Account=None,
                   AccessControlTranslation=None, EncryptionConfiguration=None)
    connection = open_connection(sandbox, dest=False)
    snapshot = probe(connection, seed.source_bucket)

    dest = snapshot.destinations["same-account-dst"]
    assert errors(snapshot) == {}
    assert (dest.owner_account, dest.read_as, dest.region.value) == (SOURCE_ACCOUNT, SOURCE_ACCOUNT, "eu-west-1")
    assert dest.versioning.value == ""  # never enabled
