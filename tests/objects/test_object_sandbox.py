"""``explain_object`` against the two-account sandbox: each object names the right reason and layer."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from object_helpers import diagnose, set_replication_status, source_s3

from s3repl_tui.errors import UserError
from s3repl_tui.sandbox import BREAKAGES, SOURCE_PROFILE, Sandbox, SeedSetup

KEY = "data/x"


def put(sandbox: Sandbox, setup: SeedSetup, key: str = KEY, status: str | None = None, **extra: Any) -> str:
    answer = source_s3(sandbox).put_object(Bucket=setup.source_bucket, Key=key, Body=b"payload", **extra)
    if status:
        set_replication_status(setup.source_bucket, key, status)
    return str(answer["VersionId"])


def put_configuration(sandbox: Sandbox, setup: SeedSetup, **rule_changes: Any) -> None:
    configuration = copy.deepcopy(setup.documents["replication"])
    configuration["Rules"][0].update(rule_changes)
    source_s3(sandbox).put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=configuration)


def test_a_replicated_object_exits_zero(sandbox: Sandbox, seed: SeedSetup) -> None:
    put(sandbox, seed, status="COMPLETED")
    diagnosis = diagnose(seed.source_bucket, KEY)
    assert diagnosis.outcome == "replicated" and diagnosis.replicates
    assert diagnosis.causes == ()
    assert [m.rule.id for m in diagnosis.rules if m.applies] == ["seed-rule"]


def test_sse_kms_object_without_the_rules_opt_in(sandbox: Sandbox, seed: SeedSetup) -> None:
    BREAKAGES["rule"](sandbox, seed)
    put(sandbox, seed)  # the bucket's default encryption makes it SSE-KMS
    diagnosis = diagnose(seed.source_bucket, KEY)
    assert diagnosis.facts.encryption == "SSE-KMS"
    assert diagnosis.outcome == "not-replicated" and not diagnosis.replicates
    cause = diagnosis.cause
    assert cause is not None
    assert (cause.code, cause.layer, cause.catalog) == ("sse-kms-not-opted-in", "rule", "S6")
    assert cause.aws_failure_reason is None  # silent: S3 reports nothing
    assert "--statuses NONE" in diagnosis.remedy


def test_object_outside_every_rules_filter(sandbox: Sandbox, seed: SeedSetup) -> None:
    put_configuration(sandbox, seed, Filter={"Prefix": "logs/"})
    put(sandbox, seed)
    diagnosis = diagnose(seed.source_bucket, KEY)
    cause = diagnosis.cause
    assert cause is not None and cause.code == "outside-rule-filter"
    assert cause.layer == "rule" and cause.catalog == "S4"
    assert "'logs/'" in cause.message
    assert diagnosis.requests == ()  # no rule applies: S3 makes no request for it


def test_object_under_a_key_the_role_cannot_use(sandbox: Sandbox, seed: SeedSetup) -> None:
    kms = sandbox.session(SOURCE_PROFILE).client("kms", region_name=seed.source_region)
    third_key = kms.create_key(Description="a team's own key")["KeyMetadata"]["Arn"]
    put(sandbox, seed, status="FAILED", ServerSideEncryption="aws:kms", SSEKMSKeyId=third_key)
    diagnosis = diagnose(seed.source_bucket, KEY)
    assert diagnosis.facts.kms_key_id == third_key
    assert diagnosis.outcome == "failed"
    cause = diagnosis.cause
    assert cause is not None
    assert (cause.code, cause.layer, cause.aws_failure_reason) == (
        "role-kms-denies-decrypt", "role-kms", "SrcGetObjectNotPermitted")
    assert cause.evidence["resource"] == third_key
    assert len(diagnosis.causes) == 1  # the replica key is in the role's KMS statement


def test_role_without_its_kms_statement(sandbox: Sandbox, seed: SeedSetup) -> None:
    BREAKAGES["role-kms"](sandbox, seed)
    put(sandbox, seed, status="FAILED")
    diagnosis = diagnose(seed.source_bucket, KEY)
    assert [c.aws_failure_reason for c in diagnosis.causes] == ["SrcGetObjectNotPermitted", "DstPutObjectNotPermitted"]
    assert {c.layer for c in diagnosis.causes} == {"role-kms"}
    assert "kms:Encrypt or kms:GenerateDataKey" in diagnosis.causes[1].message  # one cause for the pair
    assert "--statuses FAILED" in diagnosis.remedy


def test_object_created_before_the_rule(sandbox: Sandbox, seed: SeedSetup) -> None:
    source_s3(sandbox).delete_bucket_replication(Bucket=seed.source_bucket)
    put(sandbox, seed)
    put_configuration(sandbox, seed)
    diagnosis = diagnose(seed.source_bucket, KEY)
    assert diagnosis.outcome == "not-replicated"
    cause = diagnosis.cause
    assert cause is not None and (cause.code, cause.catalog) == ("existed-before-rule", "S2")
    assert len(diagnosis.causes) == 1  # and a retry would work: nothing else is wrong
    assert f"s3repl-tui retry --source-bucket {seed.source_bucket} --statuses NONE" in diagnosis.remedy


def test_tag_added_after_the_upload(sandbox: Sandbox, seed: SeedSetup) -> None:
    put_configuration(sandbox, seed, Filter={"Tag": {"Key": "replicate", "Value": "yes"}})
    put(sandbox, seed)
    source_s3(sandbox).put_object_tagging(
        Bucket=seed.source_bucket, Key=KEY, Tagging={"TagSet": [{"Key": "replicate", "Value": "yes"}]})
    cause = diagnose(seed.source_bucket, KEY).cause
    assert cause is not None and cause.code == "tagged-after-upload-or-existing" and cause.catalog == "S5, S2"


def test_destination_versioning_suspended(sandbox: Sandbox, seed: SeedSetup) -> None:
    BREAKAGES["versioning"](sandbox, seed)
    put(sandbox, seed, status="FAILED")
    cause = diagnose(seed.source_bucket, KEY).cause
    assert cause is not None
    assert (cause.aws_failure_reason, cause.layer) == ("DstBucketUnversioned", "versioning")


def test_pending_object_that_the_destination_policy_will_refuse(sandbox: Sandbox, seed: SeedSetup) -> None:
    put(sandbox, seed, status="PENDING")
    assert diagnose(seed.source_bucket, KEY).outcome == "pending"
    BREAKAGES["destination-policy"](sandbox, seed)
    diagnosis = diagnose(seed.source_bucket, KEY)
    assert diagnosis.outcome == "will-fail" and not diagnosis.replicates
    cause = diagnosis.cause
    assert cause is not None
    assert (cause.aws_failure_reason, cause.layer) == ("DstPutObjectNotPermitted", "destination-policy")
    assert cause.evidence["resource"] == f"arn:aws:s3:::{seed.dest_bucket}/{KEY}"  # the object's own ARN


def _scope_role_kms_to_object_arns(sandbox: Sandbox, setup: SeedSetup) -> None:
    """The documented least-privilege form for objects without a Bucket Key (catalog §3.3)."""
    statement = {
        "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [setup.source_key_arn],
        "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{setup.source_bucket}/*"}},
    }
    encrypt = {"Effect": "Allow", "Action": ["kms:Encrypt"], "Resource": [setup.replica_key_arn]}
    sandbox.session(SOURCE_PROFILE).client("iam").put_role_policy(
        RoleName=setup.role_name, PolicyName=setup.inline_policy_name,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement, encrypt]}))


def test_bucket_key_objects_are_judged_with_the_bucket_arn_as_encryption_context(
    sandbox: Sandbox, seed: SeedSetup
) -> None:
    _scope_role_kms_to_object_arns(sandbox, seed)
    put(sandbox, seed, key="plain", status="FAILED")
    plain = diagnose(seed.source_bucket, "plain")
    assert plain.outcome == "failed" and plain.cause is not None and plain.cause.code == "cause-not-found"

    put(sandbox, seed, key="bucket-keyed", status="FAILED", ServerSideEncryption="aws:kms",
        SSEKMSKeyId=seed.source_key_arn, BucketKeyEnabled=True)
    keyed = diagnose(seed.source_bucket, "bucket-keyed")
    assert keyed.facts.bucket_key
    cause = keyed.cause
    assert cause is not None and cause.code == "role-kms-denies-decrypt"
    assert cause.evidence["context"]["kms:EncryptionContext:aws:s3:arn"] == f"arn:aws:s3:::{seed.source_bucket}"


def test_archived_object(sandbox: Sandbox, seed: SeedSetup) -> None:
    put(sandbox, seed, StorageClass="GLACIER")
    diagnosis = diagnose(seed.source_bucket, KEY)
    cause = diagnosis.cause
    assert cause is not None and cause.code == "archived-object"
    assert cause.aws_failure_reason == "SrcObjectNotEligible"
    assert "restore-object" in diagnosis.remedy
    restore = f"aws s3api restore-object --bucket {seed.source_bucket} --key {KEY} --profile {SOURCE_PROFILE} " \
        f"--region {seed.source_region}"
    assert restore in cause.fix or restore in diagnosis.remedy or restore in cause.message


def test_replica_is_not_replicated_onwards(sandbox: Sandbox, seed: SeedSetup) -> None:
    put(sandbox, seed, status="REPLICA")
    diagnosis = diagnose(seed.source_bucket, KEY)
    assert diagnosis.outcome == "replica" and not diagnosis.replicates
    assert "--statuses REPLICA" in diagnosis.remedy


def test_an_older_version_by_id(sandbox: Sandbox, seed: SeedSetup) -> None:
    first = put(sandbox, seed, status="FAILED")
    put(sandbox, seed)
    diagnosis = diagnose(seed.source_bucket, KEY, first)
    assert diagnosis.facts.version_id == first


def test_missing_key_and_delete_marker_are_user_errors(sandbox: Sandbox, seed: SeedSetup) -> None:
    with pytest.raises(UserError, match="does not exist"):
        diagnose(seed.source_bucket, "no/such/key")
    put(sandbox, seed)
    source_s3(sandbox).delete_object(Bucket=seed.source_bucket, Key=KEY)
    with pytest.raises(UserError, match="delete marker"):
        diagnose(seed.source_bucket, KEY)


def test_diagnosis_json_names_reason_and_layer(sandbox: Sandbox, seed: SeedSetup) -> None:
    BREAKAGES["destination-policy"](sandbox, seed)
    put(sandbox, seed, status="FAILED")
    body = json.loads(json.dumps(diagnose(seed.source_bucket, KEY).to_json()))
    assert body["outcome"] == "failed" and body["replicates"] is False
    assert (body["aws_failure_reason"], body["layer"]) == ("DstPutObjectNotPermitted", "destination-policy")
    assert body["object"]["replication_status"] == "FAILED"


def test_in_the_sandbox_object_says_what_is_not_emulated(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    """An object written after the rule has no status in moto: the CLI must not call it pre-existing."""
    from s3repl_tui.cli import main

    put(sandbox, seed)
    code = main(["object", "--source-bucket", seed.source_bucket, "--key", KEY, "--source-profile", SOURCE_PROFILE])
    out = capsys.readouterr().out
    assert code == 1
    assert "existed before" not in out
    assert "this sandbox never replicates (not emulated)" in out
    assert "never replicates: no object gets a replication status" in out
