"""Layer 5: the destination bucket policy (catalog §3.4)."""

from __future__ import annotations

import pytest
from checks_helpers import (
    ACCOUNT_A,
    ACCOUNT_B,
    DST,
    ROLE_ARN,
    ROLE_NAME,
    Seed,
    codes,
    errors,
    failed,
    find,
    no_credentials,
    warnings,
)


def test_no_destination_policy_cross_account_fails(seed: Seed) -> None:
    seed.documents["dest_policy"] = None
    report = seed.report()
    finding = find(report, "destination-policy-missing")
    assert finding.aws_failure_reason == "DstPutObjectNotPermitted"
    fix = finding.fix
    assert fix is not None and fix.id == "amend-destination-bucket-policy" and fix.automatic and fix.account == ACCOUNT_B
    assert fix.params["create"] is True and fix.params["principal"] == ROLE_ARN
    assert "s3:ReplicateObject" in fix.params["actions"] and fix.params["resources"] == [f"arn:aws:s3:::{DST}/*"]


def test_deny_on_the_role(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"].append(
        {"Sid": "Lockdown", "Effect": "Deny", "Principal": {"AWS": ROLE_ARN}, "Action": "s3:ReplicateObject",
         "Resource": f"arn:aws:s3:::{DST}/*"})
    report = seed.report()
    finding = find(report, "destination-policy-denies")
    assert finding.severity == "error" and finding.evidence["sid"] == "Lockdown"
    assert finding.fix is not None and finding.fix.id == "remove-deny-statement" and finding.fix.account == ACCOUNT_B


def test_not_principal_deny_hits_the_role(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"].append(
        {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT_B}:root"}, "Action": "s3:*",
         "Resource": f"arn:aws:s3:::{DST}/*"})
    assert "destination-policy-denies" in errors(seed.report(), "destination-policy")


def test_role_named_without_its_path(seed: Seed) -> None:
    for statement in seed.documents["dest_policy"]["Statement"]:
        if statement["Principal"]["AWS"] == [ROLE_ARN]:
            statement["Principal"]["AWS"] = [f"arn:aws:iam::{ACCOUNT_A}:role/{ROLE_NAME}"]
    report = seed.report()
    finding = find(report, "destination-policy-role-path-mismatch")
    assert finding.severity == "error" and finding.evidence["named_principal"].endswith(f":role/{ROLE_NAME}")


def test_stale_unique_id_principal(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"][0]["Principal"]["AWS"] = ["AROAEXAMPLEEXAMPLE1234"]
    report = seed.report()
    stale = find(report, "destination-policy-stale-principal")
    assert stale.fix is not None and stale.fix.id == "replace-stale-principal" and stale.fix.automatic
    assert stale.fix.params["principal"] == ROLE_ARN
    assert "destination-policy-missing-grant" in errors(report, "destination-policy")


def test_deny_on_replicate_tags_is_a_warning(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"].append(
        {"Effect": "Deny", "Principal": {"AWS": ROLE_ARN}, "Action": "s3:ReplicateTags",
         "Resource": f"arn:aws:s3:::{DST}/*"})
    report = seed.report()
    assert report.layer("destination-policy").status == "warn"
    assert warnings(report, "destination-policy") == ["destination-policy-blocks-tags"]


def test_missing_replicate_tags_is_fine(seed: Seed) -> None:
    assert "s3:ReplicateTags" not in str(seed.documents["dest_policy"])
    assert seed.report().layer("destination-policy").status == "pass"


def test_replicate_delete_is_needed_only_when_delete_markers_replicate(seed: Seed) -> None:
    """Without delete-marker replication S3 sends no ReplicateDelete, so least privilege leaves it out."""
    seed.documents["dest_policy"]["Statement"][0]["Action"] = ["s3:ReplicateObject"]
    report = seed.report()
    assert report.layer("destination-policy").status == "pass"
    seed.rule["DeleteMarkerReplication"] = {"Status": "Enabled"}
    report = seed.report()
    finding = find(report, "destination-policy-missing-grant")
    assert finding.severity == "error" and finding.aws_failure_reason == "DstDelObjNotPermitted"


def test_owner_override_needs_the_override_permission(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"] = [s for s in seed.documents["dest_policy"]["Statement"]
                                                  if s["Sid"] != "1"]
    finding = find(seed.report(), "destination-policy-missing-grant")
    assert "s3:ObjectOwnerOverrideToBucketOwner" in finding.message


def test_requester_pays_cross_account(seed: Seed) -> None:
    seed.dest_payer = "Requester"
    assert "destination-requester-pays" in errors(seed.report(), "destination-policy")


def test_unreadable_destination_policy_is_unknown(seed: Seed) -> None:
    seed.reads["dest.policy"] = no_credentials()
    report = seed.report()
    assert report.layer("destination-policy").status == "unknown"
    assert codes(report, "destination-policy") == ["destination-policy-unreadable"]


@pytest.mark.parametrize("form", ["absent", "not-found error"])
def test_a_missing_destination_is_unknown_never_a_pass(seed: Seed, form: str) -> None:
    """As the probe reads it: GetBucketLocation says NoSuchBucket, the other reads are skipped."""
    if form == "absent":
        seed.dest_exists = False
    else:
        seed.reads["dest.exists"] = failed("not-found", "s3:GetBucketLocation", "NoSuchBucket")
    for field, operation in (("policy", "s3:GetBucketPolicy"), ("request_payment", "s3:GetBucketRequestPayment"),
                             ("encryption", "s3:GetBucketEncryption")):
        seed.reads[f"dest.{field}"] = failed("not-found", operation, "NoSuchBucket")
    report = seed.report()
    layer = report.layer("destination-policy")
    assert layer.status == "unknown" and not layer.pending
    assert codes(report, "destination-policy") == ["destination-policy-bucket-not-found"]
    finding = layer.findings[0]
    assert finding.unknown and finding.aws_failure_reason == "DstBucketNotFound" and finding.fix is None
    assert DST in finding.message and finding.evidence["command"] == \
        f"aws s3api head-bucket --bucket {DST} --profile s3repl-dest --region us-west-2"
    assert report.verdict == "fail" and "destination-bucket-not-found" in errors(report, "rule")


def test_deny_outside_vpc_endpoint_hits_replication(seed: Seed) -> None:
    """S3's replication requests don't come through your VPC endpoint (catalog #16)."""
    seed.documents["dest_policy"]["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{DST}/*",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1234"}}})
    assert "destination-policy-denies" in errors(seed.report(), "destination-policy")


def test_tls_only_deny_does_not_block_replication(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{DST}/*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    assert seed.report().layer("destination-policy").status == "pass"


def test_allow_conditioned_on_an_undocumented_key_is_unknown(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"][0]["Condition"] = {
        "StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    report = seed.report()
    assert report.layer("destination-policy").status == "unknown"
    assert find(report, "destination-policy-unverifiable").unknown


def test_allow_conditioned_on_principal_arn_is_judged(seed: Seed) -> None:
    seed.documents["dest_policy"]["Statement"][0]["Principal"] = {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"}
    seed.documents["dest_policy"]["Statement"][0]["Condition"] = {"ArnEquals": {"aws:PrincipalArn": ROLE_ARN}}
    assert seed.report().layer("destination-policy").status == "pass"
    seed.documents["dest_policy"]["Statement"][0]["Condition"] = {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT_A}:role/other"}}
    assert "destination-policy-missing-grant" in errors(seed.report(), "destination-policy")


def test_same_account_destination_needs_no_bucket_policy(seed: Seed) -> None:
    seed.dest_owner = ACCOUNT_A
    seed.rule["Destination"]["Account"] = ACCOUNT_A
    seed.documents["dest_policy"] = None
    report = seed.report()
    assert report.layer("destination-policy").status == "pass"
    assert "rule-owner-override-same-account" in warnings(report, "rule")


def test_same_account_destination_deny_still_fails(seed: Seed) -> None:
    seed.dest_owner = ACCOUNT_A
    seed.rule["Destination"]["Account"] = ACCOUNT_A
    seed.documents["dest_policy"] = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:ReplicateObject", "Resource": f"arn:aws:s3:::{DST}/*"}]}
    assert "destination-policy-denies" in errors(seed.report(), "destination-policy")
