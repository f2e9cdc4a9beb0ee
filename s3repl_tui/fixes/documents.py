"""Reading, writing and deleting one kind of document each, with the credentials of its account.

``read`` returns the document, or None when AWS says it does not exist; every other error raises
(botocore's ClientError / BotoCoreError), so a failed read is never mistaken for an absent document.

``write_call`` says which API call writes a document (service, boto3 method, parameters): ``write``
makes that call, and the JSON export hands the same call to whoever applies the plan by hand.

Kinds that create a resource (``role``, ``kms-key``) return its ARN from ``write``. A key scheduled for
deletion reads as absent: it is on its way out, and undo of a created key schedules exactly that.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from s3repl_tui import moto_compat
from s3repl_tui.fixes.jsondoc import Document, compact
from s3repl_tui.fixes.model import AccountSessionLike, DocumentRef
from s3repl_tui.fixes.placeholders import is_placeholder

_ABSENT_CODES = frozenset(
    {
        "NoSuchBucketPolicy",
        "NoSuchEntity",
        "ReplicationConfigurationNotFoundError",
        "NoSuchReplicationConfiguration",
        "ServerSideEncryptionConfigurationNotFoundError",
        "OwnershipControlsNotFoundError",
    }
)
# KMS answers NotFoundException for a key that does not exist; only a created key may be absent.
_ABSENT_KEY_CODES = frozenset({"NotFoundException"})
# KMS and S3 call a principal invalid until IAM has propagated a role created seconds ago.
_INVALID_PRINCIPAL_CODES = frozenset({"MalformedPolicyDocumentException", "MalformedPolicy"})
PRINCIPAL_RETRY_DELAYS: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0)
KEY_DELETION_WINDOW_DAYS = 7  # KMS's minimum
sleep: Callable[[float], None] = time.sleep  # replaced by tests


@dataclass(frozen=True)
class Call:
    """One AWS API call as boto3 names it: ``client(service, region).<operation>(**params)``."""

    service: str
    operation: str  # boto3's method name: "put_bucket_policy"
    params: dict[str, Any] = field(default_factory=dict)
    output: str = ""  # where the answer holds the ARN of what the call created ("KeyMetadata.Arn")


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


def key_id(key_arn: str) -> str:
    """The key id of a key ARN (moto's DisableKey and ScheduleKeyDeletion want the id; AWS takes both)."""
    return key_arn.rsplit("/", 1)[-1]


def read(session: AccountSessionLike, ref: DocumentRef) -> Document | None:
    if ref.kind == "kms-key" and is_placeholder(ref.name):
        return None  # not created yet
    try:
        return _read(session, ref)
    except ClientError as error:
        code = _code(error)
        if code in _ABSENT_CODES or (ref.kind == "kms-key" and code in _ABSENT_KEY_CODES):
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
        s3 = _client(session, ref, "s3")
        answer = s3.get_bucket_replication(Bucket=ref.name)
        return moto_compat.as_stored(dict(answer["ReplicationConfiguration"]), str(s3.meta.endpoint_url), ref.name)
    if kind == "key-policy":
        answer = _client(session, ref, "kms").get_key_policy(KeyId=ref.name, PolicyName="default")
        return _policy(answer["Policy"])
    if kind == "role-inline-policy":
        answer = _client(session, ref, "iam").get_role_policy(RoleName=ref.name, PolicyName=ref.policy_name)
        return _policy(answer["PolicyDocument"])
    if kind == "role-trust":
        role = _client(session, ref, "iam").get_role(RoleName=ref.name)["Role"]
        return _policy(role["AssumeRolePolicyDocument"])
    if kind == "role":
        return _read_role(session, ref)
    if kind == "kms-key":
        return _read_key(session, ref)
    if kind == "bucket-encryption":
        answer = _client(session, ref, "s3").get_bucket_encryption(Bucket=ref.name)
        return {"Rules": list(answer["ServerSideEncryptionConfiguration"].get("Rules", []))}
    if kind == "ownership-controls":
        answer = _client(session, ref, "s3").get_bucket_ownership_controls(Bucket=ref.name)
        return {"Rules": list(answer["OwnershipControls"].get("Rules", []))}
    if kind == "bucket-notification":  # always answered ({} when none): restored, never deleted, by undo
        answer = _client(session, ref, "s3").get_bucket_notification_configuration(Bucket=ref.name)
        return {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    raise ValueError(f"unknown document kind {kind!r}")


def _read_role(session: AccountSessionLike, ref: DocumentRef) -> Document:
    role = _client(session, ref, "iam").get_role(RoleName=ref.name)["Role"]
    document: Document = {
        "RoleName": role["RoleName"],
        "Path": role.get("Path", "/"),
        "AssumeRolePolicyDocument": _policy(role["AssumeRolePolicyDocument"]),
    }
    if role.get("Description"):
        document["Description"] = role["Description"]
    return document


def _read_key(session: AccountSessionLike, ref: DocumentRef) -> Document | None:
    kms = _client(session, ref, "kms")
    meta = kms.describe_key(KeyId=ref.name)["KeyMetadata"]
    if meta.get("KeyState") == "PendingDeletion":
        return None  # on its way out: what undo of a created key leaves
    policy = kms.get_key_policy(KeyId=ref.name, PolicyName="default")["Policy"]
    return {
        "Description": meta.get("Description", ""),
        "KeySpec": meta.get("KeySpec", meta.get("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT")),
        "KeyUsage": meta.get("KeyUsage", "ENCRYPT_DECRYPT"),
        "Policy": _policy(policy),
    }


def write_call(ref: DocumentRef, document: Document) -> Call:
    """The call that writes ``document`` (placeholders in it are left for the caller to fill)."""
    kind, name = ref.kind, ref.name
    if kind == "bucket-versioning":
        versioning = {"Status": document["Status"]}
        return Call("s3", "put_bucket_versioning", {"Bucket": name, "VersioningConfiguration": versioning})
    if kind == "bucket-policy":
        return Call("s3", "put_bucket_policy", {"Bucket": name, "Policy": compact(document)})
    if kind == "replication":
        return Call("s3", "put_bucket_replication", {"Bucket": name, "ReplicationConfiguration": document})
    if kind == "key-policy":
        # Never BypassPolicyLockoutSafetyCheck: KMS's own lockout check stays on.
        return Call("kms", "put_key_policy", {"KeyId": name, "PolicyName": "default", "Policy": compact(document)})
    if kind == "role-inline-policy":
        return Call(
            "iam",
            "put_role_policy",
            {"RoleName": name, "PolicyName": ref.policy_name, "PolicyDocument": compact(document)},
        )
    if kind == "role-trust":
        return Call("iam", "update_assume_role_policy", {"RoleName": name, "PolicyDocument": compact(document)})
    if kind == "role":
        params: dict[str, Any] = {
            "RoleName": document["RoleName"],
            "Path": document.get("Path", "/"),
            "AssumeRolePolicyDocument": compact(document["AssumeRolePolicyDocument"]),
        }
        if document.get("Description"):
            params["Description"] = document["Description"]
        return Call("iam", "create_role", params, output="Role.Arn")
    if kind == "kms-key":
        return Call(
            "kms",
            "create_key",
            {
                "Description": document.get("Description", ""),
                "KeySpec": document.get("KeySpec", "SYMMETRIC_DEFAULT"),
                "KeyUsage": document.get("KeyUsage", "ENCRYPT_DECRYPT"),
                "Policy": compact(document["Policy"]),
            },
            output="KeyMetadata.Arn",
        )
    if kind == "bucket-encryption":
        return Call("s3", "put_bucket_encryption", {"Bucket": name, "ServerSideEncryptionConfiguration": document})
    if kind == "ownership-controls":
        return Call("s3", "put_bucket_ownership_controls", {"Bucket": name, "OwnershipControls": document})
    if kind == "bucket-notification":  # replaces the whole configuration: the document holds all of it
        return Call(
            "s3", "put_bucket_notification_configuration", {"Bucket": name, "NotificationConfiguration": document}
        )
    raise ValueError(f"unknown document kind {kind!r}")


def output_of(answer: Any, path: str) -> str | None:
    """The value at a dotted ``path`` of an API answer ("KeyMetadata.Arn")."""
    value = answer
    for part in path.split(".") if path else ():
        value = value.get(part) if isinstance(value, dict) else None
    return str(value) if isinstance(value, str) and value else None


def write(
    session: AccountSessionLike, ref: DocumentRef, document: Document, *, new_principal: bool = False
) -> str | None:
    """Write ``document``; for kinds that create a resource, return the new resource's ARN.

    ``new_principal``: the document names a role created moments ago, so an "invalid principal"
    answer is retried for up to half a minute while IAM propagates it.
    """
    call = write_call(ref, document)
    client = _client(session, ref, call.service)
    delays = PRINCIPAL_RETRY_DELAYS if new_principal else ()
    for attempt in range(len(delays) + 1):
        try:
            answer = getattr(client, call.operation)(**call.params)
            break
        except ClientError as error:
            if attempt >= len(delays) or _code(error) not in _INVALID_PRINCIPAL_CODES:
                raise
            sleep(delays[attempt])
    return output_of(answer, call.output) if call.output else None


def delete(session: AccountSessionLike, ref: DocumentRef) -> None:
    """Remove a document or resource the tool created (undo). Key policies, trust policies and
    versioning always exist, so they are never deleted; a created key is scheduled for deletion."""
    kind = ref.kind
    if kind == "bucket-policy":
        _client(session, ref, "s3").delete_bucket_policy(Bucket=ref.name)
    elif kind == "replication":
        _client(session, ref, "s3").delete_bucket_replication(Bucket=ref.name)
    elif kind == "role-inline-policy":
        _client(session, ref, "iam").delete_role_policy(RoleName=ref.name, PolicyName=ref.policy_name)
    elif kind == "role":
        _client(session, ref, "iam").delete_role(RoleName=ref.name)
    elif kind == "kms-key":
        _client(session, ref, "kms").schedule_key_deletion(
            KeyId=key_id(ref.name), PendingWindowInDays=KEY_DELETION_WINDOW_DAYS
        )
    elif kind == "bucket-encryption":
        _client(session, ref, "s3").delete_bucket_encryption(Bucket=ref.name)
    elif kind == "ownership-controls":
        _client(session, ref, "s3").delete_bucket_ownership_controls(Bucket=ref.name)
    else:
        raise ValueError(f"a {kind} cannot be deleted")
