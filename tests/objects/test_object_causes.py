"""Object-level causes that the sandbox cannot produce (moto has no foreign owners or archive tiers)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from s3repl_tui.objects.causes import archived, owned_by_another_account, sse_kms_not_opted_in
from s3repl_tui.objects.facts import ObjectFacts
from s3repl_tui.objects.rules import match_rules
from s3repl_tui.probes.snapshot import Read

FACTS = ObjectFacts(
    bucket="src", key="k", version_id="v1", last_modified=None, replication_status=None, encryption="SSE-S3",
    kms_key_id=None, bucket_key=False, storage_class="STANDARD", archive_status=None, restore=None,
    object_lock_mode=None, object_lock_retain_until=None, legal_hold=None, size=1, tags=Read.ok({}),
    owner_id=Read.ok("bucket-owner"), bucket_owner_id=Read.ok("bucket-owner"),
)


def configuration(**rule: Any) -> dict[str, Any]:
    base = {"ID": "r", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
            "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": "arn:aws:s3:::dst"}}
    return {"Role": "arn:aws:iam::111122223333:role/r", "Rules": [base | rule]}


def test_an_object_another_account_owns_fails_with_src_get_acl_not_permitted() -> None:
    assert owned_by_another_account(FACTS) is None
    cause = owned_by_another_account(replace(FACTS, owner_id=Read.ok("another-account")))
    assert cause is not None and cause.aws_failure_reason == "SrcGetAclNotPermitted" and cause.catalog == "S9, §1 #24"
    assert "BucketOwnerEnforced" in cause.fix
    assert owned_by_another_account(replace(FACTS, owner_id=None)) is None  # ACLs disabled: the bucket owns it


def test_intelligent_tiering_archive_tiers_are_archived_too() -> None:
    assert archived(FACTS) is None
    tiered = replace(FACTS, storage_class="INTELLIGENT_TIERING", archive_status="DEEP_ARCHIVE_ACCESS")
    cause = archived(tiered)
    assert cause is not None and "DEEP_ARCHIVE_ACCESS" in cause.message


def test_dsse_kms_objects_need_the_opt_in_as_sse_kms_objects_do() -> None:
    dsse = replace(FACTS, encryption="DSSE-KMS", kms_key_id="arn:aws:kms:us-east-1:111122223333:key/k")
    plain_rule = match_rules(configuration(), "k", {})
    assert sse_kms_not_opted_in(plain_rule, dsse) is not None
    opted_in = match_rules(configuration(
        SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        Destination={"Bucket": "arn:aws:s3:::dst",
                     "EncryptionConfiguration": {"ReplicaKmsKeyID": "arn:aws:kms:us-west-2:444455556666:key/r"}},
    ), "k", {})
    assert sse_kms_not_opted_in(opted_in, dsse) is None
    assert sse_kms_not_opted_in(plain_rule, FACTS) is None  # SSE-S3 objects need no opt-in
