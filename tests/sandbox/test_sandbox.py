"""The two-account sandbox: profiles through boto3's chain, the seed read back, AWS-like denials."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from s3repl_tui.sandbox import (
    BREAKAGES,
    DEST_ACCOUNT,
    DEST_PROFILE,
    SOURCE_ACCOUNT,
    SOURCE_PROFILE,
    Sandbox,
    build_seed,
)


def test_profiles_reach_two_accounts_through_the_credential_chain(sandbox: Sandbox) -> None:
    import boto3  # the environment alone must be enough, as for a user's shell

    source = boto3.Session(profile_name=SOURCE_PROFILE).client("sts").get_caller_identity()
    dest = boto3.Session(profile_name=DEST_PROFILE).client("sts").get_caller_identity()
    assert source["Account"] == SOURCE_ACCOUNT
    assert dest["Account"] == DEST_ACCOUNT
    assert ":assumed-role/" in dest["Arn"]


def test_seed_reads_back_exactly_as_written(sandbox: Sandbox) -> None:
    setup = build_seed(sandbox)
    docs = setup.documents
    source, dest = sandbox.session(SOURCE_PROFILE), sandbox.session(DEST_PROFILE)
    s3_a = source.client("s3", region_name=setup.source_region)
    s3_b = dest.client("s3", region_name=setup.dest_region)
    kms_a = source.client("kms", region_name=setup.source_region)
    kms_b = dest.client("kms", region_name=setup.dest_region)
    iam = source.client("iam")

    replication = s3_a.get_bucket_replication(Bucket=setup.source_bucket)["ReplicationConfiguration"]
    assert replication == docs["replication"]
    for s3, bucket in ((s3_a, setup.source_bucket), (s3_b, setup.dest_bucket)):
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3_b.get_bucket_location(Bucket=setup.dest_bucket)["LocationConstraint"] == setup.dest_region
    assert json.loads(s3_b.get_bucket_policy(Bucket=setup.dest_bucket)["Policy"]) == docs["dest_bucket_policy"]
    source_enc = s3_a.get_bucket_encryption(Bucket=setup.source_bucket)["ServerSideEncryptionConfiguration"]
    assert source_enc["Rules"][0]["ApplyServerSideEncryptionByDefault"] == (
        docs["source_encryption"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    )
    source_key = json.loads(kms_a.get_key_policy(KeyId=setup.source_key_arn, PolicyName="default")["Policy"])
    replica_key = json.loads(kms_b.get_key_policy(KeyId=setup.replica_key_arn, PolicyName="default")["Policy"])
    assert source_key == docs["source_key_policy"]
    assert replica_key == docs["replica_key_policy"]

    role = iam.get_role(RoleName=setup.role_name)["Role"]
    assert role["Arn"] == setup.role_arn
    assert role["AssumeRolePolicyDocument"] == docs["trust_policy"]
    inline = iam.get_role_policy(RoleName=setup.role_name, PolicyName=setup.inline_policy_name)
    assert inline["PolicyDocument"] == docs["inline_kms_policy"]
    attached = iam.list_attached_role_policies(RoleName=setup.role_name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [setup.managed_policy_arn]
    version = iam.get_policy(PolicyArn=setup.managed_policy_arn)["Policy"]["DefaultVersionId"]
    document: Any = iam.get_policy_version(PolicyArn=setup.managed_policy_arn, VersionId=version)
    assert document["PolicyVersion"]["Document"] == docs["console_role_policy"]


def test_cross_account_reads_are_denied_as_aws_denies_them(sandbox: Sandbox) -> None:
    setup = build_seed(sandbox)
    s3_a = sandbox.session(SOURCE_PROFILE).client("s3")
    kms_a = sandbox.session(SOURCE_PROFILE).client("kms", region_name=setup.dest_region)
    with pytest.raises(ClientError) as bucket_error:
        s3_a.get_bucket_policy(Bucket=setup.dest_bucket)
    assert bucket_error.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as key_error:
        kms_a.get_key_policy(KeyId=setup.replica_key_arn, PolicyName="default")
    assert key_error.value.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_every_breakage_changes_what_aws_answers(sandbox: Sandbox, name: str) -> None:
    setup = build_seed(sandbox)
    before = _observable_state(sandbox, setup)
    BREAKAGES[name](sandbox, setup)
    assert _observable_state(sandbox, setup) != before


def _observable_state(sandbox: Sandbox, setup: Any) -> dict[str, Any]:
    s3_a = sandbox.session(SOURCE_PROFILE).client("s3")
    s3_b = sandbox.session(DEST_PROFILE).client("s3", region_name=setup.dest_region)
    iam = sandbox.session(SOURCE_PROFILE).client("iam")
    state: dict[str, Any] = {
        "replication": s3_a.get_bucket_replication(Bucket=setup.source_bucket)["ReplicationConfiguration"],
        "versioning": s3_b.get_bucket_versioning(Bucket=setup.dest_bucket).get("Status"),
        "inline": iam.list_role_policies(RoleName=setup.role_name)["PolicyNames"],
    }
    try:
        state["policy"] = s3_b.get_bucket_policy(Bucket=setup.dest_bucket)["Policy"]
    except ClientError:
        state["policy"] = None
    return state
