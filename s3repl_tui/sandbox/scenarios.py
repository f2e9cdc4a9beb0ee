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
