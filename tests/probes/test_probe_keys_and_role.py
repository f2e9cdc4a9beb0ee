"""Key references (ARN, alias, alias ARN), each key read once; the role, its policies and boundary."""

from __future__ import annotations

import copy
import json

from probe_helpers import SEED_CALLS, errors

from s3repl_tui.aws import Connection
from s3repl_tui.probes import probe, traced_probe
from s3repl_tui.sandbox import BREAKAGES, DEST_ACCOUNT, DEST_PROFILE, SOURCE_ACCOUNT, SOURCE_PROFILE, Sandbox, SeedSetup


def _set_replica_key(sandbox: Sandbox, seed: SeedSetup, reference: str) -> None:
    configuration = copy.deepcopy(seed.documents["replication"])
    configuration["Rules"][0]["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] = reference
    s3 = sandbox.session(SOURCE_PROFILE).client("s3")
    s3.put_bucket_replication(Bucket=seed.source_bucket, ReplicationConfiguration=configuration)


def _set_source_key(sandbox: Sandbox, seed: SeedSetup, reference: str) -> None:
    encryption = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                                      "KMSMasterKeyID": reference}}]}
    s3 = sandbox.session(SOURCE_PROFILE).client("s3")
    s3.put_bucket_encryption(Bucket=seed.source_bucket, ServerSideEncryptionConfiguration=encryption)


def test_an_alias_in_a_rule_resolves_in_the_role_account_like_s3_does(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    """The destination's alias, written bare in the rule: S3 (acting as the source-account role)
    looks it up in the source account, in the destination's region, and finds nothing."""
    _set_replica_key(sandbox, seed, "alias/s3-repl-test-dsc")
    snapshot, trace = traced_probe(connection, seed.source_bucket)

    key = snapshot.keys["alias/s3-repl-test-dsc"]
    assert (key.account, key.region, key.arn) == (SOURCE_ACCOUNT, "us-west-2", None)
    assert errors(snapshot) == {f"key:alias/s3-repl-test-dsc.{f}": "not-found" for f in ("metadata", "policy", "aliases", "grants")}
    assert key.metadata.error is not None and key.metadata.error.code == "NotFoundException"
    describe = [c for c in trace.calls if c.operation == "kms:DescribeKey" and c.side == "source"]
    assert sorted(c.depth for c in describe) == [2, 3]  # the alias waits for the destination's region
    # The source key's, and the destination's default key's (read with the destination's credentials).
    assert sandbox.middleware.calls["kms:GetKeyPolicy"] == 2
    assert list(snapshot.keys) == [seed.source_key_arn, "alias/s3-repl-test-dsc", seed.replica_key_arn]
    assert snapshot.keys[seed.replica_key_arn].policy.value == seed.documents["replica_key_policy"]


def test_an_alias_arn_is_read_with_its_account_and_resolves_to_the_key(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    alias_arn = f"arn:aws:kms:us-west-2:{DEST_ACCOUNT}:alias/s3-repl-test-dsc"
    _set_replica_key(sandbox, seed, alias_arn)
    snapshot = probe(connection, seed.source_bucket)

    key = snapshot.keys[alias_arn]
    assert errors(snapshot) == {}
    assert (key.arn, key.account, key.region) == (seed.replica_key_arn, DEST_ACCOUNT, "us-west-2")
    assert key.policy.value == seed.documents["replica_key_policy"]


def test_a_key_reached_by_two_references_is_read_once(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    """The post's single-key setup: the source key encrypts both buckets' objects; the bucket names it
    by alias, the rule by ARN."""
    _set_source_key(sandbox, seed, "alias/s3-repl-test-src")
    _set_replica_key(sandbox, seed, seed.source_key_arn)
    sandbox.middleware.reset_counts()
    snapshot = probe(connection, seed.source_bucket)

    # Then the destination's default key (the seed's replica key), which no rule names any more.
    assert list(snapshot.keys) == ["alias/s3-repl-test-src", seed.source_key_arn, seed.replica_key_arn]
    by_alias, by_arn, _ = snapshot.keys.values()
    assert by_alias.arn == by_arn.arn == seed.source_key_arn
    assert by_alias.policy == by_arn.policy and by_alias.policy.value == seed.documents["source_key_policy"]
    assert sandbox.middleware.calls["kms:DescribeKey"] == 3  # one per reference: resolving the alias
    assert sandbox.middleware.calls["kms:GetKeyPolicy"] == 2  # one per key
    assert sandbox.middleware.calls["kms:ListAliases"] == 2


def test_the_same_key_arn_twice_is_one_key(sandbox: Sandbox, connection: Connection, seed: SeedSetup) -> None:
    _set_replica_key(sandbox, seed, seed.source_key_arn)
    sandbox.middleware.reset_counts()
    snapshot = probe(connection, seed.source_bucket)

    # The destination's default key is read too: no rule names it any more.
    assert list(snapshot.keys) == [seed.source_key_arn, seed.replica_key_arn]
    assert sandbox.middleware.calls["kms:DescribeKey"] == 2
    assert sandbox.middleware.calls["kms:GetKeyPolicy"] == 2


def test_a_boundary_that_is_also_attached_is_read_once(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    iam = sandbox.session(SOURCE_PROFILE).client("iam")
    iam.put_role_permissions_boundary(RoleName=seed.role_name, PermissionsBoundary=seed.managed_policy_arn)
    sandbox.middleware.reset_counts()
    snapshot = probe(connection, seed.source_bucket)

    assert snapshot.role is not None
    assert snapshot.role.boundary.value == seed.documents["console_role_policy"]
    assert snapshot.role.attached_policies.value == {seed.managed_policy_arn: seed.documents["console_role_policy"]}
    assert sandbox.middleware.calls["iam:GetPolicy"] == 1


def test_a_separate_boundary_is_read_from_its_default_version(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    iam = sandbox.session(SOURCE_PROFILE).client("iam")
    boundary = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="boundary", PolicyDocument=json.dumps(boundary))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=seed.role_name, PermissionsBoundary=arn)
    snapshot = probe(connection, seed.source_bucket)

    assert snapshot.role is not None and snapshot.role.boundary.value == boundary


def test_a_missing_role_is_not_found_everywhere(sandbox: Sandbox, connection: Connection, seed: SeedSetup) -> None:
    iam = sandbox.session(SOURCE_PROFILE).client("iam")
    iam.detach_role_policy(RoleName=seed.role_name, PolicyArn=seed.managed_policy_arn)
    iam.delete_role_policy(RoleName=seed.role_name, PolicyName=seed.inline_policy_name)
    iam.delete_role(RoleName=seed.role_name)
    snapshot = probe(connection, seed.source_bucket)

    assert snapshot.role is not None
    assert {k: v for k, v in errors(snapshot).items() if k.startswith("role.")} == {
        "role.role": "not-found", "role.inline_policies": "not-found",
        "role.attached_policies": "not-found", "role.boundary": "not-found",
    }
    role_error = snapshot.role.role.error
    assert role_error is not None and role_error.code == "NoSuchEntity"
    assert role_error.command == f"aws iam get-role --role-name {seed.role_name} --profile {SOURCE_PROFILE}"


def test_a_destination_default_key_no_rule_names_is_read_after_its_encryption(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    """The rule lost its SSE-KMS opt-in: the destination's default key (the seed's replica key) is
    still read, since the rule layer's fix makes it the replica key, and it hangs off the
    destination's GetBucketEncryption only."""
    BREAKAGES["rule"](sandbox, seed)
    sandbox.middleware.reset_counts()
    snapshot, trace = traced_probe(connection, seed.source_bucket)

    assert errors(snapshot) == {}
    assert list(snapshot.keys) == [seed.source_key_arn, seed.replica_key_arn]
    key = snapshot.keys[seed.replica_key_arn]
    assert (key.arn, key.account, key.region) == (seed.replica_key_arn, DEST_ACCOUNT, "us-west-2")
    assert key.policy.value == seed.documents["replica_key_policy"]
    assert key.aliases.value == ("alias/s3-repl-test-dsc",)
    assert sandbox.middleware.calls == SEED_CALLS  # the same reads as when the rule named it
    depths = {(c.side, c.operation): c.depth for c in trace.calls}
    assert depths[("destination", "s3:GetBucketEncryption")] == 3
    assert {op: depth for (side, op), depth in depths.items() if side == "destination" and op.startswith("kms:")} == {
        "kms:DescribeKey": 4, "kms:GetKeyPolicy": 4, "kms:ListAliases": 4, "kms:ListGrants": 4,
    }
    assert trace.depth == 4


def test_a_destination_default_key_by_alias_resolves_in_the_destination_account_and_is_read_once(
    sandbox: Sandbox, connection: Connection, seed: SeedSetup
) -> None:
    """The destination names its default key by alias, the rule the same key by ARN: the alias resolves
    with the destination owner's credentials in the destination's region; the key's policy and aliases
    are read once."""
    encryption = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                                      "KMSMasterKeyID": "alias/s3-repl-test-dsc"}}]}
    s3 = sandbox.session(DEST_PROFILE).client("s3", region_name=seed.dest_region)
    s3.put_bucket_encryption(Bucket=seed.dest_bucket, ServerSideEncryptionConfiguration=encryption)
    sandbox.middleware.reset_counts()
    snapshot = probe(connection, seed.source_bucket)

    assert errors(snapshot) == {}
    assert list(snapshot.keys) == [seed.source_key_arn, seed.replica_key_arn, "alias/s3-repl-test-dsc"]
    by_alias = snapshot.keys["alias/s3-repl-test-dsc"]
    assert (by_alias.arn, by_alias.account, by_alias.region) == (seed.replica_key_arn, DEST_ACCOUNT, "us-west-2")
    assert by_alias.policy == snapshot.keys[seed.replica_key_arn].policy
    assert sandbox.middleware.calls["kms:DescribeKey"] == 3  # one per reference
    assert sandbox.middleware.calls["kms:GetKeyPolicy"] == 2  # one per key
    assert sandbox.middleware.calls["kms:ListAliases"] == 2
