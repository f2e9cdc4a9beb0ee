"""Builders for replication setups in the sandbox.

``build_seed`` builds the setup of the post that started the project
(shared/reference/seed-blog-s3-replication.txt), with its rendering typos fixed (``kms:*``, ``"*"``,
``/*``): two accounts, versioning on both buckets, one customer managed key per bucket, the replica
key's policy granting the source account's root, a console-style service role (path
``/service-role/``) with the console's permission policy and a manually added inline KMS statement
(``kms:Encrypt``/``kms:Decrypt`` only), the destination bucket policy with the owner-override statement
for the source account's root, and a console rule with SSE-KMS opt-in and owner override.

``BREAKAGES`` derive broken variants from it, one layer at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from s3repl_tui.sandbox.server import (
    DEST_ACCOUNT,
    DEST_PROFILE,
    DEST_REGION,
    SOURCE_ACCOUNT,
    SOURCE_PROFILE,
    SOURCE_REGION,
    Sandbox,
)

Document = dict[str, Any]


@dataclass
class SeedSetup:
    """Names, ARNs and every document the builder wrote (to compare against what AWS answers)."""

    source_bucket: str = "s3-repl-test-src"
    dest_bucket: str = "s3-repl-test-dsc"
    source_account: str = SOURCE_ACCOUNT
    dest_account: str = DEST_ACCOUNT
    source_region: str = SOURCE_REGION
    dest_region: str = DEST_REGION
    role_name: str = "s3crr_role_for_s3-repl-test-src"
    role_path: str = "/service-role/"
    managed_policy_name: str = "s3crr_for_s3-repl-test-src_to_s3-repl-test-dsc"
    inline_policy_name: str = "kms-for-replication"
    rule_id: str = "seed-rule"
    source_key_arn: str = ""
    replica_key_arn: str = ""
    managed_policy_arn: str = ""
    documents: dict[str, Any] = field(default_factory=dict)

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.source_account}:role{self.role_path}{self.role_name}"


def _source_key_policy(setup: SeedSetup) -> Document:
    return {
        "Id": "key-consolepolicy-3",
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{setup.source_account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def _replica_key_policy(setup: SeedSetup) -> Document:
    """The seed's key policy: the key owner's root, then the other account's root for use and grants."""
    other_root = f"arn:aws:iam::{setup.source_account}:root"
    return {
        "Id": "key-consolepolicy-3",
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{setup.dest_account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Allow use of the key",
                "Effect": "Allow",
                "Principal": {"AWS": [other_root]},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
            },
            {
                "Sid": "Allow attachment of persistent resources",
                "Effect": "Allow",
                "Principal": {"AWS": [other_root]},
                "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ],
    }


def _trust_policy() -> Document:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }


def _console_role_policy(setup: SeedSetup) -> Document:
    src, dst = setup.source_bucket, setup.dest_bucket
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": [
                    "s3:ListBucket",
                    "s3:GetReplicationConfiguration",
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                    "s3:GetObjectRetention",
                    "s3:GetObjectLegalHold",
                ],
                "Effect": "Allow",
                "Resource": [
                    f"arn:aws:s3:::{src}",
                    f"arn:aws:s3:::{src}/*",
                    f"arn:aws:s3:::{dst}",
                    f"arn:aws:s3:::{dst}/*",
                ],
            },
            {
                "Action": [
                    "s3:ReplicateObject",
                    "s3:ReplicateDelete",
                    "s3:ReplicateTags",
                    "s3:ObjectOwnerOverrideToBucketOwner",
                ],
                "Effect": "Allow",
                "Condition": {"StringLikeIfExists": {"s3:x-amz-server-side-encryption": ["aws:kms", "AES256"]}},
                "Resource": [f"arn:aws:s3:::{dst}/*"],
            },
        ],
    }


def _inline_kms_policy(setup: SeedSetup) -> Document:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Effect": "Allow",
                "Resource": [setup.source_key_arn, setup.replica_key_arn],
            }
        ],
    }


def _dest_bucket_policy(setup: SeedSetup) -> Document:
    dst = setup.dest_bucket
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Set permissions for objects",
                "Effect": "Allow",
                "Principal": {"AWS": [setup.role_arn]},
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete"],
                "Resource": f"arn:aws:s3:::{dst}/*",
            },
            {
                "Sid": "Set permissions on bucket",
                "Effect": "Allow",
                "Principal": {"AWS": [setup.role_arn]},
                "Action": ["s3:List*", "s3:GetBucketVersioning", "s3:PutBucketVersioning"],
                "Resource": f"arn:aws:s3:::{dst}",
            },
            {
                "Sid": "1",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{setup.source_account}:root"]},
                "Action": "s3:ObjectOwnerOverrideToBucketOwner",
                "Resource": f"arn:aws:s3:::{dst}/*",
            },
        ],
    }


def _replication_configuration(setup: SeedSetup) -> Document:
    return {
        "Role": setup.role_arn,
        "Rules": [
            {
                "ID": setup.rule_id,
                "Priority": 0,
                "Filter": {"Prefix": ""},
                "Status": "Enabled",
                "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {
                    "Bucket": f"arn:aws:s3:::{setup.dest_bucket}",
                    "Account": setup.dest_account,
                    "AccessControlTranslation": {"Owner": "Destination"},
                    "EncryptionConfiguration": {"ReplicaKmsKeyID": setup.replica_key_arn},
                },
            }
        ],
    }


def _encryption(key_arn: str) -> Document:
    return {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                "BucketKeyEnabled": False,
            }
        ]
    }


def _create_bucket(s3: Any, name: str, region: str) -> None:
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def build_seed(sandbox: Sandbox, setup: SeedSetup | None = None) -> SeedSetup:
    """Build the seed's working two-account setup; returns what was written."""
    setup = setup or SeedSetup()
    source, dest = sandbox.session(SOURCE_PROFILE), sandbox.session(DEST_PROFILE)
    s3_a: Any = source.client("s3", region_name=setup.source_region)
    s3_b: Any = dest.client("s3", region_name=setup.dest_region)
    kms_a: Any = source.client("kms", region_name=setup.source_region)
    kms_b: Any = dest.client("kms", region_name=setup.dest_region)
    iam_a: Any = source.client("iam")

    for s3, bucket, region in ((s3_a, setup.source_bucket, setup.source_region),
                               (s3_b, setup.dest_bucket, setup.dest_region)):
        _create_bucket(s3, bucket, region)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    source_key_policy, replica_key_policy = _source_key_policy(setup), _replica_key_policy(setup)
    setup.source_key_arn = kms_a.create_key(
        Description="s3-repl-test-src encryption", Policy=json.dumps(source_key_policy)
    )["KeyMetadata"]["Arn"]
    kms_a.create_alias(AliasName="alias/s3-repl-test-src", TargetKeyId=setup.source_key_arn)
    setup.replica_key_arn = kms_b.create_key(
        Description="s3-repl-test-dsc encryption", Policy=json.dumps(replica_key_policy)
    )["KeyMetadata"]["Arn"]
    kms_b.create_alias(AliasName="alias/s3-repl-test-dsc", TargetKeyId=setup.replica_key_arn)

    s3_a.put_bucket_encryption(
        Bucket=setup.source_bucket, ServerSideEncryptionConfiguration=_encryption(setup.source_key_arn)
    )
    s3_b.put_bucket_encryption(
        Bucket=setup.dest_bucket, ServerSideEncryptionConfiguration=_encryption(setup.replica_key_arn)
    )

    trust, console_policy, kms_policy = (
        _trust_policy(), _console_role_policy(setup), _inline_kms_policy(setup)
    )
    iam_a.create_role(
        RoleName=setup.role_name, Path=setup.role_path, AssumeRolePolicyDocument=json.dumps(trust)
    )
    setup.managed_policy_arn = iam_a.create_policy(
        PolicyName=setup.managed_policy_name, Path=setup.role_path, PolicyDocument=json.dumps(console_policy)
    )["Policy"]["Arn"]
    iam_a.attach_role_policy(RoleName=setup.role_name, PolicyArn=setup.managed_policy_arn)
    iam_a.put_role_policy(
        RoleName=setup.role_name, PolicyName=setup.inline_policy_name, PolicyDocument=json.dumps(kms_policy)
    )

    bucket_policy = _dest_bucket_policy(setup)
    s3_b.put_bucket_policy(Bucket=setup.dest_bucket, Policy=json.dumps(bucket_policy))
    replication = _replication_configuration(setup)
    s3_a.put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=replication)

    setup.documents = {
        "source_key_policy": source_key_policy,
        "replica_key_policy": replica_key_policy,
        "trust_policy": trust,
        "console_role_policy": console_policy,
        "inline_kms_policy": kms_policy,
        "dest_bucket_policy": bucket_policy,
        "replication": replication,
        "source_encryption": _encryption(setup.source_key_arn),
        "dest_encryption": _encryption(setup.replica_key_arn),
    }
    return setup


# Broken variants: each breaks one layer of a built seed, the way people break it in real life.
Breakage = Callable[[Sandbox, SeedSetup], None]


def suspend_destination_versioning(sandbox: Sandbox, setup: SeedSetup) -> None:
    s3_b: Any = sandbox.session(DEST_PROFILE).client("s3", region_name=setup.dest_region)
    s3_b.put_bucket_versioning(Bucket=setup.dest_bucket, VersioningConfiguration={"Status": "Suspended"})


def drop_role_kms_statement(sandbox: Sandbox, setup: SeedSetup) -> None:
    """The classic: the role was made by IaC and nobody added the KMS statement."""
    iam_a: Any = sandbox.session(SOURCE_PROFILE).client("iam")
    iam_a.delete_role_policy(RoleName=setup.role_name, PolicyName=setup.inline_policy_name)


def drop_destination_bucket_policy(sandbox: Sandbox, setup: SeedSetup) -> None:
    s3_b: Any = sandbox.session(DEST_PROFILE).client("s3", region_name=setup.dest_region)
    s3_b.delete_bucket_policy(Bucket=setup.dest_bucket)


def drop_sse_kms_opt_in(sandbox: Sandbox, setup: SeedSetup) -> None:
    """A rule without SourceSelectionCriteria/ReplicaKmsKeyID silently skips SSE-KMS objects."""
    s3_a: Any = sandbox.session(SOURCE_PROFILE).client("s3", region_name=setup.source_region)
    replication = json.loads(json.dumps(setup.documents["replication"]))
    for rule in replication["Rules"]:
        rule.pop("SourceSelectionCriteria", None)
        rule["Destination"].pop("EncryptionConfiguration", None)
    s3_a.put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=replication)


BREAKAGES: dict[str, Breakage] = {
    "versioning": suspend_destination_versioning,
    "role-kms": drop_role_kms_statement,
    "destination-policy": drop_destination_bucket_policy,
    "rule": drop_sse_kms_opt_in,
}


# More broken variants, one per catalog cause that configuration can show. Kept out of BREAKAGES on
# purpose: some need a person to fix them (a Deny, a boundary, a key's state), and tests that iterate
# BREAKAGES expect every entry to be fixable automatically and visible in a few reads.


def seed_clients(sandbox: Sandbox, setup: SeedSetup) -> dict[str, Any]:
    source, dest = sandbox.session(SOURCE_PROFILE), sandbox.session(DEST_PROFILE)
    return {
        "s3_a": source.client("s3", region_name=setup.source_region),
        "s3_b": dest.client("s3", region_name=setup.dest_region),
        "kms_a": source.client("kms", region_name=setup.source_region),
        "kms_b": dest.client("kms", region_name=setup.dest_region),
        "iam": source.client("iam"),
    }


def _put_replication(sandbox: Sandbox, setup: SeedSetup, change: Callable[[Document], object]) -> None:
    replication = json.loads(json.dumps(setup.documents["replication"]))
    change(replication)
    seed_clients(sandbox, setup)["s3_a"].put_bucket_replication(
        Bucket=setup.source_bucket, ReplicationConfiguration=replication
    )


def _put_dest_policy(sandbox: Sandbox, setup: SeedSetup, change: Callable[[Document], object]) -> None:
    policy = json.loads(json.dumps(setup.documents["dest_bucket_policy"]))
    change(policy)
    seed_clients(sandbox, setup)["s3_b"].put_bucket_policy(Bucket=setup.dest_bucket, Policy=json.dumps(policy))


def trust_without_s3(sandbox: Sandbox, setup: SeedSetup) -> None:
    """A role copied from an EC2 role: s3.amazonaws.com may not assume it (AssumeRoleNotPermitted)."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    seed_clients(sandbox, setup)["iam"].update_assume_role_policy(
        RoleName=setup.role_name, PolicyDocument=json.dumps(trust)
    )


def rule_role_without_path(sandbox: Sandbox, setup: SeedSetup) -> None:
    """The console role lives under /service-role/; the rule names it without the path."""
    _put_replication(sandbox, setup, lambda config: config.update(Role=setup.role_arn.replace("/service-role/", "/")))


def role_without_get_object_version_for_replication(sandbox: Sandbox, setup: SeedSetup) -> None:
    """s3:GetObjectVersion instead of s3:GetObjectVersionForReplication (SrcGetObjectNotPermitted)."""
    policy = json.loads(json.dumps(setup.documents["console_role_policy"]))
    first = policy["Statement"][0]
    first["Action"] = ["s3:GetObjectVersion" if a == "s3:GetObjectVersionForReplication" else a
                       for a in first["Action"]]
    seed_clients(sandbox, setup)["iam"].create_policy_version(
        PolicyArn=setup.managed_policy_arn, PolicyDocument=json.dumps(policy), SetAsDefault=True
    )


def deny_in_role_policy(sandbox: Sandbox, setup: SeedSetup) -> None:
    """A guard-rail inline policy that denies writing replicas."""
    deny = {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoReplicaWrites", "Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*"}]}
    seed_clients(sandbox, setup)["iam"].put_role_policy(
        RoleName=setup.role_name, PolicyName="guard-rails", PolicyDocument=json.dumps(deny)
    )


def boundary_without_replicate_object(sandbox: Sandbox, setup: SeedSetup) -> None:
    """A permissions boundary written for a read-only role: the role's own Allow has no effect."""
    iam = seed_clients(sandbox, setup)["iam"]
    boundary = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "kms:*", "s3:ReplicateDelete", "s3:ReplicateTags",
                                       "s3:ObjectOwnerOverrideToBucketOwner"], "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="read-mostly-boundary", PolicyDocument=json.dumps(boundary))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=setup.role_name, PermissionsBoundary=arn)


def replica_key_without_source_account(sandbox: Sandbox, setup: SeedSetup) -> None:
    """The replica key's policy only trusts its own account: the source role can't encrypt replicas."""
    policy = json.loads(json.dumps(setup.documents["replica_key_policy"]))
    policy["Statement"] = policy["Statement"][:1]
    seed_clients(sandbox, setup)["kms_b"].put_key_policy(
        KeyId=setup.replica_key_arn, PolicyName="default", Policy=json.dumps(policy)
    )


def disable_replica_key(sandbox: Sandbox, setup: SeedSetup) -> None:
    """DstKmsKeyInvalidState (moto wants the key id, not the ARN)."""
    seed_clients(sandbox, setup)["kms_b"].disable_key(KeyId=setup.replica_key_arn.rsplit("/", 1)[-1])


def schedule_replica_key_deletion(sandbox: Sandbox, setup: SeedSetup) -> None:
    seed_clients(sandbox, setup)["kms_b"].schedule_key_deletion(
        KeyId=setup.replica_key_arn.rsplit("/", 1)[-1], PendingWindowInDays=7
    )


def replica_key_in_wrong_region(sandbox: Sandbox, setup: SeedSetup) -> None:
    """ReplicaKmsKeyID names a destination-account key in the source's Region (DstKmsKeyNotFound)."""
    kms = sandbox.session(DEST_PROFILE).client("kms", region_name=setup.source_region)
    key = kms.create_key(Description="wrong region", Policy=json.dumps(setup.documents["replica_key_policy"]))
    arn = key["KeyMetadata"]["Arn"]
    _put_replication(sandbox, setup, lambda config: config["Rules"][0]["Destination"]["EncryptionConfiguration"]
                     .update(ReplicaKmsKeyID=arn))


def via_service_wrong_region(sandbox: Sandbox, setup: SeedSetup) -> None:
    """The inline KMS statement names the destination's S3 endpoint for the source key too."""
    wrong = {"StringEquals": {"kms:ViaService": f"s3.{setup.dest_region}.amazonaws.com"}}
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"],
         "Resource": [setup.source_key_arn, setup.replica_key_arn], "Condition": wrong}]}
    seed_clients(sandbox, setup)["iam"].put_role_policy(
        RoleName=setup.role_name, PolicyName=setup.inline_policy_name, PolicyDocument=json.dumps(policy)
    )


def source_bucket_key_with_object_context(sandbox: Sandbox, setup: SeedSetup) -> None:
    """An S3 Bucket Key on the source while the role's KMS statement conditions on SRC/* (catalog §3.3)."""
    clients = seed_clients(sandbox, setup)
    encryption = json.loads(json.dumps(setup.documents["source_encryption"]))
    encryption["Rules"][0]["BucketKeyEnabled"] = True
    clients["s3_a"].put_bucket_encryption(Bucket=setup.source_bucket, ServerSideEncryptionConfiguration=encryption)
    context = {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{setup.source_bucket}/*"}}
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": setup.source_key_arn, "Condition": context},
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": setup.replica_key_arn}]}
    clients["iam"].put_role_policy(
        RoleName=setup.role_name, PolicyName=setup.inline_policy_name, PolicyDocument=json.dumps(policy)
    )


def destination_policy_denies_role(sandbox: Sandbox, setup: SeedSetup) -> None:
    deny = {"Sid": "FreezeReplicas", "Effect": "Deny", "Principal": {"AWS": setup.role_arn},
            "Action": "s3:ReplicateObject", "Resource": f"arn:aws:s3:::{setup.dest_bucket}/*"}
    _put_dest_policy(sandbox, setup, lambda policy: policy["Statement"].append(deny))


def destination_policy_role_without_path(sandbox: Sandbox, setup: SeedSetup) -> None:
    pathless = setup.role_arn.replace("/service-role/", "/")

    def change(policy: Document) -> None:
        for statement in policy["Statement"]:
            if statement["Principal"]["AWS"] == [setup.role_arn]:
                statement["Principal"]["AWS"] = [pathless]

    _put_dest_policy(sandbox, setup, change)


def rule_disabled(sandbox: Sandbox, setup: SeedSetup) -> None:
    _put_replication(sandbox, setup, lambda config: config["Rules"][0].update(Status="Disabled"))


def owner_override_without_account(sandbox: Sandbox, setup: SeedSetup) -> None:
    _put_replication(sandbox, setup, lambda config: config["Rules"][0]["Destination"].pop("Account"))


def source_object_lock_without_destination(sandbox: Sandbox, setup: SeedSetup) -> None:
    seed_clients(sandbox, setup)["s3_a"].put_object_lock_configuration(
        Bucket=setup.source_bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
    )


def source_policy_denies_role(sandbox: Sandbox, setup: SeedSetup) -> None:
    deny = {"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyFromOurVpc", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{setup.source_bucket}", f"arn:aws:s3:::{setup.source_bucket}/*"],
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}}]}
    seed_clients(sandbox, setup)["s3_a"].put_bucket_policy(Bucket=setup.source_bucket, Policy=json.dumps(deny))


# name -> breakage; the name says the layer it breaks ("layer/what").
MORE_BREAKAGES: dict[str, Breakage] = {
    "service-role/trust-without-s3": trust_without_s3,
    "service-role/missing-get-object-version-for-replication": role_without_get_object_version_for_replication,
    "service-role/deny-in-role-policy": deny_in_role_policy,
    "service-role/boundary-without-replicate-object": boundary_without_replicate_object,
    "key-policy/replica-key-without-source-account": replica_key_without_source_account,
    "key-policy/replica-key-disabled": disable_replica_key,
    "key-policy/replica-key-pending-deletion": schedule_replica_key_deletion,
    "role-kms/via-service-wrong-region": via_service_wrong_region,
    "role-kms/bucket-key-with-object-context": source_bucket_key_with_object_context,
    "destination-policy/denies-role": destination_policy_denies_role,
    "destination-policy/role-without-path": destination_policy_role_without_path,
    "rule/role-without-path": rule_role_without_path,
    "rule/disabled": rule_disabled,
    "rule/owner-override-without-account": owner_override_without_account,
    "rule/replica-key-in-wrong-region": replica_key_in_wrong_region,
    "rule/source-object-lock-without-destination": source_object_lock_without_destination,
    "source-policy/denies-outside-vpc-endpoint": source_policy_denies_role,
}
