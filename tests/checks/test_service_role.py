"""Layer 3: the role exists, trusts s3.amazonaws.com, and its policies (within a boundary) allow S3's reads
and writes. Odd policy shapes are judged like AWS does."""

from __future__ import annotations

from typing import Any

from checks_helpers import ACCOUNT_A, INLINE, MANAGED_ARN, ROLE_ARN, SRC, Seed, codes, errors, failed, find


def _managed_actions(seed: Seed, remove: str) -> None:
    for statement in seed.documents["managed"]["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != remove]


def test_trust_without_s3_fails(seed: Seed) -> None:
    seed.documents["trust"]["Statement"][0]["Principal"] = {"Service": "ec2.amazonaws.com"}
    report = seed.report()
    finding = find(report, "role-trust-missing-s3")
    assert finding.aws_failure_reason == "AssumeRoleNotPermitted"
    assert finding.fix is not None and finding.fix.id == "add-trust-s3-principal" and finding.fix.automatic
    assert finding.fix.params["role_name"] == ROLE_ARN.rsplit("/", 1)[-1]
    assert report.layer("service-role").status == "fail"


def test_trust_condition_on_a_key_we_cannot_know_is_unknown(seed: Seed) -> None:
    """The source account's organization is not read: a condition on it can't be judged.
    (aws:SourceAccount/aws:SourceArn are known: test_trust_conditions.py.)"""
    seed.documents["trust"]["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceOrgID": "o-example"}}
    report = seed.report()
    assert report.layer("service-role").status == "unknown"
    finding = find(report, "role-trust-unverifiable")
    assert finding.unknown and finding.evidence["keys"] == ["aws:sourceorgid"]


def test_missing_role_fails_on_service_role(seed: Seed) -> None:
    seed.role_exists = False
    report = seed.report()
    finding = find(report, "role-not-found")
    assert finding.aws_failure_reason == "AssumeRoleNotPermitted"
    assert report.layer("service-role").status == "fail"
    assert finding.fix is not None and not finding.fix.automatic and "create-role" in finding.fix.manual_steps


def test_role_without_get_object_version_for_replication(seed: Seed) -> None:
    _managed_actions(seed, "s3:GetObjectVersionForReplication")
    report = seed.report()
    finding = find(report, "role-permission-missing")
    assert finding.severity == "error" and finding.aws_failure_reason == "SrcGetObjectNotPermitted"
    fix = finding.fix
    assert fix is not None and fix.id == "add-role-s3-permissions" and fix.automatic and fix.account == ACCOUNT_A
    assert fix.params["actions"] == ["s3:GetObjectVersionForReplication"]
    assert fix.params["resources"] == [f"arn:aws:s3:::{SRC}/*"]
    assert report.layer("service-role").status == "fail"


def test_explicit_deny_in_role_policy(seed: Seed) -> None:
    seed.documents["inline"]["Statement"].append(
        {"Sid": "NoWrites", "Effect": "Deny", "Action": "s3:Replicate*", "Resource": "*"})
    report = seed.report()
    finding = find(report, "role-policy-denies")
    assert finding.aws_failure_reason == "DstPutObjectNotPermitted"
    assert finding.evidence["policy"] == f"inline:{INLINE}" and finding.evidence["sid"] == "NoWrites"
    assert finding.fix is not None and finding.fix.id == "remove-deny-statement" and not finding.fix.automatic


def test_boundary_without_replicate_object(seed: Seed) -> None:
    seed.boundary = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "kms:*", "s3:ReplicateDelete", "s3:ReplicateTags",
                                       "s3:ObjectOwnerOverrideToBucketOwner"], "Resource": "*"}]}
    report = seed.report()
    finding = find(report, "role-boundary-blocks")
    assert "s3:ReplicateObject" in finding.message and finding.severity == "error"
    assert finding.fix is not None and finding.fix.id == "edit-permissions-boundary" and not finding.fix.automatic


def test_boundary_deny(seed: Seed) -> None:
    seed.boundary = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObjectVersionAcl", "Resource": "*"}]}
    assert "role-boundary-denies" in errors(seed.report(), "service-role")


def test_unreadable_role_policies_are_unknown(seed: Seed) -> None:
    seed.reads["role.attached"] = failed(operation="iam:ListAttachedRolePolicies")
    report = seed.report()
    assert report.layer("service-role").status == "unknown"
    assert report.layer("role-kms").status == "unknown"
    assert "role-policies-unreadable" in codes(report, "service-role")


def test_typo_in_action_is_linted_and_fails(seed: Seed) -> None:
    statement = seed.documents["managed"]["Statement"][1]
    statement["Action"] = ["s3:ReplicateObjects" if a == "s3:ReplicateObject" else a for a in statement["Action"]]
    report = seed.report()
    assert "lint-unknown-action" in codes(report, "service-role")
    assert "role-permission-missing" in errors(report, "service-role")


def test_odd_shapes_statement_object_action_string_not_action(seed: Seed) -> None:
    seed.documents["managed"] = {"Version": "2012-10-17",
                                 "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}
    report = seed.report()
    assert report.layer("service-role").status == "pass"


def test_not_action_that_excludes_a_needed_action(seed: Seed) -> None:
    seed.documents["managed"] = {"Version": "2012-10-17",
                                 "Statement": {"Effect": "Allow", "NotAction": "s3:ListBucket", "Resource": "*"}}
    finding = find(seed.report(), "role-permission-missing")
    assert finding.fix is not None and finding.fix.params["actions"] == ["s3:ListBucket"]


def test_resource_without_slash_star_misses_objects(seed: Seed) -> None:
    """The seed blog's rendering lost the '*': SOURCE/ matches no object."""
    statement: dict[str, Any] = seed.documents["managed"]["Statement"][0]
    statement["Resource"] = [r.replace("/*", "/") for r in statement["Resource"]]
    report = seed.report()
    assert "role-permission-missing" in errors(report, "service-role")


def test_dsse_replicas_against_a_policy_without_dsse(seed: Seed) -> None:
    """The console policy's encryption list [aws:kms, AES256] predates DSSE-KMS (catalog §3.3)."""
    seed.source_encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] = "aws:kms:dsse"
    finding = find(seed.report(), "role-permission-missing")
    assert "s3:ReplicateObject" in finding.message
    assert finding.aws_failure_reason == "DstPutObjectNotPermitted"


def test_managed_policy_is_named_in_evidence(seed: Seed) -> None:
    seed.documents["managed"]["Statement"].append(
        {"Sid": "Guard", "Effect": "Deny", "Action": "s3:ListBucket", "Resource": "*"})
    finding = find(seed.report(), "role-policy-denies")
    assert finding.evidence["policy"] == MANAGED_ARN


def test_trust_deny_on_s3(seed: Seed) -> None:
    seed.documents["trust"]["Statement"].append(
        {"Effect": "Deny", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"})
    finding = find(seed.report(), "role-trust-denies")
    assert finding.aws_failure_reason == "AssumeRoleNotPermitted"
    assert finding.fix is not None and finding.fix.api == "iam:UpdateAssumeRolePolicy"


def test_trust_for_s3_and_batch_operations_passes(seed: Seed) -> None:
    seed.documents["trust"]["Statement"][0]["Principal"] = {
        "Service": ["s3.amazonaws.com", "batchoperations.s3.amazonaws.com"]}
    assert seed.report().layer("service-role").status == "pass"
