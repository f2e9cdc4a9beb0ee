"""Reading, writing and deleting one kind of document each, with the credentials of its account.

``read`` returns the document, or None when AWS says it does not exist; every other error raises
(botocore's ClientError / BotoCoreError), so a failed read is never mistaken for an absent document.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from botocore.exceptions import ClientError

from s3repl_tui.fixes.jsondoc import Document, compact
from s3repl_tui.fixes.model import AccountSessionLike, DocumentRef

_ABSENT_CODES = frozenset(
    {"NoSuchBucketPolicy", "NoSuchEntity", "ReplicationConfigurationNotFoundError", "NoSuchReplicationConfiguration"}
)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _policy(value: Any) -> Document:
    """IAM answers policy documents URL-encoded; boto3 usually decodes them, not always."""
    if isinstance(value, dict):
        return value
    text = str(value)
    if text.lstrip().startswith("%7B") or text.lstrip().startswith("%7b"):
        text = urllib.parse.unquote(text)
    loaded = json.loads(text)
    if not isinstance(loaded, dict):
        raise ValueError("the policy is not a JSON object")
    return loaded


def _client(session: AccountSessionLike, ref: DocumentRef, service: str) -> Any:
    return session.client(service, region=None if service == "iam" else ref.region)


def read(session: AccountSessionLike, ref: DocumentRef) -> Document | None:
    try:
        return _read(session, ref)
    except ClientError as error:
        if _code(error) in _ABSENT_CODES:
            return None
        raise


def _read(session: AccountSessionLike, ref: DocumentRef) -> Document | None:
    kind = ref.kind
    if kind == "bucket-versioning":
        answer = _client(session, ref, "s3").get_bucket_versioning(Bucket=ref.name)
        status = answer.get("Status")
        return {"Status": status} if status else {}
    if kind == "bucket-policy":
        return _policy(_client(session, ref, "s3").get_bucket_policy(Bucket=ref.name)["Policy"])
    if kind == "replication":
        answer = _client(session, ref, "s3").get_bucket_replication(Bucket=ref.name)
        return dict(answer["ReplicationConfiguration"])
    if kind == "key-policy":
        answer = _client(session, ref, "kms").get_key_policy(KeyId=ref.name, PolicyName="default")
        return _policy(answer["Policy"])
    if kind == "role-inline-policy":
        answer = _client(session, ref, "iam").get_role_policy(RoleName=ref.name, PolicyName=ref.policy_name)
        return _policy(answer["PolicyDocument"])
    if kind == "role-trust":
        role = _client(session, ref, "iam").get_role(RoleName=ref.name)["Role"]
        return _policy(role["AssumeRolePolicyDocument"])
    raise ValueError(f"unknown document kind {kind!r}")


def write(session: AccountSessionLike, ref: DocumentRef, document: Document) -> None:
    kind = ref.kind
    if kind == "bucket-versioning":
        _client(session, ref, "s3").put_bucket_versioning(
            Bucket=ref.name, VersioningConfiguration={"Status": document["Status"]}
        )
    elif kind == "bucket-policy":
        _client(session, ref, "s3").put_bucket_policy(Bucket=ref.name, Policy=compact(document))
    elif kind == "replication":
        _client(session, ref, "s3").put_bucket_replication(Bucket=ref.name, ReplicationConfiguration=document)
    elif kind == "key-policy":
        # Never BypassPolicyLockoutSafetyCheck: KMS's own lockout check stays on.
        _client(session, ref, "kms").put_key_policy(KeyId=ref.name, PolicyName="default", Policy=compact(document))
    elif kind == "role-inline-policy":
        _client(session, ref, "iam").put_role_policy(
            RoleName=ref.name, PolicyName=ref.policy_name, PolicyDocument=compact(document)
        )
    elif kind == "role-trust":
        _client(session, ref, "iam").update_assume_role_policy(RoleName=ref.name, PolicyDocument=compact(document))
    else:
        raise ValueError(f"unknown document kind {kind!r}")


def delete(session: AccountSessionLike, ref: DocumentRef) -> None:
    """Remove a document the tool created (undo). Key policies, trust policies and versioning
    always exist, so they are never deleted."""
    kind = ref.kind
    if kind == "bucket-policy":
        _client(session, ref, "s3").delete_bucket_policy(Bucket=ref.name)
    elif kind == "replication":
        _client(session, ref, "s3").delete_bucket_replication(Bucket=ref.name)
    elif kind == "role-inline-policy":
        _client(session, ref, "iam").delete_role_policy(RoleName=ref.name, PolicyName=ref.policy_name)
    else:
        raise ValueError(f"a {kind} cannot be deleted")
