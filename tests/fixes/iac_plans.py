"""Plans for the infrastructure-code exports: the sandbox's broken setups (with an owner statement more
in every policy), and hand-built ones for what the sandbox does not show (a created key, an owner's
policy variable, a value the data source cannot render)."""

from __future__ import annotations

from typing import Any

from s3repl_tui.fixes import Plan, plan_fixes
from s3repl_tui.fixes.model import Change, DocumentRef
from s3repl_tui.fixes.placeholders import REPLICA_KEY_ARN, token
from s3repl_tui.sandbox import BREAKAGES, Sandbox, build_seed

from . import builders as b
from . import seeded

# The sandbox's own breakages, and two whose fix merges into a policy full of owner statements.
BROKEN = [*sorted(BREAKAGES), "key-policy", "service-role/trust"]


def seeded_plan(sandbox: Sandbox, breakage: str) -> Plan:
    """The fix plan (opt-in changes too) of the seed with ``breakage`` and unrelated owner statements."""
    sandbox.reset()  # a test may export several setups
    setup = build_seed(sandbox)
    seeded.plant_unrelated_statements(sandbox, setup)
    seeded.ALL_BREAKAGES[breakage](sandbox, setup)
    snapshot, report = seeded.checked(seeded.connect(), setup)
    plan = plan_fixes(snapshot, report, None, include_optional=True)
    assert plan.changes, f"{breakage}: nothing planned"
    return plan


def owner_policy() -> dict[str, Any]:
    """A destination bucket policy whose owner uses IAM policy variables and HCL's template sequences."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "HomeFolders",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{b.B}:root"},
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"arn:aws:s3:::{b.DST}/home/${{aws:username}}/*",
                "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/", '%{literal} "quoted" \\ back']}},
            },
            {
                "Sid": "S3ReplTuiReplicaWrites",
                "Effect": "Allow",
                "Principal": {"AWS": b.ROLE_ARN},
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete"],
                "Resource": f"arn:aws:s3:::{b.DST}/*",
            },
        ],
    }


def bucket_policy_change(before: dict[str, Any] | None, after: dict[str, Any]) -> Change:
    ref = DocumentRef("bucket-policy", b.B, b.DST_REGION, f"arn:aws:s3:::{b.DST}", b.DST)
    return Change(
        "p",
        ("amend-destination-bucket-policy",),
        "destination-policy",
        ref,
        "amend the policy",
        before,
        after,
        profile="dest",
    )


def replication_change(after: dict[str, Any]) -> Change:
    ref = DocumentRef("replication", b.A, b.SRC_REGION, f"arn:aws:s3:::{b.SRC}", b.SRC)
    return Change("r", ("rule",), "rule", ref, "fix the rule", b.replication(), after, profile="src")


def created_key_plan() -> Plan:
    """init's shape: a new replica key in the destination account, named by a placeholder that the
    role's statement and the rule (source account) use before the key exists."""
    key_ref = DocumentRef("kms-key", b.B, b.DST_REGION, token(REPLICA_KEY_ARN), token(REPLICA_KEY_ARN))
    key = Change(
        "k",
        (),
        "key-policy",
        key_ref,
        "create the replica key",
        None,
        {
            "Description": "S3 replication replica key for dst-bucket (s3repl-tui init)",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "Policy": b.key_policy(b.B),
        },
        profile="dest",
        creates=REPLICA_KEY_ARN,
    )
    role_ref = DocumentRef("role", b.A, b.SRC_REGION, b.ROLE_ARN, b.ROLE_NAME)
    role = Change(
        "role",
        (),
        "service-role",
        role_ref,
        "create the role",
        None,
        {
            "RoleName": b.ROLE_NAME,
            "Path": "/service-role/",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            "Description": "S3 replication (s3repl-tui init)",
        },
        profile="src",
    )
    inline_ref = DocumentRef("role-inline-policy", b.A, b.SRC_REGION, b.ROLE_ARN, b.ROLE_NAME, "S3ReplTuiReplication")
    inline = Change(
        "i",
        (),
        "role-kms",
        inline_ref,
        "allow the key",
        None,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "S3ReplTuiReplicaKey",
                    "Effect": "Allow",
                    "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                    "Resource": token(REPLICA_KEY_ARN),
                }
            ],
        },
        profile="src",
    )
    config = b.replication()
    config["Rules"][0]["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] = token(REPLICA_KEY_ARN)
    dst = DocumentRef("bucket-encryption", b.B, b.DST_REGION, f"arn:aws:s3:::{b.DST}", b.DST)
    encryption = Change(
        "e",
        (),
        "key-policy",
        dst,
        "encrypt with the new key",
        None,
        b.encryption(token(REPLICA_KEY_ARN), True),
        profile="dest",
    )
    ownership_ref = DocumentRef("ownership-controls", b.B, b.DST_REGION, f"arn:aws:s3:::{b.DST}", b.DST)
    ownership = Change(
        "o",
        (),
        "rule",
        ownership_ref,
        "the bucket owner owns every object",
        None,
        {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        profile="dest",
    )
    return Plan((key, role, inline, encryption, ownership, replication_change(config)), source_bucket=b.SRC)
