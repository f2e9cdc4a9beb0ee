"""The documents a first-time setup writes, least privilege as AWS documents it (catalog §3, §4).

Pure functions: names, ARNs and answers in, policy statements and configurations out. Statements the
tool writes carry a Sid starting with ``S3ReplTui`` (the same Sids ``fix`` uses, so a later ``fix``
widens them instead of adding copies; the Sids are ``checks.statements.SID_*``), and are merged into
what exists with ``fixes.merge.add_grant``.

KMS grants carry the conditions S3 meets when it calls KMS for the role: ``kms:ViaService`` of the
key's bucket Region, and ``kms:EncryptionContext:aws:s3:arn`` in the form the bucket's S3 Bucket Key
setting makes S3 send (bucket ARN with a Bucket Key, object ARNs ``bucket/*`` without).
"""

from __future__ import annotations

from typing import Any

from s3repl_tui.checks import statements
from s3repl_tui.fixes import grants
from s3repl_tui.fixes.jsondoc import Document
from s3repl_tui.setup.answers import SetupAnswers

Grant = dict[str, Any]
POLICY_VERSION = "2012-10-17"
MINUTES = 15  # the only value S3 accepts for EventThreshold and ReplicationTime (catalog §4)
KEY_ADMIN_SID = "Enable IAM User Permissions"  # KMS's default statement: the account decides with IAM


def rule_id(dest_bucket: str) -> str:
    return f"s3repl-tui-to-{dest_bucket}"[:255]


def kms_condition(bucket: str, region: str, bucket_key: bool) -> dict[str, Any]:
    return grants.kms_use_condition(region, [f"arn:aws:s3:::{bucket}" if bucket_key else f"arn:aws:s3:::{bucket}/*"])


def trust_policy() -> Document:
    """Catalog §3.1: only S3 may assume the replication role."""
    return {"Version": POLICY_VERSION, "Statement": [grants.trust_grant()]}


def role_document(name: str, path: str, source: str, dest: str) -> Document:
    return {
        "RoleName": name,
        "Path": path,
        "AssumeRolePolicyDocument": trust_policy(),
        "Description": f"S3 replication from {source} to {dest} (s3repl-tui init)"[:1000],
    }


def role_grants(
    answers: SetupAnswers,
    *,
    source_region: str,
    dest_region: str,
    source_key: str | None,
    replica_key: str | None,
    source_object_lock: bool,
) -> list[Grant]:
    """The role's permission policy: catalog §3.2 (S3) and §3.3 (KMS)."""
    src, dst = answers.source_bucket, answers.dest_bucket
    source_objects = list(grants.SOURCE_OBJECT_ACTIONS)
    if source_object_lock:
        source_objects += grants.OBJECT_LOCK_SOURCE_ACTIONS
    destination = list(grants.DESTINATION_OBJECT_ACTIONS)
    if answers.ownership == "override":
        destination.append(grants.OWNER_OVERRIDE_ACTION)
    result = [
        grants.allow_statement(
            statements.SID_SOURCE_BUCKET, list(grants.SOURCE_BUCKET_ACTIONS), [f"arn:aws:s3:::{src}"]
        ),
        grants.allow_statement(statements.SID_SOURCE_OBJECTS, source_objects, [f"arn:aws:s3:::{src}/*"]),
        grants.allow_statement(statements.SID_DESTINATION_OBJECTS, destination, [f"arn:aws:s3:::{dst}/*"]),
    ]
    if source_key:
        result.append(
            grants.allow_statement(
                statements.SID_SOURCE_KEY,
                list(grants.SOURCE_KEY_ACTIONS),
                [source_key],
                kms_condition(src, source_region, answers.bucket_key),
            )
        )
    if replica_key:
        result.append(
            grants.allow_statement(
                statements.SID_REPLICA_KEY,
                list(grants.REPLICA_KEY_ACTIONS),
                [replica_key],
                kms_condition(dst, dest_region, answers.bucket_key),
            )
        )
    return result


def key_policy_grant(role_arn: str, actions: tuple[str, ...], bucket: str, region: str, bucket_key: bool) -> Grant:
    """Catalog §3.5: the role may use this key (Resource "*" in a key policy: this key only) for S3 on
    ``bucket`` only."""
    return grants.allow_statement(
        statements.SID_KEY_POLICY, list(actions), "*", kms_condition(bucket, region, bucket_key), principal=role_arn
    )


def source_key_grant(role_arn: str, bucket: str, region: str, bucket_key: bool) -> Grant:
    return key_policy_grant(role_arn, grants.SOURCE_KEY_ACTIONS, bucket, region, bucket_key)


def replica_key_grant(role_arn: str, bucket: str, region: str, bucket_key: bool) -> Grant:
    return key_policy_grant(role_arn, grants.REPLICA_KEY_ACTIONS, bucket, region, bucket_key)


def new_key_document(account: str, description: str, role_grants_: list[Grant]) -> Document:
    """A symmetric customer managed key whose policy is KMS's default (the account administers the key
    through IAM) plus the replication role's statements."""
    admin = {
        "Sid": KEY_ADMIN_SID,
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return {
        "Description": description[:8192],
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Policy": {"Version": POLICY_VERSION, "Id": "s3repl-tui-init", "Statement": [admin, *role_grants_]},
    }


def destination_policy_grant(role_arn: str, dest_bucket: str, override: bool) -> Grant:
    """Catalog §3.4: the role (by ARN) may write replicas (and hand ownership over with an override)."""
    actions = ["s3:ReplicateObject", "s3:ReplicateDelete"]
    if override:
        actions.append(grants.OWNER_OVERRIDE_ACTION)
    objects = [f"arn:aws:s3:::{dest_bucket}/*"]
    return grants.allow_statement(statements.SID_REPLICA_WRITES, actions, objects, principal=role_arn)


def encryption_document(key_arn: str, bucket_key: bool) -> Document:
    return {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                "BucketKeyEnabled": bucket_key,
            }
        ]
    }


OWNER_ENFORCED: Document = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def replication_document(answers: SetupAnswers, role_arn: str, dest_account: str, replica_key: str | None) -> Document:
    """One V2 rule for the whole bucket (catalog §4): Filter, Priority and DeleteMarkerReplication;
    SSE-KMS opt-in paired with ReplicaKmsKeyID; owner override with Account; Metrics with RTC, both
    with 15 minutes."""
    destination: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{answers.dest_bucket}"}
    if answers.ownership == "override":
        destination["Account"] = dest_account
        destination["AccessControlTranslation"] = {"Owner": "Destination"}
    if replica_key:
        destination["EncryptionConfiguration"] = {"ReplicaKmsKeyID": replica_key}
    if answers.metrics or answers.rtc:
        destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": MINUTES}}
    if answers.rtc:
        destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": MINUTES}}
    rule: dict[str, Any] = {
        "ID": rule_id(answers.dest_bucket),
        "Priority": 1,
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "DeleteMarkerReplication": {"Status": "Enabled" if answers.delete_markers else "Disabled"},
    }
    criteria: dict[str, Any] = {}
    if replica_key:
        criteria["SseKmsEncryptedObjects"] = {"Status": "Enabled"}
    if answers.replica_sync:
        criteria["ReplicaModifications"] = {"Status": "Enabled"}
        # S3 requires SseKmsEncryptedObjects whenever SourceSelectionCriteria is present (catalog §4).
        criteria.setdefault("SseKmsEncryptedObjects", {"Status": "Disabled"})
    if criteria:
        rule["SourceSelectionCriteria"] = criteria
    rule["Destination"] = destination
    return {"Role": role_arn, "Rules": [rule]}
