"""Hand-built Snapshots and Findings of the seed setup, for planner tests that need no AWS."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from s3repl_tui.checks.model import LAYERS, BucketRef, Finding, FixHint, LayerResult, Report
from s3repl_tui.probes.snapshot import BucketSnapshot, Identity, KeySnapshot, Read, RoleSnapshot, Snapshot

SRC, DST = "src-bucket", "dst-bucket"
A, B = "111122223333", "444455556666"
SRC_REGION, DST_REGION = "us-east-1", "us-west-2"
ROLE_NAME = "replication-role"
ROLE_ARN = f"arn:aws:iam::{A}:role/service-role/{ROLE_NAME}"
SRC_KEY = f"arn:aws:kms:{SRC_REGION}:{A}:key/1111aaaa-0000-0000-0000-000000000001"
DST_KEY = f"arn:aws:kms:{DST_REGION}:{B}:key/2222bbbb-0000-0000-0000-000000000002"

# One statement per policy that no fix may touch (a Deny among them).
PLANTED_DENY = {
    "Sid": "OwnersDenyInsecure",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{DST}", f"arn:aws:s3:::{DST}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def encryption(key: str, bucket_key: bool = False) -> dict[str, Any]:
    return {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
                "BucketKeyEnabled": bucket_key,
            }
        ]
    }


def key_policy(owner: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{owner}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            *extra,
        ],
    }


def replication(**rule_changes: Any) -> dict[str, Any]:
    rule = {
        "ID": "rule-1",
        "Priority": 0,
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {
            "Bucket": f"arn:aws:s3:::{DST}",
            "Account": B,
            "AccessControlTranslation": {"Owner": "Destination"},
            "EncryptionConfiguration": {"ReplicaKmsKeyID": DST_KEY},
        },
    }
    rule.update(rule_changes)
    return {"Role": ROLE_ARN, "Rules": [rule]}


def bucket(name: str, account: str, region: str, key: str, **changes: Any) -> BucketSnapshot:
    made = BucketSnapshot(
        name=name,
        owner_account=account,
        read_as=account,
        exists=Read.ok(True),
        region=Read.ok(region),
        versioning=Read.ok("Enabled"),
        encryption=Read.ok(encryption(key)),
        ownership=Read.ok("BucketOwnerEnforced"),
        object_lock=Read.absent("ObjectLockConfigurationNotFoundError"),
        policy=Read.absent("NoSuchBucketPolicy"),
        request_payment=Read.ok("BucketOwner"),
    )
    return replace(made, **changes)


def key(arn: str, policy: dict[str, Any]) -> KeySnapshot:
    region, account = arn.split(":")[3], arn.split(":")[4]
    metadata = {"Arn": arn, "KeyState": "Enabled", "KeyManager": "CUSTOMER", "AWSAccountId": account}
    return KeySnapshot(arn, arn, region, account, Read.ok(metadata), Read.ok(policy), Read.ok(()))


def role(inline: dict[str, Any] | None = None, trust: dict[str, Any] | None = None) -> RoleSnapshot:
    trust = trust or {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    document = {"Arn": ROLE_ARN, "RoleName": ROLE_NAME, "Path": "/service-role/", "AssumeRolePolicyDocument": trust}
    return RoleSnapshot(
        ROLE_ARN,
        ROLE_NAME,
        A,
        Read.ok(document),
        Read.ok(copy.deepcopy(inline or {})),
        Read.ok({}),
        Read.absent("NoPermissionsBoundary"),
    )


def snapshot(
    *,
    config: dict[str, Any] | None = None,
    source: BucketSnapshot | None = None,
    dest: BucketSnapshot | None = None,
    role_snapshot: RoleSnapshot | None = None,
    source_key_policy: dict[str, Any] | None = None,
    dest_key_policy: dict[str, Any] | None = None,
) -> Snapshot:
    config = config if config is not None else replication()
    source = source or bucket(SRC, A, SRC_REGION, SRC_KEY, replication=Read.ok(config))
    dest = dest or bucket(DST, B, DST_REGION, DST_KEY)
    return Snapshot(
        source_bucket=SRC,
        source_identity=Identity("source", "src-profile", A, f"arn:aws:iam::{A}:user/admin"),
        dest_identity=Identity("destination", "dst-profile", B, f"arn:aws:sts::{B}:assumed-role/admin/s"),
        endpoint_url=None,
        source=source,
        destinations={DST: dest},
        role=role_snapshot or role(),
        keys={
            SRC_KEY: key(SRC_KEY, source_key_policy or key_policy(A)),
            DST_KEY: key(DST_KEY, dest_key_policy or key_policy(B)),
        },
    )


def finding(fix_id: str, *, severity: str = "error", automatic: bool = True, **params: Any) -> Finding:
    hint = FixHint(fix_id, f"fix {fix_id}", params.get("account"), "api", automatic, params, "do it by hand")
    return Finding(f"code-{fix_id}", severity, f"finding for {fix_id}", fix=hint)  # type: ignore[arg-type]


def report(*placed: tuple[str, Finding]) -> Report:
    layers = [
        LayerResult(layer_id, title, tuple(f for where, f in placed if where == layer_id)) for layer_id, title in LAYERS
    ]
    return Report(BucketRef(SRC, A, SRC_REGION), (BucketRef(DST, B, DST_REGION),), tuple(layers))
