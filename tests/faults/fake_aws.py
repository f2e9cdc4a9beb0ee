"""An in-memory S3 of one account (bucket policies and versioning), for write-path faults the sandbox
cannot stage on demand: an error answered after a write landed, a process interrupted mid-call.

``FakeConnection().s3`` holds the documents; ``fail_after_landing`` makes the next write land and
then answer a 500; ``interrupt_on`` raises KeyboardInterrupt after the write with that call number
landed (Ctrl-C while the answer is on its way).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from s3repl_tui.fixes.model import Change, DocumentRef, Plan

ACCOUNT, REGION = "444455556666", "us-west-2"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/s"
OWNER_DENY = {
    "Sid": "OwnersDeny",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:DeleteBucket",
    "Resource": "arn:aws:s3:::owners",
}


class FakeS3:
    def __init__(self) -> None:
        self.policies: dict[str, str] = {}
        self.versioning: dict[str, str] = {}
        self.fail_after_landing = False
        self.interrupt_on = 0  # 1-based number of the write after which Ctrl-C arrives
        self.writes = 0

    def _landed(self, operation: str) -> None:
        self.writes += 1
        if self.fail_after_landing:
            self.fail_after_landing = False
            raise ClientError({"Error": {"Code": "InternalError", "Message": "try again"}}, operation)
        if self.interrupt_on and self.writes == self.interrupt_on:
            raise KeyboardInterrupt

    def get_bucket_policy(self, Bucket: str) -> dict[str, Any]:
        if Bucket not in self.policies:
            raise ClientError({"Error": {"Code": "NoSuchBucketPolicy", "Message": "none"}}, "GetBucketPolicy")
        return {"Policy": self.policies[Bucket]}

    def put_bucket_policy(self, Bucket: str, Policy: str) -> None:
        self.policies[Bucket] = Policy
        self._landed("PutBucketPolicy")

    def delete_bucket_policy(self, Bucket: str) -> None:
        self.policies.pop(Bucket, None)
        self._landed("DeleteBucketPolicy")

    def get_bucket_versioning(self, Bucket: str) -> dict[str, Any]:
        return {"Status": self.versioning[Bucket]} if Bucket in self.versioning else {}

    def put_bucket_versioning(self, Bucket: str, VersioningConfiguration: dict[str, str]) -> None:
        self.versioning[Bucket] = VersioningConfiguration["Status"]
        self._landed("PutBucketVersioning")

    def policy(self, bucket: str) -> Any:
        return json.loads(self.policies[bucket]) if bucket in self.policies else None


class _Identity:
    arn = CALLER


class FakeSession:
    def __init__(self, s3: FakeS3) -> None:
        self.s3 = s3

    def client(self, service: str, region: str | None = None) -> Any:
        assert service == "s3"
        return self.s3

    def identity(self) -> _Identity:
        return _Identity()


class FakeConnection:
    def __init__(self) -> None:
        self.s3 = FakeS3()
        self._session = FakeSession(self.s3)

    def for_account(self, account_id: str) -> FakeSession | None:
        return self._session if account_id == ACCOUNT else None


def policy_ref(bucket: str) -> DocumentRef:
    return DocumentRef("bucket-policy", ACCOUNT, REGION, f"arn:aws:s3:::{bucket}", bucket)


def versioning_ref(bucket: str) -> DocumentRef:
    return DocumentRef("bucket-versioning", ACCOUNT, REGION, f"arn:aws:s3:::{bucket}", bucket)


def grant(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "S3ReplTuiReplicaWrites",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::111122223333:role/{bucket}-role"},
        "Action": ["s3:ReplicateObject"],
        "Resource": [f"arn:aws:s3:::{bucket}/*"],
    }


def owner_policy() -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [OWNER_DENY]}


def grant_plan(connection: FakeConnection, *buckets: str) -> Plan:
    """For each bucket: the owner's policy (stored now if absent) gains the tool's statement."""
    changes = []
    for bucket in buckets:
        before = connection.s3.policy(bucket)
        if before is None:
            before = owner_policy()
            connection.s3.policies[bucket] = json.dumps(before)
        after = {**before, "Statement": [*before["Statement"], grant(bucket)]}
        changes.append(Change(f"grant-{bucket}", (), "destination-policy", policy_ref(bucket), "", before, after))
    return Plan(tuple(changes))


def versioning_plan(bucket: str, before: dict[str, str]) -> Plan:
    change = Change(f"versioning-{bucket}", (), "versioning", versioning_ref(bucket), "", before, {"Status": "Enabled"})
    return Plan((change,))


def new_policy_plan(bucket: str) -> Plan:
    """A policy the bucket did not have: undo deletes it."""
    after = {"Version": "2012-10-17", "Statement": [grant(bucket)]}
    return Plan((Change(f"new-{bucket}", (), "destination-policy", policy_ref(bucket), "", None, after),))
