"""The least-privilege statements AWS documents for replication (catalog §3), built for one setup.

Exact actions, exact resources (object ARNs with ``/*`` or the rules' prefixes), the role ARN as the
principal in resource policies, and on every KMS grant the conditions S3 meets when it calls KMS for
the role: ``kms:ViaService`` of the key's bucket region and ``kms:EncryptionContext:aws:s3:arn`` in the
form that bucket's Bucket Key setting makes S3 send.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from s3repl_tui.fixes.facts import Facts

Grant = dict[str, Any]

SOURCE_BUCKET_ACTIONS = ("s3:GetReplicationConfiguration", "s3:ListBucket")
SOURCE_OBJECT_ACTIONS = ("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging")
OBJECT_LOCK_SOURCE_ACTIONS = ("s3:GetObjectRetention", "s3:GetObjectLegalHold")
DESTINATION_OBJECT_ACTIONS = ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags")
OWNER_OVERRIDE_ACTION = "s3:ObjectOwnerOverrideToBucketOwner"
# Encrypt and GenerateDataKey write replicas; Decrypt is needed for multipart replicas and under a
# destination Bucket Key (catalog §1 #9, §3.3). The conditions keep all three to S3 on this bucket.
REPLICA_KEY_ACTIONS = ("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt")
SOURCE_KEY_ACTIONS = ("kms:Decrypt",)
S3_SERVICE_PRINCIPAL = "s3.amazonaws.com"


class MissingFact(LookupError):
    """A fact the grant needs was not read (or the setup does not name it)."""


def _need(value: Any, what: str) -> Any:
    if value in (None, "", []):
        raise MissingFact(what)
    return value


def _destination_kind(action: str) -> bool:
    lowered = action.lower()
    return lowered.startswith(("s3:replicate", "s3:objectowneroverride", "s3:putobject"))


def role_s3_grants(facts: Facts, destination: str, actions: Iterable[str] | None = None) -> list[Grant]:
    """Statements for the role's own permission policy (catalog §3.2); ``actions``: only those."""
    source = facts.source.name
    if actions is None:
        wanted = [*SOURCE_BUCKET_ACTIONS, *SOURCE_OBJECT_ACTIONS, *DESTINATION_OBJECT_ACTIONS]
        if facts.source_object_lock:
            wanted += OBJECT_LOCK_SOURCE_ACTIONS
        if facts.overrides_owner_to(destination):
            wanted.append(OWNER_OVERRIDE_ACTION)
    else:
        wanted = list(dict.fromkeys(actions))
    bucket_level = [a for a in wanted if a.lower() in {b.lower() for b in SOURCE_BUCKET_ACTIONS}]
    destination_level = [a for a in wanted if _destination_kind(a)]
    source_objects = [a for a in wanted if a not in bucket_level and a not in destination_level]
    grants: list[Grant] = []
    if bucket_level:
        grants.append(allow_statement("S3ReplTuiSourceBucket", bucket_level, [f"arn:aws:s3:::{source}"]))
    if source_objects:
        grants.append(allow_statement("S3ReplTuiSourceObjects", source_objects, facts.object_arns(source)))
    if destination_level:
        grants.append(allow_statement("S3ReplTuiDestinationObjects", destination_level, facts.object_arns(destination)))
    return grants


def default_key_actions(facts: Facts, bucket: str) -> list[str]:
    return list(SOURCE_KEY_ACTIONS if bucket == facts.source.name else REPLICA_KEY_ACTIONS)


def kms_use_condition(region: str, encryption_contexts: list[str]) -> dict[str, Any]:
    """S3's use of a key for one bucket (catalog §3.3): through S3 in the bucket's Region, for its objects
    (or the bucket ARN under an S3 Bucket Key)."""
    return {
        "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": encryption_contexts},
    }


def _kms_condition(facts: Facts, bucket: str) -> dict[str, Any]:
    snapshot = facts.bucket(bucket)
    region = facts.bucket_region(snapshot) if snapshot is not None else None
    return kms_use_condition(_need(region, f"the region of bucket {bucket}"), facts.encryption_context(bucket))


def role_key_grant(facts: Facts, key_arn: str, bucket: str, actions: Iterable[str] | None = None) -> Grant:
    """The role's own KMS statement for one key, limited to S3's use of it for ``bucket`` (§3.3)."""
    sid = "S3ReplTuiSourceKey" if bucket == facts.source.name else "S3ReplTuiReplicaKey"
    wanted = list(actions) if actions else default_key_actions(facts, bucket)
    return allow_statement(sid, wanted, [key_arn], _kms_condition(facts, bucket))


def key_policy_grant(facts: Facts, bucket: str, principal: str | None, actions: Iterable[str] | None = None) -> Grant:
    """A key policy statement for the role (§3.5); in a key policy, Resource "*" means this key only."""
    role_arn = _need(principal or facts.role_arn, "the replication role's ARN")
    wanted = list(actions) if actions else default_key_actions(facts, bucket)
    return allow_statement("S3ReplTuiReplicationRole", wanted, "*", _kms_condition(facts, bucket), principal=role_arn)


def destination_policy_grant(
    facts: Facts, destination: str, principal: str | None, actions: Iterable[str] | None = None
) -> Grant:
    """§3.4: the role may replicate into the bucket (and hand ownership over when a rule says so)."""
    role_arn = _need(principal or facts.role_arn, "the replication role's ARN")
    if actions:
        wanted = list(actions)
    else:
        wanted = ["s3:ReplicateObject", "s3:ReplicateDelete"]
        if facts.overrides_owner_to(destination):
            wanted.append(OWNER_OVERRIDE_ACTION)
    return allow_statement("S3ReplTuiReplicaWrites", wanted, facts.object_arns(destination), principal=role_arn)


def trust_grant() -> Grant:
    return {
        "Sid": "S3ReplTuiS3Assume",
        "Effect": "Allow",
        "Principal": {"Service": S3_SERVICE_PRINCIPAL},
        "Action": "sts:AssumeRole",
    }


def allow_statement(
    sid: str,
    actions: list[str],
    resources: list[str] | str,
    condition: dict[str, Any] | None = None,
    principal: str | None = None,
) -> Grant:
    grant: Grant = {"Sid": sid, "Effect": "Allow"}
    if principal is not None:
        grant["Principal"] = {"AWS": principal}
    grant["Action"] = actions
    grant["Resource"] = resources
    if condition:
        grant["Condition"] = condition
    return grant
