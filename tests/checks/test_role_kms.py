"""Layer 4: the role's KMS statement against the context S3 sends (catalog §3.3)."""

from __future__ import annotations

from typing import Any

from checks_helpers import ACCOUNT_A, REPLICA_KEY, SRC, SRC_KEY, Seed, codes, encryption, errors, find, warnings


def _inline(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _decrypt_source(condition: dict[str, Any]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SRC_KEY, "Condition": condition}


REPLICA_OK = {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
              "Resource": REPLICA_KEY}


def test_no_kms_statement_fails(seed: Seed) -> None:
    seed.documents["inline"] = None
    report = seed.report()
    assert report.layer("role-kms").status == "fail"
    findings = [f for f in report.layer("role-kms").findings if f.code == "role-kms-permission-missing"]
    resources = {f.resource for f in findings if f.severity == "error"}
    assert resources == {SRC_KEY, REPLICA_KEY}
    fix = findings[0].fix
    assert fix is not None and fix.id == "add-role-kms-permissions" and fix.automatic and fix.account == ACCOUNT_A
    assert fix.params["statement"]["Condition"]["StringEquals"]["kms:ViaService"].startswith("s3.")


def test_bucket_key_switches_the_encryption_context_to_the_bucket_arn(seed: Seed) -> None:
    seed.documents["inline"] = _inline(
        _decrypt_source({"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{SRC}/*"}}), REPLICA_OK)
    assert seed.report().layer("role-kms").status == "pass"  # object ARN context: matches
    seed.source_encryption = encryption(SRC_KEY, bucket_key=True)
    report = seed.report()
    finding = find(report, "role-kms-bucket-key-context")
    assert finding.severity == "error" and finding.resource == SRC_KEY
    assert "Bucket Key" in finding.message
    assert finding.evidence["request"]["context"]["kms:EncryptionContext:aws:s3:arn"] == f"arn:aws:s3:::{SRC}"
    assert finding.fix is not None
    assert finding.fix.params["statement"]["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{SRC}"]}


def test_bucket_key_context_with_bucket_arn_passes(seed: Seed) -> None:
    seed.source_encryption = encryption(SRC_KEY, bucket_key=True)
    seed.documents["inline"] = _inline(
        _decrypt_source({"StringEquals": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{SRC}"}}), REPLICA_OK)
    assert seed.report().layer("role-kms").status == "pass"


def test_via_service_of_the_wrong_region_fails(seed: Seed) -> None:
    seed.documents["inline"] = _inline(
        _decrypt_source({"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}), REPLICA_OK)
    report = seed.report()
    finding = find(report, "role-kms-condition-mismatch")
    assert finding.evidence["mismatched_conditions"] == ["kms:ViaService"]
    assert "s3.us-east-1.amazonaws.com" in finding.message


def test_via_service_of_the_source_region_passes(seed: Seed) -> None:
    seed.documents["inline"] = _inline(
        _decrypt_source({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}), REPLICA_OK)
    assert seed.report().layer("role-kms").status == "pass"


def test_only_encrypt_on_the_replica_key_is_a_warning(seed: Seed) -> None:
    report = seed.report()  # the seed: kms:Encrypt/kms:Decrypt only
    assert report.layer("role-kms").status == "warn"
    assert warnings(report, "role-kms") == ["role-kms-replica-encrypt-partial"]


def test_neither_encrypt_nor_generate_data_key_fails(seed: Seed) -> None:
    seed.documents["inline"] = _inline({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": [SRC_KEY, REPLICA_KEY]})
    report = seed.report()
    assert "role-kms-permission-missing" in errors(report, "role-kms")
    finding = next(f for f in report.layer("role-kms").findings if f.resource == REPLICA_KEY)
    assert finding.aws_failure_reason == "DstPutObjectNotPermitted"
    assert set(finding.fix.params["actions"]) == {"kms:Encrypt", "kms:GenerateDataKey"}  # type: ignore[union-attr]


def test_destination_bucket_key_requires_decrypt_on_the_replica_key(seed: Seed) -> None:
    seed.dest_encryption = encryption(REPLICA_KEY, bucket_key=True)
    seed.documents["inline"] = _inline({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SRC_KEY},
                                       {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                                        "Resource": REPLICA_KEY})
    report = seed.report()
    finding = find(report, "role-kms-permission-missing")
    assert finding.severity == "error" and "kms:Decrypt" in finding.message and finding.resource == REPLICA_KEY


def test_decrypt_on_replica_without_bucket_key_is_a_warning(seed: Seed) -> None:
    seed.documents["inline"] = _inline({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SRC_KEY},
                                       {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                                        "Resource": REPLICA_KEY})
    report = seed.report()
    assert report.layer("role-kms").status == "warn"
    assert codes(report, "role-kms") == ["role-kms-permission-missing"]


def test_sse_s3_source_into_sse_kms_destination_needs_no_generate_data_key(seed: Seed) -> None:
    """Replicas keep the source object's (SSE-S3) encryption: the destination's default key is not used
    (replication-config-for-kms-objects; test_sse_s3_source.py)."""
    seed.source_encryption = encryption(None, algorithm="AES256")
    seed.rule.pop("SourceSelectionCriteria")
    seed.rule["Destination"].pop("EncryptionConfiguration")
    seed.documents["inline"] = _inline({"Effect": "Allow", "Action": "kms:Encrypt", "Resource": REPLICA_KEY})
    report = seed.report()
    assert "role-kms-permission-missing" not in codes(report, "role-kms")
    assert report.layer("role-kms").status == "pass"


def test_role_kms_explicit_deny(seed: Seed) -> None:
    seed.documents["inline"]["Statement"].append({"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"})
    assert "role-kms-policy-denies" in errors(seed.report(), "role-kms")


def test_key_policy_failure_does_not_fail_the_role_side(seed: Seed) -> None:
    """The role has kms:Encrypt only (a warning); the key policy grants nothing: key-policy fails, not role-kms."""
    statements = seed.documents["replica_key_policy"]["Statement"]
    seed.documents["replica_key_policy"]["Statement"] = statements[:1]
    report = seed.report()
    assert report.layer("key-policy").status == "fail"
    assert report.layer("role-kms").status == "warn"


def test_each_side_allowing_a_different_action_fails(seed: Seed) -> None:
    """Role: only kms:Encrypt; key policy: only kms:GenerateDataKey. No single action works."""
    for statement in seed.documents["replica_key_policy"]["Statement"]:
        if statement["Sid"] == "Allow use of the key":
            statement["Action"] = ["kms:GenerateDataKey", "kms:Decrypt"]
    report = seed.report()
    assert report.verdict == "fail"
    assert "role-kms-permission-missing" in errors(report, "role-kms")
