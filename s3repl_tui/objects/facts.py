"""Reading one object version: HeadObject, its tags, and its ACL owner when ACLs are in force.

A key that does not exist, a delete marker, or an object the caller cannot read is a ``UserError``
(one sentence and a hint): there is nothing to diagnose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from s3repl_tui.aws.errors import classify, error_code
from s3repl_tui.errors import UserError
from s3repl_tui.probes.snapshot import Read

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

Encryption = Literal["none", "SSE-S3", "SSE-KMS", "DSSE-KMS", "SSE-C", "unknown"]
ARCHIVED_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
_ENCRYPTION_NAMES: dict[str, Encryption] = {"AES256": "SSE-S3", "aws:kms": "SSE-KMS", "aws:kms:dsse": "DSSE-KMS"}


@dataclass(frozen=True)
class ObjectFacts:
    """What S3 says about one object version."""

    bucket: str
    key: str
    version_id: str | None  # None: the bucket was never versioned ("null" versions)
    last_modified: datetime | None
    replication_status: str | None  # absent: no rule matched when the object was written
    encryption: Encryption
    kms_key_id: str | None  # SSE-KMS / DSSE-KMS key ARN as S3 reports it
    bucket_key: bool  # encrypted with an S3 Bucket Key: the KMS encryption context is the bucket ARN
    storage_class: str
    archive_status: str | None  # Intelligent-Tiering ARCHIVE_ACCESS / DEEP_ARCHIVE_ACCESS
    restore: str | None  # x-amz-restore: a restored copy of an archived object
    object_lock_mode: str | None
    object_lock_retain_until: datetime | None
    legal_hold: str | None
    size: int
    tags: Read[Mapping[str, str]]
    owner_id: Read[str] | None  # None: ACLs are disabled (BucketOwnerEnforced), the bucket owns everything
    bucket_owner_id: Read[str] | None

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.key}"

    @property
    def kms_encrypted(self) -> bool:
        return self.encryption in ("SSE-KMS", "DSSE-KMS")

    @property
    def archived(self) -> bool:
        """In a storage class or tier that replication (and Batch Replication) skips until restored."""
        return self.storage_class in ARCHIVED_CLASSES or self.archive_status is not None

    @property
    def uses_object_lock(self) -> bool:
        return bool(self.object_lock_mode or self.legal_hold == "ON")

    @property
    def owned_by_other_account(self) -> bool | None:
        """True when ACLs are on and the object's owner is not the bucket owner (catalog S9)."""
        if self.owner_id is None:
            return False
        if not self.owner_id.is_ok or self.bucket_owner_id is None or not self.bucket_owner_id.is_ok:
            return None
        return self.owner_id.value != self.bucket_owner_id.value

    def to_json(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "key": self.key,
            "version_id": self.version_id,
            "last_modified": self.last_modified.isoformat() if self.last_modified else None,
            "replication_status": self.replication_status,
            "encryption": self.encryption,
            "kms_key_id": self.kms_key_id,
            "bucket_key": self.bucket_key,
            "storage_class": self.storage_class,
            "archive_status": self.archive_status,
            "object_lock_mode": self.object_lock_mode,
            "legal_hold": self.legal_hold,
            "size": self.size,
            "tags": dict(self.tags.value) if self.tags.is_ok and self.tags.value is not None else None,
            "owned_by_other_account": self.owned_by_other_account,
        }


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _head(s3: S3Client, bucket: str, key: str, version_id: str | None) -> dict[str, Any]:
    target = f"s3://{bucket}/{key}" + (f" (version {version_id})" if version_id else "")
    try:
        if version_id:
            return dict(s3.head_object(Bucket=bucket, Key=key, VersionId=version_id))
        return dict(s3.head_object(Bucket=bucket, Key=key))
    except ClientError as error:
        code, status = error_code(error), _status(error)
        headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        if headers.get("x-amz-delete-marker") == "true":
            raise UserError(
                f"The current version of {target} is a delete marker, so there is no object to diagnose.",
                "Pass --version-id with an older version (aws s3api list-object-versions lists them).",
            ) from error
        if code in ("404", "NoSuchKey", "NoSuchVersion", "NotFound"):
            raise UserError(
                f"{target} does not exist.",
                "Check the key's spelling and case; keys are case-sensitive and have no leading slash.",
            ) from error
        if code in ("403", "AccessDenied"):
            raise UserError(
                f"The source credentials may not read {target} (s3:GetObject or s3:GetObjectVersion).",
                "Use --source-profile with credentials of the source bucket's account.",
            ) from error
        if status == 400 and version_id:
            raise UserError(
                f"{version_id!r} is not a version of s3://{bucket}/{key}.",
                f"aws s3api list-object-versions --bucket {bucket} --prefix {key} lists its versions.",
            ) from error
        if status == 400:
            raise UserError(
                f"S3 refused to describe {target} without its customer-provided key (SSE-C).",
                "SSE-C objects replicate like others; check the bucket with s3repl-tui check.",
            ) from error
        raise UserError(f"S3 could not describe {target}: {classify(error, 's3:HeadObject', None).message}") from error
    except BotoCoreError as error:  # network, credentials: one sentence, never a traceback
        raise UserError(f"S3 could not describe {target}: {classify(error, 's3:HeadObject', None).message}") from error


def _tags(s3: S3Client, bucket: str, key: str, version_id: str | None) -> Read[Mapping[str, str]]:
    command = f"aws s3api get-object-tagging --bucket {bucket} --key {key}"
    try:
        answer = (
            s3.get_object_tagging(Bucket=bucket, Key=key, VersionId=version_id)
            if version_id
            else s3.get_object_tagging(Bucket=bucket, Key=key)
        )
    except ClientError as error:
        return Read.failed(classify(error, "s3:GetObjectTagging", None, command))
    return Read.ok({tag["Key"]: tag["Value"] for tag in answer.get("TagSet", [])})


def _owners(
    s3: S3Client, bucket: str, key: str, version_id: str | None
) -> tuple[Read[str], Read[str]]:
    """The object's and the bucket's canonical owner ids (compared for catalog S9)."""
    try:
        acl = (
            s3.get_object_acl(Bucket=bucket, Key=key, VersionId=version_id)
            if version_id
            else s3.get_object_acl(Bucket=bucket, Key=key)
        )
        owner: Read[str] = Read.ok(str(acl.get("Owner", {}).get("ID", "")))
    except ClientError as error:
        owner = Read.failed(classify(error, "s3:GetObjectAcl", None, f"aws s3api get-object-acl --bucket {bucket}"))
    try:
        bucket_owner: Read[str] = Read.ok(str(s3.get_bucket_acl(Bucket=bucket).get("Owner", {}).get("ID", "")))
    except ClientError as error:
        bucket_owner = Read.failed(
            classify(error, "s3:GetBucketAcl", None, f"aws s3api get-bucket-acl --bucket {bucket}")
        )
    return owner, bucket_owner


def read_object(s3: S3Client, bucket: str, key: str, version_id: str | None, acls_enabled: bool) -> ObjectFacts:
    """Read one object version; ``acls_enabled`` is False under BucketOwnerEnforced (no owner to compare)."""
    head = _head(s3, bucket, key, version_id)
    actual_version = head.get("VersionId") or version_id
    version = actual_version if actual_version and actual_version != "null" else None
    tags = _tags(s3, bucket, key, version)
    owner, bucket_owner = _owners(s3, bucket, key, version) if acls_enabled else (None, None)
    algorithm = head.get("ServerSideEncryption")
    encryption: Encryption = (
        _ENCRYPTION_NAMES.get(str(algorithm), "unknown")
        if algorithm
        else ("SSE-C" if head.get("SSECustomerAlgorithm") else "none")
    )
    return ObjectFacts(
        bucket=bucket,
        key=key,
        version_id=version,
        last_modified=head.get("LastModified"),
        replication_status=head.get("ReplicationStatus"),
        encryption=encryption,
        kms_key_id=head.get("SSEKMSKeyId"),
        bucket_key=bool(head.get("BucketKeyEnabled")),
        storage_class=str(head.get("StorageClass") or "STANDARD"),
        archive_status=head.get("ArchiveStatus"),
        restore=head.get("Restore"),
        object_lock_mode=head.get("ObjectLockMode"),
        object_lock_retain_until=head.get("ObjectLockRetainUntilDate"),
        legal_hold=head.get("ObjectLockLegalHoldStatus"),
        size=int(head.get("ContentLength", 0)),
        tags=tags,
        owner_id=owner,
        bucket_owner_id=bucket_owner,
    )
